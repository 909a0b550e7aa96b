// safetensors reader and writer (format: include/ember/io/safetensors.h, ../shared/FORMATS.md §2).
// The reader validates in the reference reader's order: size of the length prefix, header
// length limit, header fits in the file, header JSON, offsets tile the buffer, byte sizes match
// shapes, buffer ends at the end of the file.
#include "ember/io/safetensors.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/json_checks.h"
#include "tensor/make.h"

namespace ember::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host needs byte swapping here");

namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxHeaderSize = 100'000'000;  // the reference reader's limit
constexpr const char* kMetadataKey = "__metadata__";

[[noreturn]] void fail(const std::string& path, const std::string& msg) {
  EMBER_THROW("safetensors: ", path, ": ", msg);
}

// ---- dtypes ------------------------------------------------------------------------------

struct DTypeInfo {
  const char* name;
  DType dtype;
  int rank;  // position in the reference's Dtype enum (its writer puts higher ranks first)
};
// The reference enum order: BOOL F4 F6_E2M3 F6_E3M2 U8 I8 F8_E5M2 F8_E4M3 F8_E8M0 F8_E4M3FNUZ
// F8_E5M2FNUZ I16 U16 F16 BF16 I32 U32 F32 C64 F64 I64 U64 (rank = index).
constexpr DTypeInfo kDTypes[] = {
    {"BOOL", kBool, 0},     {"U8", kUInt8, 4},  {"F16", kFloat16, 13}, {"BF16", kBFloat16, 14},
    {"I32", kInt32, 15},    {"F32", kFloat32, 17}, {"F64", kFloat64, 19}, {"I64", kInt64, 20},
};
// Valid in the format, but ember has no such element type.
constexpr const char* kForeignDTypes[] = {"F4",  "F6_E2M3", "F6_E3M2", "I8",          "F8_E5M2",     "F8_E4M3",
                                          "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "U32", "C64", "U64"};

const DTypeInfo& info_of(DType d) {
  for (const auto& i : kDTypes)
    if (i.dtype == d) return i;
  EMBER_THROW("safetensors: dtype ", dtype_name(d), " has no safetensors name");
}

// ---- header ------------------------------------------------------------------------------

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

struct Header {
  uint64_t n = 0;  // header length (the JSON, padding included)
  std::vector<Entry> entries;  // sorted by data offsets
  std::map<std::string, std::string> metadata;
};

std::string offsets_str(const Entry& e) {
  return detail::cat_str("[", e.begin, ", ", e.end, "]");
}

std::string shape_list(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

// Parses the JSON text; rejects duplicate keys in any object (the reference does too).
json parse_json(const std::string& path, const std::string& text) {
  json h;
  try {
    h = json::parse(text);
  } catch (const json::exception& e) {
    fail(path, detail::cat_str("header is not valid JSON (", e.what(), ")"));
  }
  const std::string duplicate = ember::detail::first_duplicate_key(text);
  if (!duplicate.empty()) fail(path, "header has the key \"" + duplicate + "\" more than once");
  return h;
}

std::string excerpt(const json& v) { return ember::detail::json_excerpt(v); }

Entry parse_entry(const std::string& path, const std::string& name, const json& v) {
  auto bad = [&](const std::string& what) { fail(path, "tensor '" + name + "': " + what); };
  if (!v.is_object()) bad("header entry is not an object: " + excerpt(v));
  for (const char* k : {"dtype", "shape", "data_offsets"})
    if (!v.contains(k)) bad(std::string("header entry has no \"") + k + "\"");
  Entry e;
  e.name = name;
  const json& dt = v["dtype"];
  if (!dt.is_string()) bad("dtype is not a string: " + excerpt(dt));
  const std::string d = dt.get<std::string>();
  bool found = false;
  for (const auto& i : kDTypes)
    if (d == i.name) e.dtype = i.dtype, found = true;
  if (!found) {
    for (const char* f : kForeignDTypes)
      if (d == f) bad("dtype " + d + " is valid safetensors but ember has no such element type");
    bad("unknown dtype \"" + d + "\" (known: F64 F32 F16 BF16 I64 I32 U8 BOOL)");
  }
  const json& sh = v["shape"];
  if (!sh.is_array()) bad("shape is not a list: " + excerpt(sh));
  for (const json& s : sh) {
    if (!s.is_number_unsigned() || s.get<uint64_t>() > uint64_t(INT64_MAX))
      bad("shape " + excerpt(sh) + " holds something other than a non-negative integer");
    e.shape.push_back(static_cast<int64_t>(s.get<uint64_t>()));
  }
  const json& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    bad("data_offsets must be two non-negative integers, got " + excerpt(off));
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  return e;
}

uint64_t file_size_of(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "no such file (or not a regular file)");
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read the file size: " + ec.message());
  return size;
}

void read_exact(std::ifstream& f, const std::string& path, uint64_t offset, char* dst, uint64_t n,
                const char* what) {
  f.seekg(static_cast<std::streamoff>(offset));
  f.read(dst, static_cast<std::streamsize>(n));
  if (!f || static_cast<uint64_t>(f.gcount()) != n)
    fail(path, detail::cat_str("read error while reading ", what, " (", n, " bytes at offset ", offset, ")"));
}

Header read_header(std::ifstream& f, const std::string& path, uint64_t file_size) {
  Header h;
  // (1) the length prefix
  if (file_size < 8)
    fail(path, detail::cat_str("file is too small (", file_size, " bytes) to hold the 8-byte header length"));
  unsigned char len[8];
  read_exact(f, path, 0, reinterpret_cast<char*>(len), 8, "the header length");
  for (int i = 7; i >= 0; --i) h.n = (h.n << 8) | len[i];
  // (2) sane header length, (3) it fits in the file
  if (h.n > kMaxHeaderSize)
    fail(path, detail::cat_str("header length ", h.n, " is larger than the limit of ", kMaxHeaderSize,
                               " bytes (not a safetensors file?)"));
  if (8 + h.n > file_size)
    fail(path, detail::cat_str("header length ", h.n, " runs past the end of the file (", file_size,
                               " bytes): the file is truncated or not a safetensors file"));
  // (4) the header JSON
  std::string text(h.n, '\0');
  read_exact(f, path, 8, text.data(), h.n, "the header");
  json j = parse_json(path, text);
  if (!j.is_object()) fail(path, "header is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == kMetadataKey) {
      if (it->is_null()) continue;
      if (!it->is_object()) fail(path, "__metadata__ is not an object of strings");
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          fail(path, "__metadata__ value of \"" + m.key() + "\" is not a string: " + excerpt(*m));
        h.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    h.entries.push_back(parse_entry(path, it.key(), *it));
  }
  // (5) offsets tile the buffer: sorted by (begin, end), each starting where the previous ended
  std::sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (size_t i = 0; i < h.entries.size(); ++i) {
    const Entry& e = h.entries[i];
    std::string where = "tensor '" + e.name + "': data_offsets " + offsets_str(e);
    if (e.end < e.begin) fail(path, where + " end before they begin");
    if (e.begin > expected)
      fail(path, detail::cat_str(where, " leave a gap of ", e.begin - expected, " bytes after ",
                                 i ? "tensor '" + h.entries[i - 1].name + "'" : "the buffer start",
                                 " (expected the tensor to begin at ", expected, ")"));
    if (e.begin < expected)
      fail(path, detail::cat_str(where, " overlap ", i ? "tensor '" + h.entries[i - 1].name + "' " : "",
                                 "(expected the tensor to begin at ", expected, ")"));
    expected = e.end;
  }
  // (6) byte sizes match shape x dtype
  // The product of the sizes (zeros counted as 1: a tensor's strides are such products) must fit
  // in an int64 too, or an empty tensor of shape [0, 2^62, 2^62] overflows its strides.
  for (const Entry& e : h.entries) {
    uint64_t bytes = element_size(e.dtype);
    int64_t span = static_cast<int64_t>(bytes);
    for (int64_t s : e.shape)
      if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(s), &bytes) ||
          __builtin_mul_overflow(span, std::max<int64_t>(s, 1), &span))
        fail(path, "tensor '" + e.name + "': shape " + shape_list(e.shape) + " overflows the size computation");
    if (bytes != e.end - e.begin)
      fail(path, detail::cat_str("tensor '", e.name, "': shape ", shape_list(e.shape), " of ", info_of(e.dtype).name,
                                 " needs ", bytes, " bytes but data_offsets ", offsets_str(e), " hold ",
                                 e.end - e.begin, " (size mismatch)"));
  }
  // (7) the buffer ends exactly at the end of the file
  uint64_t available = file_size - 8 - h.n;
  if (expected > available)
    fail(path, detail::cat_str("file is truncated: the tensors need a ", expected, "-byte data buffer but only ",
                               available, " bytes follow the header"));
  if (expected < available)
    fail(path, detail::cat_str("file has ", available - expected, " trailing bytes after the last tensor (",
                               "data buffer is ", expected, " bytes, ", available, " follow the header)"));
  return h;
}

// ---- writing -----------------------------------------------------------------------------

// The tensor's elements in row-major order as bytes (copies only when not contiguous).
std::vector<char> gather_bytes(const Tensor& t) {
  const size_t es = t.element_size();
  std::vector<char> out(t.nbytes());
  const int64_t n = t.numel();
  if (n == 0) return out;
  const char* base = static_cast<const char*>(t.raw_data());
  const Shape& sizes = t.sizes();
  const Shape& strides = t.strides();
  const int64_t nd = t.dim();
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0;  // element offset of idx
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(out.data() + i * es, base + off * static_cast<int64_t>(es), es);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[d] < sizes[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (sizes[d] - 1);
      idx[d] = 0;
    }
  }
  return out;
}

std::string quoted(const std::string& path, const std::string& s, const char* what) {
  try {
    return json(s).dump(-1, ' ', false, json::error_handler_t::strict);
  } catch (const json::exception&) {
    fail(path, std::string("cannot save: ") + what + " is not valid UTF-8");
  }
}

class TempFile {
 public:
  TempFile(const std::string& target) : target_(target) {
    static std::atomic<uint64_t> counter{0};
    tmp_ = target + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ < 0) fail(target, "cannot create " + tmp_ + ": " + std::strerror(errno));
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  void write(const char* p, size_t n) {
    while (n > 0) {
      ssize_t w = ::write(fd_, p, std::min<size_t>(n, size_t(1) << 30));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail(target_, "write to " + tmp_ + " failed: " + std::strerror(errno));
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void commit() {
    if (::fsync(fd_) != 0) fail(target_, "fsync of " + tmp_ + " failed: " + std::strerror(errno));
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(target_, "close of " + tmp_ + " failed: " + std::strerror(errno));
    if (::rename(tmp_.c_str(), target_.c_str()) != 0)
      fail(target_, "cannot rename " + tmp_ + " over it: " + std::strerror(errno));
    committed_ = true;
    // Make the rename itself durable (best effort).
    std::string dir = std::filesystem::path(target_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  }

 private:
  std::string target_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

SafetensorsFile load_safetensors(const std::string& path) {
  const uint64_t size = file_size_of(path);
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  Header h = read_header(f, path, size);
  SafetensorsFile out;
  out.metadata = std::move(h.metadata);
  const uint64_t base = 8 + h.n;
  for (const Entry& e : h.entries) {
    Tensor t = make_empty(e.shape, e.dtype);
    const uint64_t n = e.end - e.begin;
    if (n > 0) read_exact(f, path, base + e.begin, static_cast<char*>(t.raw_data()), n, ("tensor '" + e.name + "'").c_str());
    if (e.dtype == kBool) {  // any non-zero byte is true; keep bools canonical (0/1)
      auto* p = static_cast<unsigned char*>(t.raw_data());
      for (uint64_t i = 0; i < n; ++i) p[i] = p[i] != 0;
    }
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

std::map<std::string, std::string> load_safetensors_metadata(const std::string& path) {
  const uint64_t size = file_size_of(path);
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  return read_header(f, path, size).metadata;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // Order like the reference writer: dtype rank descending (8-byte types first), then name.
  std::vector<std::pair<std::string, Tensor>> order;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey) fail(path, "cannot save: \"__metadata__\" is reserved and cannot name a tensor");
    if (!t.defined()) fail(path, "cannot save: tensor '" + name + "' is undefined");
    if (!t.device().is_cpu()) fail(path, "cannot save: tensor '" + name + "' is not on the CPU");
    order.emplace_back(name, t);
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return info_of(a.second.dtype()).rank > info_of(b.second.dtype()).rank;  // names already sorted
  });

  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : metadata) {
      header += (first ? "" : ",") + quoted(path, k, "a metadata key") + ":" + quoted(path, v, "a metadata value");
      first = false;
    }
    header += "}";
  }
  uint64_t offset = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    const Tensor& t = order[i].second;
    uint64_t end = offset + t.nbytes();
    std::string shape = "[";
    for (int64_t d = 0; d < t.dim(); ++d) shape += (d ? "," : "") + std::to_string(t.size(d));
    shape += "]";
    if (header.size() > 1) header += ",";
    header += quoted(path, order[i].first, "a tensor name") + ":{\"dtype\":\"" + info_of(t.dtype()).name +
              "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(end) + "]}";
    offset = end;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');

  TempFile out(path);
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>((uint64_t(header.size()) >> (8 * i)) & 0xff);
  out.write(reinterpret_cast<const char*>(len), 8);
  out.write(header.data(), header.size());
  for (const auto& [name, t] : order) {
    if (t.numel() == 0) continue;
    if (t.is_contiguous()) {
      out.write(static_cast<const char*>(t.raw_data()), t.nbytes());
    } else {
      std::vector<char> bytes = gather_bytes(t);
      out.write(bytes.data(), bytes.size());
    }
  }
  out.commit();
}

}  // namespace ember::io

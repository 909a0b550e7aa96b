// File helpers for the datasets and dataset tools (src/data/file_util.h).
#include "data/file_util.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "ember/core/error.h"
#include "io/atomic_file.h"

namespace ember::data::detail {

std::vector<uint8_t> read_file(const std::string& path, const char* what, bool* was_gzip) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  EMBER_CHECK(f, what, ": cannot open ", path, ": ", std::strerror(errno));
  std::vector<uint8_t> raw;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) raw.insert(raw.end(), buf, buf + n);
  const bool failed = std::ferror(f);
  std::fclose(f);
  EMBER_CHECK(!failed, what, ": error reading ", path);
  const bool gz = raw.size() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
  if (was_gzip) *was_gzip = gz;
  if (!gz) return raw;

  // Every gzip member in turn, as gzip and Python's gzip module read concatenated files; zero
  // padding may follow the last member, anything else is an error (it was silently ignored).
  std::vector<uint8_t> out;
  size_t produced = 0;
  z_stream zs{};
  EMBER_CHECK(inflateInit2(&zs, 15 + 16) == Z_OK, what, ": ", path, ": zlib initialisation failed");
  const uint8_t* const end = raw.data() + raw.size();
  zs.next_in = raw.data();
  auto fail = [&](const std::string& msg) {
    inflateEnd(&zs);
    EMBER_THROW(what, ": ", path, ": ", msg);
  };
  for (;;) {
    if (zs.avail_in == 0)  // zlib counts in 32 bits: feed at most 1 GiB at a time
      zs.avail_in = static_cast<uInt>(std::min<size_t>(static_cast<size_t>(end - zs.next_in), size_t(1) << 30));
    if (produced == out.size()) out.resize(out.size() + std::max<size_t>(raw.size() * 2, 1 << 20));
    const size_t room = std::min<size_t>(out.size() - produced, size_t(1) << 30);
    zs.next_out = out.data() + produced;
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    const size_t at = static_cast<size_t>(zs.next_in - raw.data());
    if (rc == Z_STREAM_END) {
      const uint8_t* rest = zs.next_in;
      while (rest < end && *rest == 0) ++rest;
      if (rest == end) break;
      if (end - zs.next_in < 2 || zs.next_in[0] != 0x1f || zs.next_in[1] != 0x8b)
        fail(ember::detail::cat_str(end - zs.next_in, " bytes after the end of the gzip data, from byte ", at,
                     " (neither padding nor another gzip member)"));
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.next_in == end)
      fail(ember::detail::cat_str("truncated gzip data (the compressed stream ends at byte ", at, " before its end marker)"));
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      fail(ember::detail::cat_str("corrupt gzip data near compressed byte ", at, ": ", zs.msg ? zs.msg : "error " + std::to_string(rc)));
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

std::vector<std::string> read_lines(const std::string& path, const char* what) {
  std::vector<uint8_t> bytes = read_file(path, what);
  std::vector<std::string> lines;
  std::string cur;
  for (uint8_t c : bytes) {
    if (c == '\n') {
      if (!cur.empty() && cur.back() == '\r') cur.pop_back();
      lines.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(c));
    }
  }
  if (!cur.empty()) {
    if (cur.back() == '\r') cur.pop_back();
    lines.push_back(std::move(cur));
  }
  return lines;
}

std::vector<std::string> split_tokens(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream is(line);
  std::string tok;
  while (is >> tok) out.push_back(tok);
  return out;
}

void make_dirs(const std::string& path, const char* what) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  EMBER_CHECK(!ec, what, ": cannot create directory ", path, ": ", ec.message());
}

void write_file_atomically(const std::string& path, const void* data, size_t n, const char* what) {
  io::detail::write_file_atomic(path, data, n, what);
}

}  // namespace ember::data::detail

// Printing tensors exactly as PyTorch 1.13 does (torch/_tensor_str.py): precision 4,
// threshold 1000 elements, edgeitems 3, linewidth 80, automatic scientific notation.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/record.h"
#include "backend/cpu/dispatch.h"
#include "ember/autograd/node.h"
#include "ember/tensor/tensor.h"

namespace ember {

namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000;
constexpr int64_t kEdgeItems = 3;
constexpr int64_t kLineWidth = 80;

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do { ++e; man <<= 1; } while (!(man & 0x400u));
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | (man & 0x3ffu) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float bfloat16_to_float(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Reads elements of any dtype by storage offset (relative to the tensor's first element).
struct Reader {
  const char* base;
  DType dt;
  double as_double(int64_t off) const {
    const char* p = base + off * static_cast<int64_t>(element_size(dt));
    switch (dt) {
      case DType::Float16: { uint16_t h; std::memcpy(&h, p, 2); return half_to_float(h); }
      case DType::BFloat16: { uint16_t h; std::memcpy(&h, p, 2); return bfloat16_to_float(h); }
      default:
        return cpu::dispatch_all(dt, "print", [&](auto tag) {
          using T = decltype(tag);
          T v;
          std::memcpy(&v, p, sizeof(T));
          return static_cast<double>(v);
        });
    }
  }
  int64_t as_int(int64_t off) const {
    const char* p = base + off * static_cast<int64_t>(element_size(dt));
    return cpu::dispatch_all(dt, "print", [&](auto tag) -> int64_t {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        return 0;
      } else {
        T v;
        std::memcpy(&v, p, sizeof(T));
        return static_cast<int64_t>(v);
      }
    });
  }
};

std::string printf_str(const char* fmt, int width, int prec, double v) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, width, prec, v);
  return buf;
}

// Python's '{:.{p}f}'.format(v) / '{:{w}.{p}e}'.format(v): nan and inf spelled as Python does.
std::string nonfinite(double v) { return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"); }
std::string fixed(double v, int prec) {
  if (!std::isfinite(v)) return nonfinite(v);
  return printf_str("%*.*f", 0, prec, v);
}
std::string sci(double v, int width, int prec) {
  std::string s = std::isfinite(v) ? printf_str("%*.*e", width, prec, v) : nonfinite(v);
  if (static_cast<int>(s.size()) < width) s = std::string(width - s.size(), ' ') + s;
  return s;
}

// _Formatter: decides int/fixed/scientific mode and the common width from the shown values.
struct Formatter {
  bool floating = false, is_bool = false;
  bool int_mode = true, sci_mode = false;
  int max_width = 1;

  Formatter(DType dt, const Reader& rd, const std::vector<int64_t>& offsets) {
    floating = is_floating(dt);
    is_bool = dt == kBool;
    if (!floating) {
      for (int64_t off : offsets) max_width = std::max<int>(max_width, static_cast<int>(int_str(rd.as_int(off)).size()));
      return;
    }
    std::vector<double> vals;
    for (int64_t off : offsets) {
      double v = rd.as_double(off);
      if (std::isfinite(v) && v != 0) vals.push_back(v);
    }
    if (vals.empty()) return;
    double mn = std::abs(vals[0]), mx = mn;
    for (double v : vals) {
      mn = std::min(mn, std::abs(v));
      mx = std::max(mx, std::abs(v));
    }
    for (double v : vals)
      if (v != std::ceil(v)) {
        int_mode = false;
        break;
      }
    if (int_mode) {
      if (mx / mn > 1000. || mx > 1.e8) {
        sci_mode = true;
        for (double v : vals) max_width = std::max<int>(max_width, static_cast<int>(sci(v, 0, kPrecision).size()));
      } else {
        for (double v : vals) max_width = std::max<int>(max_width, static_cast<int>(fixed(v, 0).size()) + 1);
      }
    } else {
      if (mx / mn > 1000. || mx > 1.e8 || mn < 1.e-4) {
        sci_mode = true;
        for (double v : vals) max_width = std::max<int>(max_width, static_cast<int>(sci(v, 0, kPrecision).size()));
      } else {
        for (double v : vals) max_width = std::max<int>(max_width, static_cast<int>(fixed(v, kPrecision).size()));
      }
    }
  }

  std::string int_str(int64_t v) const { return is_bool ? (v ? "True" : "False") : std::to_string(v); }

  std::string format(const Reader& rd, int64_t off) const {
    std::string r;
    if (floating) {
      double v = rd.as_double(off);
      if (sci_mode) {
        r = sci(v, max_width, kPrecision);
      } else if (int_mode) {
        r = fixed(v, 0);
        if (std::isfinite(v)) r += '.';
      } else {
        r = fixed(v, kPrecision);
      }
    } else {
      r = int_str(rd.as_int(off));
    }
    if (static_cast<int>(r.size()) < max_width) r = std::string(max_width - r.size(), ' ') + r;
    return r;
  }
};

// The indices of dim `d` that are shown (all, or the first and last edgeitems).
std::vector<int64_t> shown(int64_t n, bool summarize) {
  std::vector<int64_t> r;
  if (summarize && n > 2 * kEdgeItems) {
    for (int64_t i = 0; i < kEdgeItems; ++i) r.push_back(i);
    for (int64_t i = n - kEdgeItems; i < n; ++i) r.push_back(i);
  } else {
    for (int64_t i = 0; i < n; ++i) r.push_back(i);
  }
  return r;
}

// get_summarized_data: offsets of every element that will be printed.
void collect(const Layout& l, int64_t d, int64_t off, bool summarize, std::vector<int64_t>& out) {
  if (d == l.dim()) {
    out.push_back(off);
    return;
  }
  for (int64_t i : shown(l.sizes[d], summarize)) collect(l, d + 1, off + i * l.strides[d], summarize, out);
}

struct Printer {
  const Layout& l;
  const Reader& rd;
  const Formatter& f;
  bool summarize;

  // _vector_str
  std::string vector_str(int64_t d, int64_t off, int64_t indent) const {
    const int64_t n = l.sizes[d], st = l.strides[d];
    const int64_t element_length = f.max_width + 2;
    const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / element_length);
    std::vector<std::string> data;
    if (summarize && n > 2 * kEdgeItems) {
      for (int64_t i = 0; i < kEdgeItems; ++i) data.push_back(f.format(rd, off + i * st));
      data.push_back(" ...");
      for (int64_t i = n - kEdgeItems; i < n; ++i) data.push_back(f.format(rd, off + i * st));
    } else {
      for (int64_t i = 0; i < n; ++i) data.push_back(f.format(rd, off + i * st));
    }
    std::string s = "[";
    for (size_t i = 0; i < data.size(); ++i) {
      if (i > 0 && static_cast<int64_t>(i) % per_line == 0) {
        s += ",\n";
        s.append(indent + 1, ' ');
      } else if (i > 0) {
        s += ", ";
      }
      s += data[i];
    }
    return s + "]";
  }

  // _tensor_str_with_formatter
  std::string tensor_str(int64_t d, int64_t off, int64_t indent) const {
    const int64_t dims_left = l.dim() - d;
    if (dims_left == 0) return f.format(rd, off);
    if (dims_left == 1) return vector_str(d, off, indent);
    const int64_t n = l.sizes[d], st = l.strides[d];
    std::vector<std::string> slices;
    if (summarize && n > 2 * kEdgeItems) {
      for (int64_t i = 0; i < kEdgeItems; ++i) slices.push_back(tensor_str(d + 1, off + i * st, indent + 1));
      slices.push_back("...");
      for (int64_t i = n - kEdgeItems; i < n; ++i) slices.push_back(tensor_str(d + 1, off + i * st, indent + 1));
    } else {
      for (int64_t i = 0; i < n; ++i) slices.push_back(tensor_str(d + 1, off + i * st, indent + 1));
    }
    std::string sep = ",";
    sep.append(dims_left - 1, '\n');
    sep.append(indent + 1, ' ');
    std::string s = "[";
    for (size_t i = 0; i < slices.size(); ++i) {
      if (i) s += sep;
      s += slices[i];
    }
    return s + "]";
  }
};

// _add_suffixes
std::string add_suffixes(const std::string& tensor_str, const std::vector<std::string>& suffixes, int64_t indent) {
  std::string r = tensor_str;
  size_t nl = tensor_str.rfind('\n');
  int64_t last_line_len = static_cast<int64_t>(tensor_str.size()) -
                          (nl == std::string::npos ? -1 : static_cast<int64_t>(nl)) + 1;
  for (auto& suffix : suffixes) {
    int64_t len = static_cast<int64_t>(suffix.size());
    if (last_line_len + len + 2 > kLineWidth) {
      r += ",\n";
      r.append(indent, ' ');
      r += suffix;
      last_line_len = indent + len;
    } else {
      r += ", ";
      r += suffix;
      last_line_len += len + 2;
    }
  }
  return r + ")";
}

std::string shape_tuple(const Shape& s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  if (s.size() == 1) r += ",";
  return r + ")";
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "[ Tensor (undefined) ]";
  const std::string prefix = "tensor(";
  const int64_t indent = static_cast<int64_t>(prefix.size());
  const DType dt = t.dtype();
  const bool default_dtype = dt == kFloat32 || dt == kInt64 || dt == kBool;
  std::vector<std::string> suffixes;
  std::string body;
  if (t.numel() == 0) {
    if (t.dim() != 1) suffixes.push_back("size=" + shape_tuple(t.sizes()));
    if (dt != kFloat32) suffixes.push_back(std::string("dtype=torch.") + dtype_name(dt));
    body = "[]";
  } else {
    if (!default_dtype) suffixes.push_back(std::string("dtype=torch.") + dtype_name(dt));
    const Layout& l = t.layout();
    Reader rd{static_cast<const char*>(t.raw_data()), dt};
    const bool summarize = t.numel() > kThreshold;
    std::vector<int64_t> offsets;
    collect(l, 0, 0, summarize, offsets);
    Formatter f(dt, rd, offsets);
    body = Printer{l, rd, f, summarize}.tensor_str(0, 0, indent);
  }
  if (auto fn = t.grad_fn()) suffixes.push_back(std::string("grad_fn=<").append(fn->name()).append(">"));
  else if (t.requires_grad()) suffixes.push_back("requires_grad=True");
  return add_suffixes(prefix + body, suffixes, indent);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace ember

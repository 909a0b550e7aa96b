// Copy with broadcasting and dtype conversion; fill.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "tensor/make.h"

namespace ember::cpu {

Shape broadcast_strides(const Tensor& t, const Shape& shape) {
  const Shape& s = t.sizes();
  const Shape& st = t.strides();
  Shape r(shape.size(), 0);
  size_t lead = shape.size() - s.size();
  for (size_t i = 0; i < s.size(); ++i) r[lead + i] = s[i] == 1 ? 0 : st[i];
  return r;
}

template <class To, class From>
static To convert_value(From v) {
  if constexpr (std::is_same_v<To, bool>) return v != From(0);
  else return static_cast<To>(v);
}

void copy_(Tensor& dst, const Tensor& src) {
  EMBER_CHECK(src.dim() <= dst.dim() && broadcast_shapes(dst.sizes(), src.sizes(), "copy_") == dst.sizes(),
              "copy_: source shape ",
              shape_str(src.sizes()), " cannot be broadcast to destination shape ", shape_str(dst.sizes()));
  if (dst.numel() == 0) return;
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous() && dst.numel() == src.numel()) {
    if (dst.raw_data() != src.raw_data()) {
      char* d = static_cast<char*>(dst.raw_data());
      const char* s = static_cast<const char*>(src.raw_data());
      int64_t nb = static_cast<int64_t>(dst.nbytes());
      parallel_for(nb, 1 << 20, [&](int64_t b, int64_t e) { std::memcpy(d + b, s + b, e - b); });
    }
    return;
  }
  dispatch_all(dst.dtype(), "copy_", [&](auto dtag) {
    using D = decltype(dtag);
    dispatch_all(src.dtype(), "copy_", [&](auto stag) {
      using S = decltype(stag);
      map<D, S>(dst, [](S v) { return convert_value<D>(v); }, src);
    });
  });
}

namespace {
// v as a T, or PyTorch's error when it does not fit (NaN or out of range for an integer type, a
// finite value beyond the range of a floating type). bool takes any value.
template <class T>
T checked_value(Scalar v, DType dtype) {
  if constexpr (!std::is_same_v<T, bool>) {
    bool fits = true;
    if constexpr (std::is_floating_point_v<T>) {
      const double d = v.to_double();
      fits = !std::isfinite(d) || std::fabs(d) <= static_cast<double>(std::numeric_limits<T>::max());
    } else if (v.is_floating()) {
      const double d = v.to_double();  // the bounds are exact in double: min is -2^k, max + 1 is 2^k
      fits = d >= static_cast<double>(std::numeric_limits<T>::min()) &&
             d < static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
    } else if (!v.is_bool()) {
      const int64_t i = v.to_int();
      fits = i >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
             (std::is_same_v<T, int64_t> || i <= static_cast<int64_t>(std::numeric_limits<T>::max()));
    }
    EMBER_CHECK(fits, "fill_: value ", v.is_floating() ? std::to_string(v.to_double()) : std::to_string(v.to_int()),
                " cannot be converted to type ", dtype_name(dtype), " without overflow");
  }
  return v.to<T>();
}
}  // namespace

void fill_(Tensor& dst, Scalar v) {
  dispatch_all(dst.dtype(), "fill_", [&](auto tag) {
    using T = decltype(tag);
    const T value = checked_value<T>(v, dst.dtype());
    if (dst.is_contiguous()) {
      T* p = static_cast<T*>(dst.raw_data());
      parallel_for(dst.numel(), kGrainSize, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) p[i] = value;
      });
    } else {
      map<T>(dst, [value]() { return value; });
    }
  });
}

Tensor convert(const Tensor& x, DType d) {
  if (x.dtype() == d) return x;
  Tensor out = make_empty(x.sizes(), d, x.device());
  copy_(out, x);
  return out;
}

Tensor contiguous(const Tensor& x) {
  if (x.is_contiguous()) return x;
  Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
  copy_(out, x);
  return out;
}

}  // namespace ember::cpu

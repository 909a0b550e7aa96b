// Copy with broadcasting and dtype conversion; fill.
#include <cstring>

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

void fill_(Tensor& dst, Scalar v) {
  dispatch_all(dst.dtype(), "fill_", [&](auto tag) {
    using T = decltype(tag);
    T value = v.to<T>();
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

// Factories that are not random: empty, zeros, ones, full, ranges, eye, from user data.
#include "ember/tensor/factory.h"

#include <cmath>
#include <cstring>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "tensor/make.h"

namespace ember {

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad_) t.requires_grad_(true);
  return t;
}
TensorOptions like(const Tensor& t, const std::optional<TensorOptions>& o) {
  if (!o) return TensorOptions(t.dtype()).device(t.device());
  TensorOptions r = *o;
  if (!r.has_dtype_) r = r.dtype(t.dtype());
  return r;
}
}  // namespace

Tensor empty(const Shape& shape, TensorOptions o) { return finish(make_empty(shape, o.dtype_, o.device_), o); }

Tensor full(const Shape& shape, Scalar value, TensorOptions o) {
  if (!o.has_dtype_) o = o.dtype(value.dtype());
  Tensor t = make_empty(shape, o.dtype_, o.device_);
  cpu::fill_(t, value);
  return finish(t, o);
}

Tensor zeros(const Shape& shape, TensorOptions o) {
  Tensor t = make_empty(shape, o.dtype_, o.device_);
  if (t.nbytes()) std::memset(t.raw_data(), 0, t.nbytes());
  return finish(t, o);
}

Tensor ones(const Shape& shape, TensorOptions o) { return full(shape, 1, o.dtype(o.dtype_)); }

Tensor scalar_tensor(Scalar value, TensorOptions o) { return full({}, value, o); }

Tensor arange(Scalar end, TensorOptions o) { return arange(0, end, 1, o); }

Tensor arange(Scalar start, Scalar end, Scalar step, TensorOptions o) {
  bool floating = start.is_floating() || end.is_floating() || step.is_floating();
  if (!o.has_dtype_) o = o.dtype(floating ? kFloat32 : kInt64);
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(st != 0, "arange: step must be nonzero");
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange: upper bound and larger bound inconsistent with step sign (start ",
              s, ", end ", e, ", step ", st, ")");
  int64_t n = static_cast<int64_t>(std::ceil((e - s) / st));
  Tensor t = make_empty({n}, o.dtype_, o.device_);
  cpu::dispatch_numeric(o.dtype_, "arange", [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    if (floating || std::is_floating_point_v<T>)
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(s + st * static_cast<double>(i));
    else
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start.to_int() + step.to_int() * i);
  });
  return finish(t, o);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions o) {
  EMBER_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  Tensor t = make_empty({steps}, o.dtype_, o.device_);
  cpu::dispatch_numeric(o.dtype_, "linspace", [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
    // like PyTorch: fill from both ends so the last value is exactly `end`
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i)
      p[i] = static_cast<T>(i < half ? start + step * static_cast<double>(i)
                                     : end - step * static_cast<double>(steps - 1 - i));
  });
  return finish(t, o);
}

Tensor eye(int64_t n, int64_t m, TensorOptions o) {
  if (m < 0) m = n;
  EMBER_CHECK(n >= 0, "eye: n must be non-negative, got ", n);
  Tensor t = zeros({n, m}, o.dtype(o.dtype_).requires_grad(false));
  cpu::dispatch_all(o.dtype_, "eye", [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = T(1);
  });
  return finish(t, o);
}

Tensor empty_like(const Tensor& t, std::optional<TensorOptions> o) { return empty(t.sizes(), like(t, o)); }
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> o) { return zeros(t.sizes(), like(t, o)); }
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> o) { return ones(t.sizes(), like(t, o)); }
Tensor full_like(const Tensor& t, Scalar v, std::optional<TensorOptions> o) { return full(t.sizes(), v, like(t, o)); }
Tensor rand_like(const Tensor& t, std::optional<TensorOptions> o) { return rand(t.sizes(), like(t, o)); }
Tensor randn_like(const Tensor& t, std::optional<TensorOptions> o) { return randn(t.sizes(), like(t, o)); }

namespace {
template <class T>
Tensor from_values(const T* data, size_t n, const Shape& shape_in, TensorOptions o, DType src_dtype) {
  Shape shape = shape_in.empty() ? Shape{static_cast<int64_t>(n)} : shape_in;
  EMBER_CHECK(shape_numel(shape) == static_cast<int64_t>(n), "tensor: ", n, " values do not fill shape ",
              shape_str(shape), " (", shape_numel(shape), " elements)");
  Tensor src = make_empty(shape, src_dtype);
  if (n) std::memcpy(src.raw_data(), data, n * sizeof(T));
  return finish(cpu::convert(src, o.dtype_), o);
}
}  // namespace

Tensor tensor(const std::vector<float>& d, const Shape& s, TensorOptions o) { return from_values(d.data(), d.size(), s, o, kFloat32); }
Tensor tensor(const std::vector<double>& d, const Shape& s, TensorOptions o) { return from_values(d.data(), d.size(), s, o, kFloat64); }
Tensor tensor(const std::vector<int64_t>& d, const Shape& s, TensorOptions o) { return from_values(d.data(), d.size(), s, o, kInt64); }
Tensor tensor(const std::vector<int32_t>& d, const Shape& s, TensorOptions o) { return from_values(d.data(), d.size(), s, o, kInt32); }
Tensor tensor(const std::vector<uint8_t>& d, const Shape& s, TensorOptions o) { return from_values(d.data(), d.size(), s, o, kUInt8); }
Tensor tensor(const std::vector<bool>& d, const Shape& s, TensorOptions o) {
  std::vector<uint8_t> b(d.begin(), d.end());
  return from_values(b.data(), b.size(), s, o, kBool);
}
Tensor tensor(std::initializer_list<float> d, const Shape& s, TensorOptions o) { return tensor(std::vector<float>(d), s, o); }
Tensor tensor(std::initializer_list<double> d, const Shape& s, TensorOptions o) { return tensor(std::vector<double>(d), s, o); }
Tensor tensor(std::initializer_list<int> d, const Shape& s, TensorOptions o) {
  return tensor(std::vector<int64_t>(d.begin(), d.end()), s, o);
}

Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter) {
  return from_blob(data, shape, contiguous_strides(shape), dtype, std::move(deleter));
}

Tensor from_blob(void* data, const Shape& shape, const Shape& strides, DType dtype, std::function<void(void*)> deleter) {
  EMBER_CHECK(shape.size() == strides.size(), "from_blob: shape ", shape_str(shape), " and strides ", shape_str(strides),
              " differ in length");
  for (int64_t d : shape) EMBER_CHECK(d >= 0, "from_blob: negative dimension in shape ", shape_str(shape));
  for (int64_t s : strides) EMBER_CHECK(s >= 0, "from_blob: negative stride in strides ", shape_str(strides));
  EMBER_CHECK(data != nullptr || shape_numel(shape) == 0, "from_blob: data is null");
  Layout l{shape, strides, 0};
  size_t nbytes = static_cast<size_t>(l.storage_extent()) * element_size(dtype);
  auto storage = std::make_shared<StorageImpl>(data, nbytes, Device(), std::move(deleter));
  return make_tensor(std::move(storage), l, dtype);
}

Tensor from_blob_copy(const void* data, const Shape& shape, DType dtype) {
  Tensor t = make_empty(shape, dtype);
  EMBER_CHECK(data != nullptr || t.nbytes() == 0, "from_blob_copy: data is null");
  if (t.nbytes()) std::memcpy(t.raw_data(), data, t.nbytes());
  return t;
}

}  // namespace ember

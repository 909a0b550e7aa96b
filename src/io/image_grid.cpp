// make_grid / save_image (see include/ember/io/image_grid.h), computed in the tensor's own
// floating type so that the pixels match torchvision's bit for bit.
#include "ember/io/image_grid.h"

#include <algorithm>
#include <cmath>

#include "ember/io/image.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

// Round each product before the add that follows, as NumPy and PyTorch do (no fused
// multiply-add): bin edges and pixel values must match theirs bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace ember::io {

namespace {

// x:(N,C,H,W) contiguous values of type T.
template <class T>
struct Batch {
  std::vector<T> v;
  int64_t n, c, h, w;
  T* image(int64_t k) { return v.data() + k * c * h * w; }
};

// torchvision's norm_ip: clamp to [low, high], then (x - low) / max(high - low, 1e-5), in T.
template <class T>
void normalize_range(T* p, int64_t count, const ValueRange& range) {
  // low and high are Python floats (doubles); torch applies them to the T tensor as T.
  double lo, hi;
  if (range) {
    lo = range->first;
    hi = range->second;
  } else {
    auto [mn, mx] = std::minmax_element(p, p + count);
    lo = static_cast<double>(*mn);
    hi = static_cast<double>(*mx);
  }
  const T low = static_cast<T>(lo), high = static_cast<T>(hi);
  const T denom = static_cast<T>(std::max(hi - lo, 1e-5));
  for (int64_t i = 0; i < count; ++i) {
    T x = std::min(std::max(p[i], low), high);
    p[i] = (x - low) / denom;
  }
}

template <class T>
Tensor grid_of(Batch<T> b, int64_t nrow, int64_t padding, bool normalize, const ValueRange& range, bool scale_each,
               double pad_value, DType out_dtype) {
  const int64_t per_image = b.c * b.h * b.w;
  if (normalize) {
    if (scale_each)
      for (int64_t k = 0; k < b.n; ++k) normalize_range(b.image(k), per_image, range);
    else
      normalize_range(b.v.data(), b.n * per_image, range);
  }
  if (b.n == 1)  // torchvision returns a single image as is: no padding
    return from_blob_copy(b.v.data(), {b.c, b.h, b.w}, dtype_of_v<T>).to(out_dtype);

  const int64_t xmaps = std::min(nrow, b.n);
  const int64_t ymaps = (b.n + xmaps - 1) / xmaps;
  const int64_t cell_h = b.h + padding, cell_w = b.w + padding;
  const int64_t H = cell_h * ymaps + padding, W = cell_w * xmaps + padding;
  std::vector<T> g(static_cast<size_t>(b.c * H * W), static_cast<T>(pad_value));
  for (int64_t k = 0; k < b.n; ++k) {
    const int64_t y0 = (k / xmaps) * cell_h + padding, x0 = (k % xmaps) * cell_w + padding;
    const T* src = b.image(k);
    for (int64_t ch = 0; ch < b.c; ++ch)
      for (int64_t i = 0; i < b.h; ++i)
        std::copy_n(src + (ch * b.h + i) * b.w, b.w, g.data() + (ch * H + y0 + i) * W + x0);
  }
  return from_blob_copy(g.data(), {b.c, H, W}, dtype_of_v<T>).to(out_dtype);
}

// (N,C,H,W) from (N,C,H,W), (C,H,W) or (H,W); one channel becomes three.
Tensor as_batch(const Tensor& t) {
  EMBER_CHECK(t.defined(), "make_grid: the tensor is undefined");
  EMBER_CHECK(t.dim() >= 2 && t.dim() <= 4, "make_grid: expected (N,C,H,W), (C,H,W) or (H,W), got ",
              shape_str(t.sizes()));
  EMBER_CHECK(t.numel() > 0, "make_grid: the tensor ", shape_str(t.sizes()), " is empty");
  Tensor x = t.detach();
  if (x.dim() == 2) x = x.unsqueeze(0);
  if (x.dim() == 3) x = x.unsqueeze(0);
  if (x.size(1) == 1) x = x.expand({x.size(0), 3, x.size(2), x.size(3)});
  return x;
}

template <class T>
Batch<T> batch_of(const Tensor& x) {
  Tensor c = x.to(dtype_of_v<T>).contiguous();
  const T* p = c.data_ptr<T>();
  return Batch<T>{std::vector<T>(p, p + c.numel()), c.size(0), c.size(1), c.size(2), c.size(3)};
}

}  // namespace

Tensor make_grid(const Tensor& tensor, int64_t nrow, int64_t padding, bool normalize, const ValueRange& value_range,
                 bool scale_each, double pad_value) {
  EMBER_CHECK(nrow >= 1, "make_grid: nrow must be at least 1, got ", nrow);
  EMBER_CHECK(padding >= 0, "make_grid: padding must be non-negative, got ", padding);
  EMBER_CHECK(!value_range || value_range->first <= value_range->second, "make_grid: value_range (",
              value_range ? value_range->first : 0, ", ", value_range ? value_range->second : 0,
              ") has min > max");
  Tensor x = as_batch(tensor);
  const DType dt = tensor.dtype();
  switch (dt) {
    case kFloat64:
      return grid_of(batch_of<double>(x), nrow, padding, normalize, value_range, scale_each, pad_value, dt);
    case kFloat32:
      return grid_of(batch_of<float>(x), nrow, padding, normalize, value_range, scale_each, pad_value, dt);
    case kUInt8:
      EMBER_CHECK(!normalize, "make_grid: normalize needs a floating-point tensor, got uint8");
      return grid_of(batch_of<float>(x), nrow, padding, false, value_range, scale_each, pad_value, dt);
    default:
      EMBER_THROW("make_grid: expected a float32, float64 or uint8 tensor, got ", dtype_name(dt));
  }
}

Tensor make_grid(const std::vector<Tensor>& images, int64_t nrow, int64_t padding, bool normalize,
                 const ValueRange& value_range, bool scale_each, double pad_value) {
  EMBER_CHECK(!images.empty(), "make_grid: the list of images is empty");
  for (size_t i = 1; i < images.size(); ++i)
    EMBER_CHECK(images[i].defined() && images[0].defined() && images[i].sizes() == images[0].sizes(),
                "make_grid: image ", i, " has shape ", images[i].defined() ? shape_str(images[i].sizes()) : "undefined",
                " but image 0 has ", images[0].defined() ? shape_str(images[0].sizes()) : "undefined");
  std::vector<Tensor> detached;
  for (auto& t : images) detached.push_back(t.detach());
  return make_grid(stack(detached, 0), nrow, padding, normalize, value_range, scale_each, pad_value);
}

Tensor grid_to_hwc_uint8(const Tensor& grid) {
  EMBER_CHECK(grid.defined() && grid.dim() == 3, "save_image: expected a (C,H,W) grid, got ",
              grid.defined() ? shape_str(grid.sizes()) : std::string("an undefined tensor"));
  EMBER_CHECK(grid.is_floating_point(), "save_image: expected a floating-point tensor (values in [0,1]), got ",
              dtype_name(grid.dtype()));
  const int64_t c = grid.size(0), h = grid.size(1), w = grid.size(2);
  EMBER_CHECK(c == 1 || c == 3 || c == 4, "save_image: a PNG needs 1, 3 or 4 channels, got ", c);
  Tensor out = empty({h, w, c}, kUInt8);
  uint8_t* o = out.data_ptr<uint8_t>();
  auto convert = [&](auto* p) {
    using T = std::remove_const_t<std::remove_pointer_t<decltype(p)>>;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < h * w; ++i) {
        T v = p[ch * h * w + i] * static_cast<T>(255) + static_cast<T>(0.5);  // mul(255).add_(0.5) in T
        v = std::isnan(v) ? T(0) : std::min(std::max(v, T(0)), T(255));
        o[i * c + ch] = static_cast<uint8_t>(v);
      }
  };
  if (grid.dtype() == kFloat64) {
    Tensor g = grid.detach().contiguous();
    convert(g.data_ptr<double>());
  } else {
    Tensor g = grid.detach().to(kFloat32).contiguous();
    convert(g.data_ptr<float>());
  }
  return out;
}

void save_image(const Tensor& tensor, const std::string& path, int64_t nrow, int64_t padding, bool normalize,
                const ValueRange& value_range, bool scale_each, double pad_value) {
  EMBER_CHECK(tensor.defined() && tensor.is_floating_point(), "save_image('", path,
              "'): expected a floating-point tensor with values in [0,1], got ",
              tensor.defined() ? dtype_name(tensor.dtype()) : "an undefined tensor");
  write_png(path, grid_to_hwc_uint8(make_grid(tensor, nrow, padding, normalize, value_range, scale_each, pad_value)));
}

void save_image(const std::vector<Tensor>& images, const std::string& path, int64_t nrow, int64_t padding,
                bool normalize, const ValueRange& value_range, bool scale_each, double pad_value) {
  EMBER_CHECK(!images.empty() && images[0].defined() && images[0].is_floating_point(), "save_image('", path,
              "'): expected floating-point images with values in [0,1]");
  write_png(path, grid_to_hwc_uint8(make_grid(images, nrow, padding, normalize, value_range, scale_each, pad_value)));
}

}  // namespace ember::io

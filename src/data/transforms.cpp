// Image transforms (include/ember/data/transforms.h). Kernels loop over contiguous
// (planes, H, W) data; resizing is separable (columns, then rows) with float weights computed
// as torch's upsample_bilinear2d (align_corners=False) and its antialiased variant (PIL's).
#include "ember/data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ember/data/worker.h"
#include "ember/tensor/factory.h"

namespace ember::data::transforms {

namespace {

int64_t planes_of(const Tensor& x, const char* op) {
  EMBER_CHECK(x.defined() && x.dim() >= 2, op, ": expects an image tensor (..., H, W), got ",
              x.defined() ? shape_str(x.shape()) : "undefined");
  return x.numel() / (x.size(-2) * x.size(-1));
}

Shape with_hw(const Tensor& x, int64_t h, int64_t w) {
  Shape s = x.shape();
  s[s.size() - 2] = h;
  s[s.size() - 1] = w;
  return s;
}

// Per output index: the first input index and the normalised weights of the inputs it mixes.
struct AxisWeights {
  std::vector<int64_t> start;
  std::vector<int64_t> count;
  std::vector<float> weights;  // count[i] weights at offset i * stride
  int64_t stride = 0;
};

AxisWeights axis_weights(int64_t in, int64_t out, bool antialias) {
  AxisWeights a;
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  a.start.resize(static_cast<size_t>(out));
  a.count.resize(static_cast<size_t>(out));
  if (antialias) {
    const double support = scale >= 1.0 ? scale : 1.0;
    const double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
    a.stride = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
    a.weights.assign(static_cast<size_t>(out * a.stride), 0.f);
    for (int64_t i = 0; i < out; ++i) {
      const double center = scale * (static_cast<double>(i) + 0.5);
      const int64_t xmin = std::max<int64_t>(static_cast<int64_t>(center - support + 0.5), 0);
      const int64_t xsize = std::min<int64_t>(static_cast<int64_t>(center + support + 0.5), in) - xmin;
      double total = 0;
      float* w = a.weights.data() + i * a.stride;
      for (int64_t j = 0; j < xsize; ++j) {
        double d = std::abs((static_cast<double>(j + xmin) - center + 0.5) * invscale);
        w[j] = static_cast<float>(d < 1.0 ? 1.0 - d : 0.0);
        total += w[j];
      }
      for (int64_t j = 0; j < xsize && total != 0; ++j) w[j] = static_cast<float>(w[j] / total);
      a.start[static_cast<size_t>(i)] = xmin;
      a.count[static_cast<size_t>(i)] = xsize;
    }
    return a;
  }
  a.stride = 2;
  a.weights.assign(static_cast<size_t>(out * 2), 0.f);
  for (int64_t i = 0; i < out; ++i) {
    double src = std::max(0.0, scale * (static_cast<double>(i) + 0.5) - 0.5);
    int64_t i0 = std::min<int64_t>(static_cast<int64_t>(src), in - 1);
    int64_t i1 = std::min<int64_t>(i0 + 1, in - 1);
    float l1 = static_cast<float>(src - static_cast<double>(i0));
    a.start[static_cast<size_t>(i)] = i0;
    a.count[static_cast<size_t>(i)] = i1 > i0 ? 2 : 1;
    a.weights[static_cast<size_t>(i * 2)] = i1 > i0 ? 1.f - l1 : 1.f;
    a.weights[static_cast<size_t>(i * 2 + 1)] = i1 > i0 ? l1 : 0.f;
  }
  return a;
}

// out[p, y, x] = sum_j w_x[j] in[p, y, start_x + j] (a pass along the last dim), then along H.
template <class T>
void resize_planes(const T* in, T* out, int64_t planes, int64_t H, int64_t W, int64_t h, int64_t w, bool antialias) {
  const AxisWeights ax = axis_weights(W, w, antialias), ay = axis_weights(H, h, antialias);
  std::vector<float> tmp(static_cast<size_t>(H * w));
  for (int64_t p = 0; p < planes; ++p) {
    const T* src = in + p * H * W;
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < w; ++x) {
        const float* wt = ax.weights.data() + x * ax.stride;
        const T* row = src + y * W + ax.start[static_cast<size_t>(x)];
        float acc = 0;
        for (int64_t j = 0; j < ax.count[static_cast<size_t>(x)]; ++j) acc += wt[j] * static_cast<float>(row[j]);
        tmp[static_cast<size_t>(y * w + x)] = acc;
      }
    T* dst = out + p * h * w;
    for (int64_t y = 0; y < h; ++y) {
      const float* wt = ay.weights.data() + y * ay.stride;
      const int64_t y0 = ay.start[static_cast<size_t>(y)], n = ay.count[static_cast<size_t>(y)];
      for (int64_t x = 0; x < w; ++x) {
        float acc = 0;
        for (int64_t j = 0; j < n; ++j) acc += wt[j] * tmp[static_cast<size_t>((y0 + j) * w + x)];
        if constexpr (std::is_same_v<T, uint8_t>)
          dst[y * w + x] = static_cast<uint8_t>(std::clamp(std::nearbyint(acc), 0.f, 255.f));
        else
          dst[y * w + x] = static_cast<T>(acc);
      }
    }
  }
}

// Reverses each row of `planes * H` rows of W elements of `Word` size.
template <class Word>
void reverse_rows(const void* in, void* out, int64_t rows, int64_t W) {
  const auto* s = static_cast<const Word*>(in);
  auto* d = static_cast<Word*>(out);
  for (int64_t r = 0; r < rows; ++r) std::reverse_copy(s + r * W, s + (r + 1) * W, d + r * W);
}

}  // namespace

// ---- helpers ------------------------------------------------------------------------------

Tensor hflip(const Tensor& x) {
  planes_of(x, "hflip");
  Tensor c = x.contiguous();
  Tensor out = empty(c.shape(), c.dtype());
  const int64_t W = c.size(-1), rows = c.numel() / std::max<int64_t>(W, 1);
  switch (c.element_size()) {
    case 1: reverse_rows<uint8_t>(c.raw_data(), out.raw_data(), rows, W); break;
    case 2: reverse_rows<uint16_t>(c.raw_data(), out.raw_data(), rows, W); break;
    case 4: reverse_rows<uint32_t>(c.raw_data(), out.raw_data(), rows, W); break;
    default: reverse_rows<uint64_t>(c.raw_data(), out.raw_data(), rows, W); break;
  }
  return out;
}

Tensor crop(const Tensor& x, int64_t top, int64_t left, int64_t h, int64_t w, double fill) {
  planes_of(x, "crop");
  EMBER_CHECK(h > 0 && w > 0, "crop: size must be positive, got (", h, ", ", w, ")");
  const int64_t H = x.size(-2), W = x.size(-1);
  if (top >= 0 && left >= 0 && top + h <= H && left + w <= W)
    return x.narrow(-2, top, h).narrow(-1, left, w).contiguous();
  Tensor out = full(with_hw(x, h, w), fill, x.dtype());
  const int64_t y0 = std::max<int64_t>(top, 0), y1 = std::min(top + h, H);
  const int64_t x0 = std::max<int64_t>(left, 0), x1 = std::min(left + w, W);
  if (y1 > y0 && x1 > x0)
    out.narrow(-2, y0 - top, y1 - y0).narrow(-1, x0 - left, x1 - x0).copy_(x.narrow(-2, y0, y1 - y0).narrow(-1, x0, x1 - x0));
  return out;
}

Tensor resize(const Tensor& x, int64_t h, int64_t w, bool antialias) {
  const int64_t planes = planes_of(x, "Resize");
  EMBER_CHECK(h > 0 && w > 0, "Resize: size must be positive, got (", h, ", ", w, ")");
  const int64_t H = x.size(-2), W = x.size(-1);
  EMBER_CHECK(H > 0 && W > 0, "Resize: empty image ", shape_str(x.shape()));
  Tensor c = x.contiguous();
  Tensor out = empty(with_hw(x, h, w), x.dtype());
  switch (x.dtype()) {
    case kUInt8: resize_planes(c.data_ptr<uint8_t>(), out.data_ptr<uint8_t>(), planes, H, W, h, w, antialias); break;
    case kFloat32: resize_planes(c.data_ptr<float>(), out.data_ptr<float>(), planes, H, W, h, w, antialias); break;
    case kFloat64: resize_planes(c.data_ptr<double>(), out.data_ptr<double>(), planes, H, W, h, w, antialias); break;
    default: EMBER_THROW("Resize: expects uint8, float32 or float64 images, got ", dtype_name(x.dtype()));
  }
  return out;
}

// ---- transforms ---------------------------------------------------------------------------

Compose::Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {
  for (size_t i = 0; i < transforms_.size(); ++i) EMBER_CHECK(transforms_[i], "Compose: transform ", i, " is empty");
}

Tensor Compose::operator()(const Tensor& x) const {
  Tensor y = x;
  for (const auto& t : transforms_) y = t(y);
  return y;
}

Tensor ToTensor::operator()(const Tensor& img) const {
  EMBER_CHECK(img.defined() && (img.dim() == 2 || img.dim() == 3), "ToTensor: expects an (H,W,C) or (H,W) image, got ",
              img.defined() ? shape_str(img.shape()) : "undefined");
  Tensor hwc = img.dim() == 2 ? img.unsqueeze(2) : img;
  if (img.dtype() != kUInt8) {
    EMBER_CHECK(img.is_floating_point(), "ToTensor: expects a uint8 or floating image, got ", dtype_name(img.dtype()));
    return hwc.permute({2, 0, 1}).contiguous();
  }
  Tensor c = hwc.contiguous();
  const int64_t H = c.size(0), W = c.size(1), C = c.size(2);
  Tensor out = empty({C, H, W}, kFloat32);
  const uint8_t* s = c.data_ptr<uint8_t>();
  float* d = out.data_ptr<float>();
  for (int64_t i = 0; i < H * W; ++i)
    for (int64_t k = 0; k < C; ++k) d[k * H * W + i] = static_cast<float>(s[i * C + k]) / 255.f;
  return out;
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  EMBER_CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize: mean and std need the same, non-zero length (got ",
              mean_.size(), " and ", std_.size(), ")");
  for (size_t i = 0; i < std_.size(); ++i)
    EMBER_CHECK(std_[i] != 0, "Normalize: std evaluated to zero at channel ", i, ", leading to division by zero");
}

Tensor Normalize::operator()(const Tensor& x) const {
  EMBER_CHECK(x.defined() && x.dim() >= 3 && x.is_floating_point(),
              "Normalize: expects a floating (..., C, H, W) tensor, got ",
              x.defined() ? shape_str(x.shape()) + " " + dtype_name(x.dtype()) : "undefined");
  const int64_t C = x.size(-3), plane = x.size(-2) * x.size(-1);
  EMBER_CHECK(mean_.size() == 1 || static_cast<int64_t>(mean_.size()) == C, "Normalize: ", mean_.size(),
              " means for an image with ", C, " channels ", shape_str(x.shape()));
  Tensor c = x.contiguous();
  Tensor out = empty(c.shape(), c.dtype());
  const int64_t n = c.numel() / std::max<int64_t>(plane, 1);
  auto run = [&](auto* s, auto* d) {
    for (int64_t p = 0; p < n; ++p) {
      size_t ch = mean_.size() == 1 ? 0 : static_cast<size_t>(p % C);
      const double m = mean_[ch], inv = 1.0 / std_[ch];
      for (int64_t i = 0; i < plane; ++i) d[p * plane + i] = static_cast<std::remove_reference_t<decltype(*d)>>((s[p * plane + i] - m) * inv);
    }
  };
  if (c.dtype() == kFloat32)
    run(c.data_ptr<float>(), out.data_ptr<float>());
  else
    run(c.data_ptr<double>(), out.data_ptr<double>());
  return out;
}

Resize::Resize(std::vector<int64_t> size, bool antialias) : antialias_(antialias) {
  EMBER_CHECK(size.size() == 1 || size.size() == 2, "Resize: size must be {s} or {h, w}, got ", size.size(), " values");
  h_ = size[0];
  w_ = size.back();
  keep_ratio_ = size.size() == 1;
  EMBER_CHECK(h_ > 0 && w_ > 0, "Resize: size must be positive, got (", h_, ", ", w_, ")");
}

Tensor Resize::operator()(const Tensor& x) const {
  planes_of(x, "Resize");
  int64_t h = h_, w = w_;
  if (keep_ratio_) {  // torchvision: the short side becomes `size`, the long one int(size * long / short)
    const int64_t H = x.size(-2), W = x.size(-1);
    if (H <= W)
      w = static_cast<int64_t>(static_cast<double>(h_) * static_cast<double>(W) / static_cast<double>(H));
    else
      h = static_cast<int64_t>(static_cast<double>(w_) * static_cast<double>(H) / static_cast<double>(W));
    if ((H <= W && H == h_) || (W <= H && W == w_)) return x;
  }
  return resize(x, h, w, antialias_);
}

CenterCrop::CenterCrop(int64_t height, int64_t width) : h_(height), w_(width) {
  EMBER_CHECK(height > 0 && width > 0, "CenterCrop: size must be positive, got (", height, ", ", width, ")");
}

Tensor CenterCrop::operator()(const Tensor& x) const {
  planes_of(x, "CenterCrop");
  // torchvision: top = int(round((H - h) / 2)), Python's round-half-to-even.
  const auto top = static_cast<int64_t>(std::nearbyint(static_cast<double>(x.size(-2) - h_) / 2.0));
  const auto left = static_cast<int64_t>(std::nearbyint(static_cast<double>(x.size(-1) - w_) / 2.0));
  return crop(x, top, left, h_, w_);
}

RandomCrop::RandomCrop(int64_t height, int64_t width, int64_t padding, bool pad_if_needed, double fill)
    : h_(height), w_(width), padding_(padding), pad_if_needed_(pad_if_needed), fill_(fill) {
  EMBER_CHECK(height > 0 && width > 0, "RandomCrop: size must be positive, got (", height, ", ", width, ")");
  EMBER_CHECK(padding >= 0, "RandomCrop: padding must be non-negative, got ", padding);
}

Tensor RandomCrop::operator()(const Tensor& x) const {
  planes_of(x, "RandomCrop");
  // Padded extent: `padding` on every side, then (pad_if_needed) the shortfall on both sides.
  int64_t pad_y = padding_, pad_x = padding_;
  int64_t H = x.size(-2) + 2 * padding_, W = x.size(-1) + 2 * padding_;
  if (pad_if_needed_ && H < h_) {
    pad_y += h_ - H;
    H += 2 * (h_ - H);
  }
  if (pad_if_needed_ && W < w_) {
    pad_x += w_ - W;
    W += 2 * (w_ - W);
  }
  EMBER_CHECK(H >= h_ && W >= w_, "RandomCrop: crop size (", h_, ", ", w_, ") is larger than the padded image (", H,
              ", ", W, ") of ", shape_str(x.shape()), "; use pad_if_needed");
  Generator& g = sample_generator();
  const int64_t top = random_int(g, H - h_ + 1), left = random_int(g, W - w_ + 1);
  return crop(x, top - pad_y, left - pad_x, h_, w_, fill_);
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  EMBER_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}

Tensor RandomHorizontalFlip::operator()(const Tensor& x) const {
  return random_uniform(sample_generator()) < p_ ? hflip(x) : x;
}

Lambda::Lambda(Transform fn) : fn_(std::move(fn)) { EMBER_CHECK(fn_, "Lambda: empty function"); }

}  // namespace ember::data::transforms

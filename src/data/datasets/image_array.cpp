// ImageArrayDataset (include/ember/data/datasets/image_array.h).
#include "ember/data/datasets/image_array.h"

#include "ember/tensor/factory.h"

namespace ember::data {

ImageArrayDataset::ImageArrayDataset(Tensor images, Tensor labels, Options options) {
  init(std::move(images), std::move(labels), std::move(options));
}

void ImageArrayDataset::init(Tensor images, Tensor labels, Options options) {
  EMBER_CHECK(images.defined() && images.dim() == 4 && images.dtype() == kUInt8,
              "ImageArrayDataset: images must be uint8 (N,C,H,W), got ",
              images.defined() ? shape_str(images.shape()) + " " + dtype_name(images.dtype()) : "undefined");
  EMBER_CHECK(labels.defined() && labels.dim() == 1 && labels.size(0) == images.size(0),
              "ImageArrayDataset: labels must be (N) with N = ", images.size(0), ", got ",
              labels.defined() ? shape_str(labels.shape()) : "undefined");
  const int64_t C = images.size(1);
  EMBER_CHECK(!options.mean.empty() && options.mean.size() == options.std.size() &&
                  (options.mean.size() == 1 || static_cast<int64_t>(options.mean.size()) == C),
              "ImageArrayDataset: mean and std need 1 or ", C, " values each, got ", options.mean.size(), " and ",
              options.std.size());
  images_ = images.contiguous();
  targets_ = labels.to(kInt64).contiguous();
  options_ = std::move(options);
  scale_.resize(static_cast<size_t>(C));
  shift_.resize(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const size_t k = options_.mean.size() == 1 ? 0 : static_cast<size_t>(c);
    EMBER_CHECK(options_.std[k] != 0, "ImageArrayDataset: std is zero for channel ", c);
    // (v / 255 - mean) / std = v * scale + shift
    scale_[static_cast<size_t>(c)] = static_cast<float>(1.0 / (255.0 * options_.std[k]));
    shift_[static_cast<size_t>(c)] = static_cast<float>(-options_.mean[k] / options_.std[k]);
  }
}

void ImageArrayDataset::fill(int64_t index, float* out) const {
  EMBER_CHECK(index >= 0 && index < size(), "ImageArrayDataset: index ", index, " is out of range for size ", size());
  const int64_t C = images_.size(1), plane = images_.size(2) * images_.size(3);
  const uint8_t* src = images_.data_ptr<uint8_t>() + index * C * plane;
  for (int64_t c = 0; c < C; ++c) {  // vectorised: widen, convert, one fused multiply-add
    const float a = scale_[static_cast<size_t>(c)], b = shift_[static_cast<size_t>(c)];
    const uint8_t* s = src + c * plane;
    float* o = out + c * plane;
    for (int64_t i = 0; i < plane; ++i) o[i] = static_cast<float>(s[i]) * a + b;
  }
}

Example ImageArrayDataset::get(int64_t index) const {
  Tensor x = empty({images_.size(1), images_.size(2), images_.size(3)});
  fill(index, x.data_ptr<float>());
  if (options_.transform) x = options_.transform(x);
  return {x, targets_.select(0, index).clone()};
}

bool ImageArrayDataset::get_batch(const std::vector<int64_t>& indices, Example& batch) const {
  if (options_.transform) return false;
  const int64_t per = images_.size(1) * images_.size(2) * images_.size(3);
  const auto n = static_cast<int64_t>(indices.size());
  EMBER_CHECK(batch.data.dtype() == kFloat32 && batch.data.numel() == n * per && batch.target.defined() &&
                  batch.target.dtype() == kInt64 && batch.target.numel() == n,
              "ImageArrayDataset: batch buffers ", shape_str(batch.data.shape()), " / ",
              batch.target.defined() ? shape_str(batch.target.shape()) : "undefined", " do not fit ", n, " samples");
  float* d = batch.data.data_ptr<float>();
  int64_t* t = batch.target.data_ptr<int64_t>();
  const int64_t* labels = targets_.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    fill(indices[static_cast<size_t>(i)], d + i * per);
    t[i] = labels[indices[static_cast<size_t>(i)]];
  }
  return true;
}

}  // namespace ember::data

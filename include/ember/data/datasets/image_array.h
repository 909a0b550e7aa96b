#pragma once
// Images held in memory as uint8 (N,C,H,W) with int64 labels, served as float32 (C,H,W):
// x / 255, normalised per channel with (mean, std), then an optional transform. Holding uint8
// costs a quarter of the float size; batches without a transform are gathered straight into
// the loader's float buffers (uint8 -> float and the affine normalisation in one vectorised pass).
#include <string>
#include <vector>

#include "ember/data/dataset.h"
#include "ember/data/transforms.h"

namespace ember::data {

class ImageArrayDataset : public Dataset<Example> {
 public:
  struct Options {
    std::vector<double> mean{0.0};  // one value, or one per channel
    std::vector<double> std{1.0};
    transforms::Transform transform = nullptr;  // applied to the normalised (C,H,W) float tensor
  };
  // images: uint8 (N,C,H,W); labels: int64 (N).
  ImageArrayDataset(Tensor images, Tensor labels, Options options);
  int64_t size() const override { return images_.size(0); }
  Example get(int64_t index) const override;
  bool get_batch(const std::vector<int64_t>& indices, Example& batch) const override;

  const Tensor& images() const { return images_; }    // uint8 (N,C,H,W)
  const Tensor& targets() const { return targets_; }  // int64 (N)
  const Options& options() const { return options_; }

 protected:
  ImageArrayDataset() = default;
  void init(Tensor images, Tensor labels, Options options);

 private:
  void fill(int64_t index, float* out) const;
  Tensor images_, targets_;
  Options options_;
  std::vector<float> scale_, shift_;  // per channel: x = v * scale + shift
};

}  // namespace ember::data

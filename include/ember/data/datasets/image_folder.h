#pragma once
// Datasets of image files (JPEG or PNG) decoded on every get(), in the loader's workers.
//   ImageFolder: root/<class>/**/<file>, classes in sorted order (torchvision.datasets.ImageFolder).
//   ImageFileDataset: the base, over any list of (path, label).
// A sample's data is transform(image) where image is the decoded uint8 (H,W,C) tensor with
// `channels` channels; the default transform is ToTensor (float (C,H,W) in [0,1]).
#include <string>
#include <utility>
#include <vector>

#include "ember/data/dataset.h"
#include "ember/data/transforms.h"

namespace ember::data {

struct ImageFileOptions {
  transforms::Transform transform = transforms::ToTensor();
  // 3: RGB (grey replicated, alpha dropped, as PIL's convert('RGB')), 1: grey (ITU-R 601 luma),
  // 0: as stored.
  int channels = 3;
  std::vector<std::string> extensions = {".jpg", ".jpeg", ".png"};  // compared case-insensitively
};

class ImageFileDataset : public Dataset<Example> {
 public:
  ImageFileDataset(std::vector<std::pair<std::string, int64_t>> samples, ImageFileOptions options = {});
  int64_t size() const override { return static_cast<int64_t>(samples_.size()); }
  Example get(int64_t index) const override;
  // (path, label) per sample.
  const std::vector<std::pair<std::string, int64_t>>& samples() const { return samples_; }
  // The decoded image of sample `index` before the transform: uint8 (H,W,channels).
  Tensor load(int64_t index) const;

 protected:
  ImageFileDataset() = default;
  std::vector<std::pair<std::string, int64_t>> samples_;
  ImageFileOptions options_;
};

class ImageFolder : public ImageFileDataset {
 public:
  explicit ImageFolder(const std::string& root, ImageFileOptions options = {});
  const std::vector<std::string>& classes() const { return classes_; }

 private:
  std::vector<std::string> classes_;
};

// uint8 (H,W,C) with C in 1..4 -> `channels` channels (see ImageFileOptions).
Tensor convert_channels(const Tensor& hwc, int channels);
// Whether `path` ends with one of `extensions` (case-insensitive).
bool has_extension(const std::string& path, const std::vector<std::string>& extensions);

}  // namespace ember::data

#pragma once
// MNIST and Fashion-MNIST from their IDX files, gzipped or not (Debian's dataset-fashion-mnist
// installs them in /usr/share/datasets/fashion-mnist):
//   train-images-idx3-ubyte[.gz] train-labels-idx1-ubyte[.gz]    60,000 images
//   t10k-images-idx3-ubyte[.gz]  t10k-labels-idx1-ubyte[.gz]     10,000 images
// Samples are float32 (1,28,28) in [0,1], normalised with Options' mean and std, and an int64
// label. Hold-out validation: train_val_split(dataset, 0.1).
#include <string>
#include <vector>

#include "ember/data/datasets/image_array.h"

namespace ember::data {

// Reads an IDX file (gzip-compressed or not, told by its first bytes) into a tensor of its
// element type: uint8 -> uint8, int8/int16/int32 -> int32, float32, float64. Bad magic,
// truncation, trailing bytes and gzip errors throw naming the file and the byte.
Tensor read_idx(const std::string& path);

class MNIST : public ImageArrayDataset {
 public:
  enum Split { Train, Test };
  // Fashion-MNIST's training-set statistics (the values ember's toolkit normalises with).
  static constexpr double kFashionMean = 0.2860, kFashionStd = 0.3530;
  static const std::vector<std::string>& fashion_classes();  // "T-shirt/top", "Trouser", ...

  MNIST(const std::string& root, Split split = Train, Options options = {});
  // The file holding `name` (e.g. "train-images-idx3-ubyte") in root: the name or name.gz.
  static std::string find_file(const std::string& root, const std::string& name);
};

// A deterministic hold-out split: a seeded permutation puts round(n * val_fraction) samples
// in the validation Subset and the rest in the training one (each in increasing index order).
std::pair<std::shared_ptr<Subset<Example>>, std::shared_ptr<Subset<Example>>> train_val_split(
    std::shared_ptr<const Dataset<Example>> dataset, double val_fraction = 0.1, uint64_t seed = 230);

}  // namespace ember::data

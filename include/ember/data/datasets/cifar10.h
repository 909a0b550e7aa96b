#pragma once
// CIFAR-10 binary batches: root (or root/cifar-10-batches-bin) holds data_batch_1.bin ..
// data_batch_5.bin (train) and test_batch.bin (test), each a run of 3073-byte records (label,
// then 1024 red, 1024 green, 1024 blue bytes, rows top to bottom), and batches.meta.txt with
// the class names. Samples are float32 (3,32,32) in [0,1], normalised with Options' mean and
// std, and an int64 label.
#include <string>
#include <vector>

#include "ember/data/datasets/image_array.h"

namespace ember::data {

class CIFAR10 : public ImageArrayDataset {
 public:
  enum Split { Train, Test };
  CIFAR10(const std::string& root, Split split = Train, Options options = {});
  const std::vector<std::string>& classes() const { return classes_; }

 private:
  std::vector<std::string> classes_;
};

}  // namespace ember::data

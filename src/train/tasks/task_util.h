#pragma once
// Internal: what the built-in tasks share — the first-N subset of a split, and reading image
// files for `ember predict`.
#include <memory>
#include <string>
#include <vector>

#include "ember/train/task.h"

namespace ember::train::detail {

// The first `max_samples` samples of `dataset` (all of them when 0 or more than it holds).
std::shared_ptr<const ExampleDataset> first_samples(std::shared_ptr<const ExampleDataset> dataset, int64_t max_samples);

// An image file as float32 (C,H,W) in [0,1] with `channels` channels (1: luminance as PIL's
// convert("L"); 3: grey replicated, alpha dropped) resized to (height, width).
Tensor read_image_chw(const std::string& path, int64_t channels, int64_t height, int64_t width);

// "Trouser 0.9731, Pullover 0.0120" for the top_k of one row of probabilities (N=1 or (C)).
std::string top_k_text(const Tensor& probs, int top_k, const std::vector<std::string>& class_names);

// Checks that data_dir is a directory ("data_dir DIR: no such directory").
void check_data_dir(const std::string& data_dir);

}  // namespace ember::train::detail

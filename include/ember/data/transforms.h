#pragma once
// Image transforms (torchvision.transforms on tensors). A transform is any callable
// Tensor -> Tensor; Compose chains them. Geometric transforms work on the last two dims
// (..., H, W), so apply ToTensor first to a decoded (H,W,C) uint8 image.
//
//   auto t = transforms::Compose({transforms::ToTensor(), transforms::RandomCrop(28, 4),
//                                 transforms::RandomHorizontalFlip(), transforms::Normalize({0.286}, {0.353})});
//
// Random transforms draw from data::sample_generator(): seeded per batch inside a DataLoader
// or Pipeline, ember's default generator elsewhere.
#include <cstdint>
#include <functional>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::data::transforms {

using Transform = std::function<Tensor(const Tensor&)>;

// Applies the transforms in order.
class Compose {
 public:
  Compose(std::vector<Transform> transforms);
  Tensor operator()(const Tensor& x) const;

 private:
  std::vector<Transform> transforms_;
};

// uint8 (H,W,C) or (H,W) -> float32 (C,H,W) scaled to [0,1]. A floating (H,W,C) input is only
// permuted (as torchvision does for float arrays).
struct ToTensor {
  Tensor operator()(const Tensor& img) const;
};

// (x - mean[c]) / std[c] per channel of a float (..., C, H, W) tensor; one value applies to all.
class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor operator()(const Tensor& x) const;

 private:
  std::vector<double> mean_, std_;
};

// Bilinear resize of (..., H, W), as torchvision's Resize: size {h, w} gives exactly that;
// size {s} (or one integer) brings the smaller edge to s, keeping the aspect ratio.
// antialias (the default, as PIL and torchvision >= 0.17) widens the filter when shrinking;
// without it this is interpolate(mode='bilinear', align_corners=False). uint8 input is resized
// in float and rounded.
class Resize {
 public:
  explicit Resize(int64_t size) : Resize(std::vector<int64_t>{size}) {}
  explicit Resize(std::vector<int64_t> size, bool antialias = true);
  Tensor operator()(const Tensor& x) const;

 private:
  int64_t h_, w_;
  bool keep_ratio_, antialias_;
};

// The central (h, w) patch (the image is zero-padded first if smaller).
class CenterCrop {
 public:
  explicit CenterCrop(int64_t size) : CenterCrop(size, size) {}
  CenterCrop(int64_t height, int64_t width);
  Tensor operator()(const Tensor& x) const;

 private:
  int64_t h_, w_;
};

// A random (h, w) patch after padding every border by `padding` pixels of value `fill`;
// pad_if_needed pads an image smaller than the patch.
class RandomCrop {
 public:
  explicit RandomCrop(int64_t size, int64_t padding = 0, bool pad_if_needed = false, double fill = 0)
      : RandomCrop(size, size, padding, pad_if_needed, fill) {}
  RandomCrop(int64_t height, int64_t width, int64_t padding, bool pad_if_needed = false, double fill = 0);
  Tensor operator()(const Tensor& x) const;

 private:
  int64_t h_, w_, padding_;
  bool pad_if_needed_;
  double fill_;
};

// Mirrors the last dim with probability p.
class RandomHorizontalFlip {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor operator()(const Tensor& x) const;

 private:
  double p_;
};

// A user function as a transform.
class Lambda {
 public:
  explicit Lambda(Transform fn);
  Tensor operator()(const Tensor& x) const { return fn_(x); }

 private:
  Transform fn_;
};

// Helpers the transforms are made of, on (..., H, W):
Tensor hflip(const Tensor& x);
// Rows [top, top+h) and columns [left, left+w); parts outside the image are `fill`.
Tensor crop(const Tensor& x, int64_t top, int64_t left, int64_t h, int64_t w, double fill = 0);
Tensor resize(const Tensor& x, int64_t h, int64_t w, bool antialias = true);

}  // namespace ember::data::transforms

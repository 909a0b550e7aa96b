#pragma once
// nn.LayerNorm and nn.GroupNorm (weight ones, bias zeros when affine).
#include "ember/nn/module.h"

namespace ember::nn {

// Normalises over the trailing dims normalized_shape. weight/bias: normalized_shape.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  Shape normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor weight, bias;
};

// x:(N,C,*): the C channels in num_groups groups, each normalised per sample. weight/bias:(C).
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t num_groups, num_channels;
  double eps;
  bool affine;
  Tensor weight, bias;
};

}  // namespace ember::nn

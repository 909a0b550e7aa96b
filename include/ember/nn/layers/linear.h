#pragma once
// nn.Linear and nn.Identity, nn.Flatten, nn.Unflatten.
#include "ember/nn/module.h"

namespace ember::nn {

// y = x W^T + b. weight:(out_features, in_features), bias:(out_features).
// Initialised like PyTorch: kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;  // x:(*, in) -> (*, out)
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t in_features, out_features;
  Tensor weight, bias;
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, Shape sizes);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
  Shape sizes;
};

}  // namespace ember::nn

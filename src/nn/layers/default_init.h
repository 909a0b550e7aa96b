#pragma once
// Internal: PyTorch's reset_parameters for Linear and the convolutions.
#include <cmath>

#include "ember/nn/init.h"

namespace ember::nn::detail {

// weight: kaiming_uniform(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)); bias (if defined): U(+-1/sqrt(fan_in)).
inline void reset_weight_and_bias(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  init::uniform_(bias, -bound, bound);
}

}  // namespace ember::nn::detail

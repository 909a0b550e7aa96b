#pragma once
// torch.nn.functional: the stateless forms of the layers.
#include <optional>

#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// x:(*, in) weight:(out, in) bias:(out) -> (*, out)
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
// Zeroes elements with probability p and scales the rest by 1/(1-p) when training.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// Zeroes whole channels (dim 1) of x:(N,C,*) with probability p when training.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);

}  // namespace ember::nn::functional

#pragma once
// torch.nn.functional dropout: dropout and dropout2d. Active only when `training`;
// the masks draw from the default generator (reproducible after manual_seed).
#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// Zeroes each element with probability p and scales the rest by 1/(1-p) when training;
// returns x itself otherwise. p must lie in [0, 1].
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);
// Zeroes whole channels (dim 1) of x:(N,C,H,W) or (N,C,L) with probability p and scales the
// rest by 1/(1-p) when training; returns x itself otherwise. (A 3-D input is read as (N,C,L),
// as PyTorch 1.13 does.)
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);

}  // namespace ember::nn::functional

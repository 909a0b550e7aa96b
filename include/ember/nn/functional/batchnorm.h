#pragma once
// torch.nn.functional.batch_norm for x:(N,C), (N,C,L) or (N,C,H,W) (any (N,C,*)).
#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// training: normalise with the batch statistics and, when running_mean/running_var are
// defined, update them in place: running = (1-momentum)*running + momentum*batch_stat
// (the variance unbiased, n/(n-1)). Not training: normalise with the running statistics.
// weight/bias:(C) or undefined (no affine transform).
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

}  // namespace ember::nn::functional

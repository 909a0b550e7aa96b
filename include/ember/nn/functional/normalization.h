#pragma once
// torch.nn.functional layer_norm and group_norm (batch_norm is in batchnorm.h).
// Both normalise with the biased variance: y = (x - mean) / sqrt(var + eps) * weight + bias.
// Double backward through them is not supported (a clear ember::Error says so).
#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// Normalises over the trailing dims `normalized_shape`. x:(*, normalized_shape),
// weight/bias: normalized_shape or undefined.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// Splits the channels of x:(N,C,*) into num_groups groups and normalises each (sample, group)
// over its channels and spatial positions. weight/bias:(C) or undefined.
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                  double eps = 1e-5);

}  // namespace ember::nn::functional

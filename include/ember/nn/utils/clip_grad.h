#pragma once
// Gradient clipping, as torch.nn.utils: call between backward() and the optimizer's step().
//   double norm = nn::utils::clip_grad_norm_(model->parameters(), 1.0);
#include <limits>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::nn::utils {

// Scales the gradients of `params` in place so that their joint norm (as if concatenated into
// one vector) is at most max_norm: g *= min(1, max_norm / (total_norm + 1e-6)). norm_type is p
// > 0 or infinity (max |g|). Parameters without a gradient are skipped. Returns the total norm
// before clipping (0 when no parameter has a gradient). error_if_nonfinite: throw ember::Error
// when the total norm is NaN or infinite instead of scaling by it.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
double clip_grad_norm_(const Tensor& param, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient of `params` in place to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);
void clip_grad_value_(const Tensor& param, double clip_value);

constexpr double kInfNorm = std::numeric_limits<double>::infinity();

}  // namespace ember::nn::utils

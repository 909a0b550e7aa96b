#pragma once
// Internal helpers shared by the loss files.
#include "ember/nn/functional/loss.h"

namespace ember::nn::functional::loss_detail {

// l reduced by `r` ("batchmean" is kl_div's own and raises here). op names the loss in errors.
Tensor reduce(const Tensor& l, Reduction r, const char* op);
// t is defined and floating-point.
void check_floating(const char* op, const Tensor& t, const char* what);
// Both floating-point, of the same shape.
void check_pair(const char* op, const Tensor& input, const Tensor& target);

}  // namespace ember::nn::functional::loss_detail

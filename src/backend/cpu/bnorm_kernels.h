#pragma once
// Internal: batch normalisation kernels (no autograd). float32 on oneDNN, other floating
// dtypes (float64) on reference loops. All tensors contiguous, one dtype:
//   x, y, gy, gx:(N,C,S)   weight, bias, gw, gb, mean, var:(C) (weight/bias may be undefined)
// `var` is the biased variance. use_stats=false (training): mean/var are computed into the
// given tensors; use_stats=true (eval): they are read.
#include "ember/tensor/tensor.h"

namespace ember::cpu {

void batch_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean, Tensor& var,
                        double eps, bool use_stats);
// gx always; gw must be defined exactly when weight is, gb exactly when the forward had a bias.
void batch_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& var,
                         double eps, bool use_stats, Tensor& gx, Tensor& gw, Tensor& gb);

// The reference loops (any floating dtype).
void batch_norm_forward_ref(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean,
                            Tensor& var, double eps, bool use_stats);
void batch_norm_backward_ref(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean,
                             const Tensor& var, double eps, bool use_stats, Tensor& gx, Tensor& gw, Tensor& gb);

}  // namespace ember::cpu

#pragma once
// Internal: batch normalisation kernels (no autograd), any floating dtype. All tensors
// contiguous, one dtype:
//   x, y, gy, gx:(N,C,S)   weight, bias, gw, gb, mean, var:(C) (weight/bias may be undefined)
// `var` is the biased variance. use_stats=false (training): mean/var are computed into the
// given tensors; use_stats=true (eval): they are read.
//
// These are ember's own loops, not oneDNN's: for the plain (N,C,H,W) layout oneDNN 2.6 only
// has a scalar reference implementation (ncsp_bnorm), about 7x slower than these vectorised
// passes over each channel, which stay in L2 after the first (one thread, x:(64,64,14,14):
// forward 1.2 vs 0.18 ms, backward 1.7 vs 0.24 ms); its blocked layouts would cost a reorder
// of x, y, gy and gx per call.
#include "ember/tensor/tensor.h"

namespace ember::cpu {

void batch_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean, Tensor& var,
                        double eps, bool use_stats);
// gx always; gw/gb when defined.
void batch_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& var,
                         double eps, bool use_stats, Tensor& gx, Tensor& gw, Tensor& gb);

}  // namespace ember::cpu

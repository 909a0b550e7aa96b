// Internal: layer and group normalisation kernels (no autograd), any floating dtype,
// accumulating in double. Both are one computation over rows:
//   x:(R,D) contiguous, each row normalised to zero mean and unit (biased) variance, then
//   y[r,d] = xhat[r,d] * weight[c] + bias[c] with the affine channel c = (r % G) * (D / S) + d / S.
// LayerNorm: R = prod(leading dims), D = prod(normalized_shape), G = 1, S = 1 (c = d).
// GroupNorm: x:(N,C,*) seen as (N*G, C/G * S) with S spatial positions per channel (c = channel).
#pragma once
#include <cstdint>

#include "ember/tensor/tensor.h"

namespace ember::cpu {

struct RowNormGeom {
  int64_t R = 0, D = 0, G = 1, S = 1;
  int64_t channels() const { return G * (D / S); }  // the size of weight/bias
};

// mean, rstd:(R) are written (rstd = 1/sqrt(var + eps)). weight/bias may be undefined.
void row_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean,
                      Tensor& rstd, const RowNormGeom& g, double eps);
// gx always; gw/gb when defined (each :(channels)).
void row_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                       const RowNormGeom& g, Tensor& gx, Tensor& gw, Tensor& gb);

}  // namespace ember::cpu

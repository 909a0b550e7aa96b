#pragma once
// Internal: 2-D pooling kernels over contiguous planes (no autograd). x:(P,H,W) where
// P = N*C planes, y:(P,OH,OW). Loops follow PyTorch's CPU kernels exactly (window
// clamping, NaN propagation in max, divisors in avg), accumulating in double.
#include <cstdint>

#include "ember/tensor/tensor.h"

namespace ember::cpu {

struct PoolGeom {
  int64_t P = 0, H = 0, W = 0, OH = 0, OW = 0, KH = 1, KW = 1;
  int64_t stride[2] = {1, 1};
  int64_t pad[2] = {0, 0};
  int64_t dil[2] = {1, 1};
};

// y = max over each window, idx = its flat position ih*W + iw in the plane (int64).
void max_pool2d_forward(const Tensor& x, Tensor& y, Tensor& idx, const PoolGeom& g);
// gx (zeroed here) [idx] += gy
void max_pool2d_backward(const Tensor& gy, const Tensor& idx, Tensor& gx, const PoolGeom& g);
// divisor_override <= 0: none
void avg_pool2d_forward(const Tensor& x, Tensor& y, const PoolGeom& g, bool count_include_pad,
                        int64_t divisor_override);
void avg_pool2d_backward(const Tensor& gy, Tensor& gx, const PoolGeom& g, bool count_include_pad,
                         int64_t divisor_override);
// Adaptive average: bin i spans [floor(i*H/OH), ceil((i+1)*H/OH)).
void adaptive_avg_pool2d_forward(const Tensor& x, Tensor& y, const PoolGeom& g);
void adaptive_avg_pool2d_backward(const Tensor& gy, Tensor& gx, const PoolGeom& g);

}  // namespace ember::cpu

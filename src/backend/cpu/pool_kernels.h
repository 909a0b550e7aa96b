#pragma once
// Internal: 2-D pooling kernels over contiguous planes (no autograd). x:(P,H,W) where
// P = N*C planes, y:(P,OH,OW). The loops (pool_kernels.cpp) follow PyTorch's CPU kernels
// exactly (window clamping, NaN propagation in max, divisors in avg), accumulating in double;
// float32 runs on oneDNN (dnnl_pool.cpp) wherever oneDNN computes the same thing.
#include <cstdint>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::cpu {

struct PoolGeom {
  int64_t N = 0, C = 0;  // P = N*C (oneDNN sees (N,C,H,W))
  int64_t P = 0, H = 0, W = 0, OH = 0, OW = 0, KH = 1, KW = 1;
  int64_t stride[2] = {1, 1};
  int64_t pad[2] = {0, 0};  // top/left; the bottom/right padding is whatever OH, OW need (ceil_mode)
  int64_t dil[2] = {1, 1};
  std::string key() const;  // for primitive caches
};

// ---- oneDNN (float32). Each returns false, doing nothing, where oneDNN cannot reproduce
// PyTorch's result (the caller then runs the loops below). ---------------------------------
// Max pooling. `workspace` (uint8, allocated here when `training`) is what the backward needs.
bool dnnl_max_pool2d_forward(const Tensor& x, Tensor& y, Tensor& workspace, const PoolGeom& g, bool training);
void dnnl_max_pool2d_backward(const Tensor& gy, const Tensor& workspace, Tensor& gx, const PoolGeom& g);
bool dnnl_avg_pool2d_forward(const Tensor& x, Tensor& y, const PoolGeom& g, bool count_include_pad,
                             int64_t divisor_override);
bool dnnl_avg_pool2d_backward(const Tensor& gy, Tensor& gx, const PoolGeom& g, bool count_include_pad,
                              int64_t divisor_override);

// ---- reference loops (any floating dtype) ---------------------------------------------------

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

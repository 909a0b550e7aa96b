#pragma once
// Internal: the CPU matrix-multiply kernel behind mm, bmm, addmm, matmul and F.linear (no autograd).
#include "ember/tensor/tensor.h"

namespace ember::cpu {

// out = a @ b (+ bias), batched over the leading dim when the operands are 3-D:
//   a:(n,k) b:(k,m) bias:(1|n,1|m) -> out:(n,m)
//   a:(B|1,n,k) b:(B|1,k,m) -> out:(B,n,m)   (a batch of 1 broadcasts)
// a, b and bias share out's dtype; a and b may be strided (a transposed view costs no copy);
// out is a new contiguous tensor. float32 runs on a cached oneDNN matmul primitive; other
// dtypes (float64 for finite differences, integers) on plain loops. `bias` (2-D only, each dim
// 1 or out's) may be undefined.
void matmul(const Tensor& a, const Tensor& b, const Tensor& bias, Tensor& out);

// Number of float32 matmuls that ran on oneDNN (tests check the fast path is taken).
int64_t dnnl_matmul_calls();

}  // namespace ember::cpu

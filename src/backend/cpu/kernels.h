#pragma once
// Internal: CPU kernels shared by many ops (no autograd here).
#include "ember/tensor/tensor.h"

namespace ember::cpu {

// dst[...] = src broadcast to dst's shape, converted to dst's dtype. dst may be strided.
void copy_(Tensor& dst, const Tensor& src);
// dst[...] = v converted to dst's dtype.
void fill_(Tensor& dst, Scalar v);
// `x` if it already has dtype `d`, else a converted contiguous copy.
Tensor convert(const Tensor& x, DType d);
// `x` if contiguous, else a contiguous copy.
Tensor contiguous(const Tensor& x);

enum class BinaryOp { Add, Sub, Mul, Div };
// out = a (op) b with broadcasting. a, b and out share dtype `out.dtype()`;
// `alpha` scales b for Add/Sub. out may alias a (in-place).
void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out, Scalar alpha = 1);

// out = sum of x over `dims` (sorted, unique), out shaped as x with those dims set to 1 (keepdim).
// Floating sums accumulate in double.
void sum_dims(const Tensor& x, const std::vector<int64_t>& dims, Tensor& out);

}  // namespace ember::cpu

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
// out = a (op) b for a number b (converted to out's dtype); a has out's dtype. out may alias a.
void binary_scalar(BinaryOp op, const Tensor& a, Scalar b, Tensor& out);

// x as a contiguous (rows, cols) matrix: the kept dims first, the dims in `dims` (sorted, unique)
// last. No copy when x is contiguous and `dims` are already its trailing dims.
Tensor rows_cols(const Tensor& x, const std::vector<int64_t>& dims, int64_t& rows, int64_t& cols);

// out = sum of x over `dims` (sorted, unique), out shaped as x with those dims set to 1 (keepdim).
// Floating sums accumulate in double.
void sum_dims(const Tensor& x, const std::vector<int64_t>& dims, Tensor& out);

}  // namespace ember::cpu

#pragma once
// Internal: CPU kernels for elementwise math, activations, comparisons, logic and where
// (no autograd here). Operands must already have the dtypes stated per kernel; inputs
// broadcast against out's shape; out may alias an input (in-place).
#include <optional>

#include "ember/tensor/tensor.h"

namespace ember::cpu {

enum class UnaryOp {
  // floating only
  Exp, Log, Log1p, Sqrt, Rsqrt, Sigmoid, Tanh, Gelu,
  GeluGrad,  // d gelu / dx = Phi(x) + x * phi(x)
  // numeric (abs, relu: not bool; sign: any)
  Abs, Sign, Relu,
};
// out = op(x); x and out have the same dtype.
void unary(UnaryOp op, const Tensor& x, Tensor& out);

// Activations with parameters; x and out floating, same dtype.
void leaky_relu(const Tensor& x, Tensor& out, double negative_slope);
void elu(const Tensor& x, Tensor& out, double alpha);
void softplus(const Tensor& x, Tensor& out, double beta, double threshold);
// out = min(max(x, lo), hi) with absent bounds skipped; x and out share a numeric dtype.
void clamp(const Tensor& x, Tensor& out, std::optional<Scalar> lo, std::optional<Scalar> hi);

enum class BinaryMathOp { Pow, Minimum, Maximum };
// out = op(a, b); a, b and out share dtype out.dtype() (numeric). Integer pow with a
// negative exponent follows PyTorch (1 -> 1, -1 -> +-1, others -> 0).
void binary_math(BinaryMathOp op, const Tensor& a, const Tensor& b, Tensor& out);
// out = x ** e for a scalar exponent (fast paths for 0.5, 1, 2, 3, -1, ...); x and out share dtype.
void pow_scalar(const Tensor& x, Scalar e, Tensor& out);
// out = base ** e for a scalar base; e and out share dtype.
void scalar_pow(Scalar base, const Tensor& e, Tensor& out);

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };
// out(bool) = a (op) b; a and b share a dtype.
void compare(CompareOp op, const Tensor& a, const Tensor& b, Tensor& out);

enum class LogicalOp { And, Or, Xor };
// out(bool) = bool(a) (op) bool(b); a and b of any dtypes.
void logical(LogicalOp op, const Tensor& a, const Tensor& b, Tensor& out);
// out(bool) = !bool(x).
void logical_not(const Tensor& x, Tensor& out);

// out = y > 0 ? grad : 0 (ReLU's backward, torch's threshold_backward at 0); floating, one dtype.
void relu_backward(const Tensor& grad, const Tensor& y, Tensor& out);

// out = cond ? a : b; cond bool; a, b and out share a dtype.
void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out);

// |a - b| <= atol + rtol * |b| everywhere (broadcast); a and b share a dtype. NaNs differ.
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol);

}  // namespace ember::cpu

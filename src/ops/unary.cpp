// exp, log, log1p, sqrt, rsqrt, abs, sign, square: forward, backward, method and in-place forms.
// Floating math on integer/bool inputs computes in float32; abs and sign keep the dtype.
#include "autograd/record.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "ops/pointwise.h"

namespace ember {

using autograd::record;
using cpu::UnaryOp;

bool pointwise_fast_inplace(const Tensor& self, DType result_dtype, const char* op) {
  EMBER_CHECK(self.defined(), op, ": the input is undefined");
  if (autograd::needs_grad(self) || result_dtype != self.dtype()) return false;
  autograd::check_inplace(self, op);
  return true;
}

// y = e^x, dy = g * y
Tensor exp(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::Exp, "exp", x);
  if (autograd::needs_grad(x))
    record("ExpBackward0", {x}, {out}, {out}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] * s[0]};
    });
  return out;
}

// y = ln x, dy = g / x
Tensor log(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::Log, "log", x);
  if (autograd::needs_grad(x))
    record("LogBackward0", {x}, {out}, {x}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] / s[0]};
    });
  return out;
}

// y = ln(1 + x), dy = g / (1 + x)
Tensor log1p(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::Log1p, "log1p", x);
  if (autograd::needs_grad(x))
    record("Log1PBackward0", {x}, {out}, {x}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] / (s[0] + 1)};
    });
  return out;
}

// y = sqrt(x), dy = g / (2 y)
Tensor sqrt(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::Sqrt, "sqrt", x);
  if (autograd::needs_grad(x))
    record("SqrtBackward0", {x}, {out}, {out}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] / (s[0] * 2)};
    });
  return out;
}

// y = x^-1/2, dy = -g y^3 / 2
Tensor rsqrt(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::Rsqrt, "rsqrt", x);
  if (autograd::needs_grad(x))
    record("RsqrtBackward0", {x}, {out}, {out}, [](const TensorList& g, const TensorList& s) -> TensorList {
      const Tensor& y = s[0];
      return {g[0] * (y * y * y) * -0.5};
    });
  return out;
}

// y = |x|, dy = g * sign(x)
Tensor abs(const Tensor& x) {
  Tensor out = unary_same_kernel(UnaryOp::Abs, "abs", x);
  if (autograd::needs_grad(x))
    record("AbsBackward0", {x}, {out}, {x}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] * sign(s[0])};
    });
  return out;
}

// y = sign(x) in {-1, 0, 1}; the gradient is zero
Tensor sign(const Tensor& x) {
  Tensor out = unary_same_kernel(UnaryOp::Sign, "sign", x);
  if (autograd::needs_grad(x))
    record("SignBackward0", {x}, {out}, {}, [](const TensorList& g, const TensorList&) -> TensorList {
      return {zeros_like(g[0])};
    });
  return out;
}

// x * x, recorded as pow(x, 2) like PyTorch (PowBackward0)
Tensor square(const Tensor& x) { return pow(x, 2); }

Tensor Tensor::exp() const { return ember::exp(*this); }
Tensor Tensor::log() const { return ember::log(*this); }
Tensor Tensor::log1p() const { return ember::log1p(*this); }
Tensor Tensor::sqrt() const { return ember::sqrt(*this); }
Tensor Tensor::rsqrt() const { return ember::rsqrt(*this); }
Tensor Tensor::abs() const { return ember::abs(*this); }
Tensor Tensor::sign() const { return ember::sign(*this); }

Tensor& Tensor::exp_() {
  if (pointwise_fast_inplace(*this, float_compute_dtype(dtype()), "exp_")) {
    cpu::unary(UnaryOp::Exp, *this, *this);
    return *this;
  }
  return autograd::inplace(*this, "exp_", [](const Tensor& s) { return ember::exp(s); });
}

Tensor& Tensor::sqrt_() {
  if (pointwise_fast_inplace(*this, float_compute_dtype(dtype()), "sqrt_")) {
    cpu::unary(UnaryOp::Sqrt, *this, *this);
    return *this;
  }
  return autograd::inplace(*this, "sqrt_", [](const Tensor& s) { return ember::sqrt(s); });
}

}  // namespace ember

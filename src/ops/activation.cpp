// Activations and clamp: relu, sigmoid, tanh, gelu (erf form), leaky_relu, elu, softplus,
// clamp / clamp_min / clamp_max; forward, backward, method and in-place forms.
#include "autograd/record.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "ops/pointwise.h"

namespace ember {

using autograd::record;
using cpu::UnaryOp;

namespace {

constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// Phi(x) + x phi(x) = d gelu / dx, itself differentiable: d/dx = phi(x) (2 - x^2).
Tensor gelu_grad(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::GeluGrad, "gelu_backward", x);
  if (autograd::needs_grad(x))
    record("GeluBackwardBackward0", {x}, {out}, {x}, [](const TensorList& g, const TensorList& s) -> TensorList {
      const Tensor& v = s[0];
      Tensor v2 = v * v;
      Tensor phi = exp(v2 * -0.5) * kInvSqrt2Pi;
      return {g[0] * phi * (2 - v2)};
    });
  return out;
}

void check_not_bool(const Tensor& x, const char* op) {
  EMBER_CHECK(x.defined(), op, ": the input is undefined");
  EMBER_CHECK(x.dtype() != kBool, op, ": not implemented for bool tensors");
}

// g * (y > 0) in one pass; differentiable in g (its gradient is the same mask), as torch's
// threshold_backward. g and y: same shape, y's dtype.
Tensor relu_backward(const Tensor& g, const Tensor& y) {
  Tensor gc = cpu::convert(g, y.dtype());
  Tensor out = make_empty(y.sizes(), y.dtype(), y.device());
  cpu::relu_backward(gc, y, out);
  if (autograd::needs_grad(g))
    record("ThresholdBackwardBackward0", {g}, {out}, {y}, [](const TensorList& gg, const TensorList& s) -> TensorList {
      return {relu_backward(gg[0], s[0])};
    });
  return out;
}

}  // namespace

// y = max(x, 0), dy = g * (y > 0). Integer inputs keep their dtype.
Tensor relu(const Tensor& x) {
  Tensor out = unary_same_kernel(UnaryOp::Relu, "relu", x);
  if (autograd::needs_grad(x))
    record("ReluBackward0", {x}, {out}, {out}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {relu_backward(g[0], s[0])};
    });
  return out;
}

// y = 1 / (1 + e^-x), dy = g * y * (1 - y)
Tensor sigmoid(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::Sigmoid, "sigmoid", x);
  if (autograd::needs_grad(x))
    record("SigmoidBackward0", {x}, {out}, {out}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] * (s[0] * (1 - s[0]))};
    });
  return out;
}

// y = tanh x, dy = g * (1 - y^2)
Tensor tanh(const Tensor& x) {
  Tensor out = unary_float_kernel(UnaryOp::Tanh, "tanh", x);
  if (autograd::needs_grad(x))
    record("TanhBackward0", {x}, {out}, {out}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] * (1 - s[0] * s[0])};
    });
  return out;
}

// y = x Phi(x) = x/2 (1 + erf(x / sqrt 2)), dy = g * (Phi(x) + x phi(x))
Tensor gelu(const Tensor& x) {
  check_not_bool(x, "gelu");
  EMBER_CHECK(is_floating(x.dtype()), "gelu: expected a floating-point tensor, got ", dtype_name(x.dtype()));
  Tensor out = unary_float_kernel(UnaryOp::Gelu, "gelu", x);
  if (autograd::needs_grad(x))
    record("GeluBackward0", {x}, {out}, {x}, [](const TensorList& g, const TensorList& s) -> TensorList {
      return {g[0] * gelu_grad(s[0])};
    });
  return out;
}

// y = x > 0 ? x : slope x
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  check_not_bool(x, "leaky_relu");
  EMBER_CHECK(is_floating(x.dtype()), "leaky_relu: expected a floating-point tensor, got ", dtype_name(x.dtype()));
  Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
  cpu::leaky_relu(x, out, negative_slope);
  if (autograd::needs_grad(x))
    record("LeakyReluBackward0", {x}, {out}, {x}, [negative_slope](const TensorList& g, const TensorList& s) -> TensorList {
      return {where(s[0] > 0, g[0], g[0] * negative_slope)};
    });
  return out;
}

// y = x > 0 ? x : alpha (e^x - 1), dy = x > 0 ? g : g (y + alpha)
Tensor elu(const Tensor& x, double alpha) {
  check_not_bool(x, "elu");
  EMBER_CHECK(is_floating(x.dtype()), "elu: expected a floating-point tensor, got ", dtype_name(x.dtype()));
  Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
  cpu::elu(x, out, alpha);
  if (autograd::needs_grad(x))
    record("EluBackward0", {x}, {out}, {x, out}, [alpha](const TensorList& g, const TensorList& s) -> TensorList {
      return {where(s[0] > 0, g[0], g[0] * (s[1] + alpha))};
    });
  return out;
}

// y = log(1 + e^(beta x)) / beta, or x where beta x > threshold; dy = g * sigmoid(beta x) there
Tensor softplus(const Tensor& x, double beta, double threshold) {
  check_not_bool(x, "softplus");
  EMBER_CHECK(is_floating(x.dtype()), "softplus: expected a floating-point tensor, got ", dtype_name(x.dtype()));
  Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
  cpu::softplus(x, out, beta, threshold);
  if (autograd::needs_grad(x))
    record("SoftplusBackward0", {x}, {out}, {x},
           [beta, threshold](const TensorList& g, const TensorList& s) -> TensorList {
             Tensor bx = s[0] * beta;
             return {where(bx > threshold, g[0], g[0] * sigmoid(bx))};
           });
  return out;
}

// ---- clamp ------------------------------------------------------------------------------

namespace {

// y = min(max(x, lo), hi); dy = g where lo <= x <= hi, else 0.
Tensor clamp_impl(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi, const char* name,
                  const char* node) {
  EMBER_CHECK(x.defined(), name, ": the input is undefined");
  EMBER_CHECK(lo || hi, "clamp: At least one of 'min' or 'max' must not be None");
  EMBER_CHECK(x.dtype() != kBool, name, ": not implemented for bool tensors");
  DType dt = x.dtype();
  if (lo) dt = promote_types(dt, result_type(x, *lo));
  if (hi) dt = promote_types(dt, result_type(x, *hi));
  Tensor out = make_empty(x.sizes(), dt, x.device());
  cpu::clamp(cpu::convert(x, dt), out, lo, hi);
  if (autograd::needs_grad(x))
    record(node, {x}, {out}, {x}, [lo, hi](const TensorList& g, const TensorList& s) -> TensorList {
      Tensor mask;
      if (lo) mask = s[0] >= *lo;
      if (hi) mask = mask.defined() ? logical_and(mask, s[0] <= *hi) : s[0] <= *hi;
      return {where(mask, g[0], 0)};
    });
  return out;
}

}  // namespace

Tensor clamp(const Tensor& x, std::optional<Scalar> min, std::optional<Scalar> max) {
  return clamp_impl(x, min, max, "clamp", "ClampBackward1");
}
Tensor clamp_min(const Tensor& x, Scalar min) { return clamp_impl(x, min, std::nullopt, "clamp_min", "ClampMinBackward0"); }
Tensor clamp_max(const Tensor& x, Scalar max) { return clamp_impl(x, std::nullopt, max, "clamp_max", "ClampMaxBackward0"); }

// ---- method and in-place forms ------------------------------------------------------

Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const { return ember::clamp(*this, min, max); }
Tensor Tensor::relu() const { return ember::relu(*this); }
Tensor Tensor::sigmoid() const { return ember::sigmoid(*this); }
Tensor Tensor::tanh() const { return ember::tanh(*this); }

Tensor& Tensor::relu_() {
  if (dtype() != kBool && pointwise_fast_inplace(*this, dtype(), "relu_")) {
    cpu::unary(UnaryOp::Relu, *this, *this);
    return *this;
  }
  return autograd::inplace(*this, "relu_", [](const Tensor& s) { return ember::relu(s); });
}

Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  EMBER_CHECK(min || max, "clamp_: At least one of 'min' or 'max' must not be None");
  DType dt = dtype();
  if (min) dt = promote_types(dt, result_type(*this, *min));
  if (max) dt = promote_types(dt, result_type(*this, *max));
  if (dtype() != kBool && pointwise_fast_inplace(*this, dt, "clamp_")) {
    cpu::clamp(*this, *this, min, max);
    return *this;
  }
  return autograd::inplace(*this, "clamp_", [&](const Tensor& s) { return ember::clamp(s, min, max); });
}

}  // namespace ember

// pow (tensor^tensor, tensor^scalar, scalar^tensor), minimum, maximum: forward and backward.
#include <cmath>

#include "autograd/record.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "ops/pointwise.h"

namespace ember {

using autograd::record;
using cpu::BinaryMathOp;

namespace {

void check_defined(const Tensor& a, const Tensor& b, const char* op) {
  EMBER_CHECK(a.defined() && b.defined(), op, ": an input is undefined");
}

// a (op) b in the promoted dtype, broadcast.  a:(*A) b:(*B) -> broadcast(A, B)
Tensor binary_math_forward(BinaryMathOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_defined(a, b, name);
  DType dt = result_type(a, b);
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), name);
  Tensor out = make_empty(shape, dt, a.device());
  if (dt == kBool) {
    EMBER_CHECK(op != BinaryMathOp::Pow, name, ": not implemented for bool tensors");
    // on bools, minimum is "and" and maximum is "or": compute in uint8
    Tensor o8 = make_empty(shape, kUInt8, a.device());
    cpu::binary_math(op, cpu::convert(a, kUInt8), cpu::convert(b, kUInt8), o8);
    cpu::copy_(out, o8);
    return out;
  }
  cpu::binary_math(op, cpu::convert(a, dt), cpu::convert(b, dt), out);
  return out;
}

Scalar minus_one(Scalar e) {
  return e.is_floating() ? Scalar(e.to_double() - 1.0) : Scalar(static_cast<int64_t>(e.to_int() - 1));
}

}  // namespace

// y = a^e, da = g e a^(e-1) (0 where e == 0), de = g y ln a (0 where a == 0 and e >= 0)
Tensor pow(const Tensor& a, const Tensor& e) {
  Tensor out = binary_math_forward(BinaryMathOp::Pow, "pow", a, e);
  if (autograd::needs_grad(a, e)) {
    Shape sa = a.sizes(), se = e.sizes();
    bool ra = a.requires_grad(), re = e.requires_grad();
    record("PowBackward1", {a, e}, {out}, {a, e, re ? out : Tensor()},
           [sa, se, ra, re](const TensorList& g, const TensorList& s) -> TensorList {
             const Tensor &x = s[0], &y = s[1];
             Tensor ga, ge;
             if (ra) ga = sum_to(where(y == 0, 0.0, g[0] * (y * pow(x, y - 1))), sa);
             if (re) ge = sum_to(where(logical_and(x == 0, y >= 0), 0.0, g[0] * (s[2] * log(x))), se);
             return {ga, ge};
           });
  }
  return out;
}

// y = a^e for a number e; da = g e a^(e-1) (0 when e == 0)
Tensor pow(const Tensor& a, Scalar e) {
  EMBER_CHECK(a.defined(), "pow: the input is undefined");
  DType dt = result_type(a, e);
  EMBER_CHECK(dt != kBool, "pow: not implemented for bool tensors");
  EMBER_CHECK(is_floating(dt) || e.is_floating() || e.to_int() >= 0,
              "Integers to negative integer powers are not allowed.");
  Tensor out = make_empty(a.sizes(), dt, a.device());
  cpu::pow_scalar(cpu::convert(a, dt), e, out);
  if (autograd::needs_grad(a))
    record("PowBackward0", {a}, {out}, {a}, [e](const TensorList& g, const TensorList& s) -> TensorList {
      if (e.to_double() == 0.0) return {zeros_like(g[0])};
      return {g[0] * (pow(s[0], minus_one(e)) * e)};
    });
  return out;
}

// y = b^e for a number b; de = g y ln b (0 where b == 0 and e >= 0)
Tensor pow(Scalar base, const Tensor& e) {
  EMBER_CHECK(e.defined(), "pow: the input is undefined");
  DType dt = result_type(e, base);
  EMBER_CHECK(dt != kBool, "pow: not implemented for bool tensors");
  Tensor out = make_empty(e.sizes(), dt, e.device());
  cpu::scalar_pow(base, cpu::convert(e, dt), out);
  if (autograd::needs_grad(e)) {
    double b = base.to_double();
    record("PowBackward2", {e}, {out}, {e, out}, [b](const TensorList& g, const TensorList& s) -> TensorList {
      Tensor ge = g[0] * (s[1] * std::log(b));
      if (b == 0.0) ge = where(s[0] >= 0, 0.0, ge);
      return {ge};
    });
  }
  return out;
}

Tensor Tensor::pow(const Tensor& e) const { return ember::pow(*this, e); }
Tensor Tensor::pow(Scalar e) const { return ember::pow(*this, e); }

Tensor& Tensor::pow_(Scalar e) {
  EMBER_CHECK(defined(), "pow_: the input is undefined");
  if (dtype() != kBool && pointwise_fast_inplace(*this, result_type(*this, e), "pow_")) {
    EMBER_CHECK(is_floating(dtype()) || e.is_floating() || e.to_int() >= 0,
                "Integers to negative integer powers are not allowed.");
    cpu::pow_scalar(*this, e, *this);
    return *this;
  }
  return autograd::inplace(*this, "pow_", [&](const Tensor& s) { return ember::pow(s, e); });
}

// ---- minimum / maximum: ties split the gradient evenly, as in PyTorch -----------------

namespace {

// Share of the gradient going to `a`: 1 where a wins, 1/2 on ties, 0 where b wins.
Tensor winner_weight(const Tensor& a, const Tensor& b, bool is_max, DType dt) {
  Tensor wins = is_max ? a > b : a < b;
  return wins.to(dt) + (a == b).to(dt) * 0.5;
}

Tensor min_max(const Tensor& a, const Tensor& b, bool is_max) {
  const char* name = is_max ? "maximum" : "minimum";
  Tensor out = binary_math_forward(is_max ? BinaryMathOp::Maximum : BinaryMathOp::Minimum, name, a, b);
  if (autograd::needs_grad(a, b)) {
    Shape sa = a.sizes(), sb = b.sizes();
    bool ra = a.requires_grad(), rb = b.requires_grad();
    record(is_max ? "MaximumBackward0" : "MinimumBackward0", {a, b}, {out}, {a, b},
           [sa, sb, ra, rb, is_max](const TensorList& g, const TensorList& s) -> TensorList {
             Tensor w = winner_weight(s[0].detach(), s[1].detach(), is_max, g[0].dtype());
             return {ra ? sum_to(g[0] * w, sa) : Tensor(), rb ? sum_to(g[0] * (1 - w), sb) : Tensor()};
           });
  }
  return out;
}

}  // namespace

Tensor minimum(const Tensor& a, const Tensor& b) { return min_max(a, b, false); }
Tensor maximum(const Tensor& a, const Tensor& b) { return min_max(a, b, true); }

}  // namespace ember

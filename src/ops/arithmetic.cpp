// add, sub, mul, div, neg: forward, backward and their operator / in-place forms.
#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;
using cpu::BinaryOp;

namespace {

// a (op) b in the promoted dtype, broadcast; `dt_override` forces the compute dtype.
Tensor binary_forward(BinaryOp op, const char* name, const Tensor& a, const Tensor& b, Scalar alpha,
                      std::optional<DType> dt_override = std::nullopt) {
  EMBER_CHECK(a.defined() && b.defined(), name, ": an input is undefined");
  DType dt = dt_override ? *dt_override : result_type(a, b);
  EMBER_CHECK(dt != kBool || op == BinaryOp::Mul || op == BinaryOp::Add, name, ": not supported for bool tensors");
  if (op == BinaryOp::Sub)
    EMBER_CHECK(a.dtype() != kBool && b.dtype() != kBool, name,
                ": subtraction with bool tensors is not supported; use logical_xor or ~ instead");
  Shape broadcast;  // (computed only when the shapes differ)
  if (a.sizes() != b.sizes()) broadcast = broadcast_shapes(a.sizes(), b.sizes(), name);
  const Shape& shape = a.sizes() == b.sizes() ? a.sizes() : broadcast;
  Tensor out = make_empty(shape, dt, a.device());
  if (dt == kBool) {
    // bool + bool = logical or; bool * bool = logical and (computed in uint8)
    Tensor o8 = make_empty(shape, kUInt8, a.device());
    cpu::binary(op, cpu::convert(a, kUInt8), cpu::convert(b, kUInt8), o8, alpha);
    cpu::copy_(out, o8);
    return out;
  }
  cpu::binary(op, cpu::convert(a, dt), cpu::convert(b, dt), out, alpha);
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, Scalar alpha) {
  Tensor out = binary_forward(BinaryOp::Add, "add", a, b, alpha);
  if (autograd::needs_grad(a, b)) {
    // (gradients of broadcast inputs are summed back by the engine)
    const bool rb = b.requires_grad();
    if (alpha.to_double() == 1.0)
      record("AddBackward0", {a, b}, {out}, {}, [rb](const TensorList& g, const TensorList&) -> TensorList {
        return {g[0], rb ? g[0] : Tensor()};
      });
    else
      record("AddBackward0", {a, b}, {out}, {}, [rb, alpha](const TensorList& g, const TensorList&) -> TensorList {
        return {g[0], rb ? g[0] * alpha : Tensor()};
      });
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, Scalar alpha) {
  Tensor out = binary_forward(BinaryOp::Sub, "sub", a, b, alpha);
  if (autograd::needs_grad(a, b)) {
    const bool rb = b.requires_grad();
    const double nalpha = -alpha.to_double();
    record("SubBackward0", {a, b}, {out}, {}, [rb, nalpha](const TensorList& g, const TensorList&) -> TensorList {
      if (!rb) return {g[0], Tensor()};
      return {g[0], nalpha == -1.0 ? -g[0] : g[0] * nalpha};
    });
  }
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_forward(BinaryOp::Mul, "mul", a, b, 1);
  if (autograd::needs_grad(a, b)) {
    bool ra = a.requires_grad(), rb = b.requires_grad();
    // save only what the other side's gradient needs
    record("MulBackward0", {a, b}, {out}, {rb ? a : Tensor(), ra ? b : Tensor()},
           [ra, rb](const TensorList& g, const TensorList& s) -> TensorList {
             return {ra ? g[0] * s[1] : Tensor(), rb ? g[0] * s[0] : Tensor()};
           });
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType dt = result_type(a, b);
  if (!is_floating(dt)) dt = kFloat32;  // true division
  Tensor out = binary_forward(BinaryOp::Div, "div", a, b, 1, dt);
  if (autograd::needs_grad(a, b)) {
    bool ra = a.requires_grad(), rb = b.requires_grad();
    record("DivBackward0", {a, b}, {out}, {rb ? a : Tensor(), b},
           [ra, rb](const TensorList& g, const TensorList& s) -> TensorList {
             const Tensor &x = s[0], &y = s[1];
             return {ra ? g[0] / y : Tensor(), rb ? -g[0] * x / (y * y) : Tensor()};
           });
  }
  return out;
}

Tensor neg(const Tensor& a) {
  EMBER_CHECK(a.dtype() != kBool, "neg: negation, the `-` operator, on a bool tensor is not supported. "
              "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
  Tensor out = make_empty(a.sizes(), a.dtype(), a.device());
  cpu::binary_scalar(BinaryOp::Mul, a, Scalar(-1), out);  // (wraps for uint8, as torch's neg)
  record("NegBackward0", {a}, {out}, {}, [](const TensorList& g, const TensorList&) -> TensorList { return {-g[0]}; });
  return out;
}

// ---- a (op) number: no tensor is made for the number when the result keeps a's dtype --------

namespace {

// alpha * b as one number (integral when both are).
Scalar scaled(Scalar b, Scalar alpha) {
  if (alpha.to_double() == 1.0) return b;
  if (!b.is_floating() && !alpha.is_floating()) return Scalar(static_cast<int64_t>(b.to_int() * alpha.to_int()));
  return Scalar(b.to_double() * alpha.to_double());
}

// a (op) s when the result has a's (non-bool) dtype, else undefined (the caller takes the tensor path).
Tensor scalar_forward(BinaryOp op, const Tensor& a, Scalar s) {
  if (!a.defined() || a.dtype() == kBool || result_type(a, s) != a.dtype()) return Tensor();
  if (op == BinaryOp::Div && !is_floating(a.dtype())) return Tensor();
  Tensor out = make_empty(a.sizes(), a.dtype(), a.device());
  cpu::binary_scalar(op, a, s, out);
  return out;
}

}  // namespace

Tensor add(const Tensor& a, Scalar b, Scalar alpha) {
  Tensor out = scalar_forward(BinaryOp::Add, a, scaled(b, alpha));
  if (!out.defined()) return add(a, wrap_scalar(b), alpha);
  if (autograd::needs_grad(a))
    record("AddBackward0", {a}, {out}, {}, [](const TensorList& g, const TensorList&) -> TensorList { return {g[0]}; });
  return out;
}
Tensor sub(const Tensor& a, Scalar b, Scalar alpha) {
  Tensor out = scalar_forward(BinaryOp::Sub, a, scaled(b, alpha));
  if (!out.defined()) return sub(a, wrap_scalar(b), alpha);
  if (autograd::needs_grad(a))
    record("SubBackward0", {a}, {out}, {}, [](const TensorList& g, const TensorList&) -> TensorList { return {g[0]}; });
  return out;
}
Tensor mul(const Tensor& a, Scalar b) {
  Tensor out = scalar_forward(BinaryOp::Mul, a, b);
  if (!out.defined()) return mul(a, wrap_scalar(b));
  if (autograd::needs_grad(a))
    record("MulBackward0", {a}, {out}, {}, [b](const TensorList& g, const TensorList&) -> TensorList {
      return {g[0] * b};
    });
  return out;
}
Tensor div(const Tensor& a, Scalar b) {
  Tensor out = scalar_forward(BinaryOp::Div, a, b);
  if (!out.defined()) return div(a, wrap_scalar(b));
  if (autograd::needs_grad(a))
    record("DivBackward0", {a}, {out}, {}, [b](const TensorList& g, const TensorList&) -> TensorList {
      return {g[0] / b};
    });
  return out;
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator+(const Tensor& a, Scalar b) { return add(a, b); }
Tensor operator+(Scalar a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator-(const Tensor& a, Scalar b) { return sub(a, b); }
Tensor operator-(Scalar a, const Tensor& b) { return sub(wrap_scalar(a), b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator*(const Tensor& a, Scalar b) { return mul(a, b); }
Tensor operator*(Scalar a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator/(const Tensor& a, Scalar b) { return div(a, b); }
Tensor operator/(Scalar a, const Tensor& b) { return div(wrap_scalar(a), b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator+=(Tensor& a, Scalar b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator-=(Tensor& a, Scalar b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator*=(Tensor& a, Scalar b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator/=(Tensor& a, Scalar b) { return a.div_(b); }

Tensor Tensor::add(const Tensor& o, Scalar alpha) const { return ember::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const { return ember::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return ember::mul(*this, o); }
Tensor Tensor::div(const Tensor& o) const { return ember::div(*this, o); }
Tensor Tensor::neg() const { return ember::neg(*this); }

namespace {
// In place without autograd when nothing needs a graph and the shapes/dtypes allow it.
bool fast_inplace(Tensor& self, const Tensor& other, const char* op) {
  if (autograd::needs_grad(self, other)) return false;
  if (result_type(self, other) != self.dtype() || self.dtype() == kBool) return false;
  if (broadcast_shapes(self.sizes(), other.sizes(), op) != self.sizes()) return false;
  if (other.storage() == self.storage() && !other.is_same(self)) return false;  // overlapping views
  autograd::check_inplace(self, op);
  return true;
}
}  // namespace

Tensor& Tensor::add_(const Tensor& o, Scalar alpha) {
  if (fast_inplace(*this, o, "add_")) {
    cpu::binary(BinaryOp::Add, *this, cpu::convert(o, dtype()), *this, alpha);
    return *this;
  }
  return autograd::inplace(*this, "add_", [&](const Tensor& s) { return ember::add(s, o, alpha); });
}
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) {
  if (fast_inplace(*this, o, "sub_")) {
    cpu::binary(BinaryOp::Sub, *this, cpu::convert(o, dtype()), *this, alpha);
    return *this;
  }
  return autograd::inplace(*this, "sub_", [&](const Tensor& s) { return ember::sub(s, o, alpha); });
}
Tensor& Tensor::mul_(const Tensor& o) {
  if (fast_inplace(*this, o, "mul_")) {
    cpu::binary(BinaryOp::Mul, *this, cpu::convert(o, dtype()), *this);
    return *this;
  }
  return autograd::inplace(*this, "mul_", [&](const Tensor& s) { return ember::mul(s, o); });
}
Tensor& Tensor::div_(const Tensor& o) {
  if (is_floating(dtype()) && fast_inplace(*this, o, "div_")) {
    cpu::binary(BinaryOp::Div, *this, cpu::convert(o, dtype()), *this);
    return *this;
  }
  return autograd::inplace(*this, "div_", [&](const Tensor& s) { return ember::div(s, o); });
}
Tensor& Tensor::add_(Scalar o) { return add_(wrap_scalar(o)); }
Tensor& Tensor::sub_(Scalar o) { return sub_(wrap_scalar(o)); }
Tensor& Tensor::mul_(Scalar o) { return mul_(wrap_scalar(o)); }
Tensor& Tensor::div_(Scalar o) { return div_(wrap_scalar(o)); }
Tensor& Tensor::neg_() {
  return autograd::inplace(*this, "neg_", [](const Tensor& s) { return ember::neg(s); });
}

}  // namespace ember

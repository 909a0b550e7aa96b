// Comparison, logic and selection kernels (bool results / bool conditions).
#include <cmath>
#include <type_traits>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "tensor/make.h"

namespace ember::cpu {

void compare(CompareOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_all(a.dtype(), "compare", [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case CompareOp::Eq: map<bool, T, T>(out, [](T x, T y) { return x == y; }, a, b); break;
      case CompareOp::Ne: map<bool, T, T>(out, [](T x, T y) { return x != y; }, a, b); break;
      case CompareOp::Lt: map<bool, T, T>(out, [](T x, T y) { return x < y; }, a, b); break;
      case CompareOp::Le: map<bool, T, T>(out, [](T x, T y) { return x <= y; }, a, b); break;
      case CompareOp::Gt: map<bool, T, T>(out, [](T x, T y) { return x > y; }, a, b); break;
      case CompareOp::Ge: map<bool, T, T>(out, [](T x, T y) { return x >= y; }, a, b); break;
    }
  });
}

void logical(LogicalOp op, const Tensor& a_in, const Tensor& b_in, Tensor& out) {
  Tensor a = convert(a_in, kBool), b = convert(b_in, kBool);  // nonzero -> true
  switch (op) {
    case LogicalOp::And: map<bool, bool, bool>(out, [](bool x, bool y) { return x && y; }, a, b); break;
    case LogicalOp::Or: map<bool, bool, bool>(out, [](bool x, bool y) { return x || y; }, a, b); break;
    case LogicalOp::Xor: map<bool, bool, bool>(out, [](bool x, bool y) { return x != y; }, a, b); break;
  }
}

void logical_not(const Tensor& x, Tensor& out) {
  Tensor b = convert(x, kBool);
  map<bool, bool>(out, [](bool v) { return !v; }, b);
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_all(out.dtype(), "where", [&](auto tag) {
    using T = decltype(tag);
    map<T, bool, T, T>(out, [](bool c, T x, T y) { return c ? x : y; }, cond, a, b);
  });
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  Shape shape = broadcast_shapes(a.sizes(), b.sizes(), "allclose");
  Tensor close = make_empty(shape, kBool, a.device());
  dispatch_all(a.dtype(), "allclose", [&](auto tag) {
    using T = decltype(tag);
    map<bool, T, T>(close, [rtol, atol](T x, T y) {
      if (x == y) return true;  // also equal infinities
      double xd = static_cast<double>(x), yd = static_cast<double>(y);
      if (!std::isfinite(xd) || !std::isfinite(yd)) return false;  // NaN, or inf vs finite
      return std::fabs(xd - yd) <= atol + rtol * std::fabs(yd);
    }, a, b);
  });
  const bool* p = static_cast<const bool*>(close.raw_data());
  for (int64_t i = 0; i < close.numel(); ++i)
    if (!p[i]) return false;
  return true;
}

}  // namespace ember::cpu

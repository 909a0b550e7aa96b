// Binary elementwise math kernels: pow (tensor/scalar forms), minimum, maximum.
#include <cmath>
#include <type_traits>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/loops.h"

namespace ember::cpu {

namespace {

// Integer power by squaring (wrapping like PyTorch's); negative exponents as in PyTorch's powi.
template <class T>
T powi(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) {
      if (a == 1) return 1;
      if (a == -1) return (b & 1) ? T(-1) : T(1);
      return 0;
    }
  }
  using U = std::make_unsigned_t<T>;
  U r = 1, base = static_cast<U>(a);
  U e = static_cast<U>(b);
  while (e) {
    if (e & 1) r = static_cast<U>(r * base);
    e >>= 1;
    base = static_cast<U>(base * base);
  }
  return static_cast<T>(r);
}

template <class T>
T pow_value(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return std::pow(a, b);
  else return powi(a, b);
}

}  // namespace

void binary_math(BinaryMathOp op, const Tensor& a, const Tensor& b, Tensor& out) {
  dispatch_numeric(out.dtype(), "binary_math", [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case BinaryMathOp::Pow: map<T, T, T>(out, [](T x, T y) { return pow_value(x, y); }, a, b); break;
      case BinaryMathOp::Minimum:
        // NaN propagates (x != x only for NaN)
        map<T, T, T>(out, [](T x, T y) { return (x != x || x < y) ? x : y; }, a, b);
        break;
      case BinaryMathOp::Maximum:
        map<T, T, T>(out, [](T x, T y) { return (x != x || x > y) ? x : y; }, a, b);
        break;
    }
  });
}

void pow_scalar(const Tensor& x, Scalar e, Tensor& out) {
  dispatch_numeric(out.dtype(), "pow", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      const double ed = e.to_double();
      const T et = static_cast<T>(ed);
      if (ed == 2.0) map<T, T>(out, [](T v) { return v * v; }, x);
      else if (ed == 3.0) map<T, T>(out, [](T v) { return v * v * v; }, x);
      else if (ed == 1.0) map<T, T>(out, [](T v) { return v; }, x);
      else if (ed == 0.5) map<T, T>(out, [](T v) { return std::sqrt(v); }, x);
      else if (ed == -0.5) map<T, T>(out, [](T v) { return T(1) / std::sqrt(v); }, x);
      else if (ed == -1.0) map<T, T>(out, [](T v) { return T(1) / v; }, x);
      else if (ed == -2.0) map<T, T>(out, [](T v) { return T(1) / (v * v); }, x);
      else map<T, T>(out, [et](T v) { return std::pow(v, et); }, x);
    } else {
      const T et = e.to<T>();
      map<T, T>(out, [et](T v) { return powi(v, et); }, x);
    }
  });
}

void scalar_pow(Scalar base, const Tensor& e, Tensor& out) {
  dispatch_numeric(out.dtype(), "pow", [&](auto tag) {
    using T = decltype(tag);
    const T bt = base.to<T>();
    if constexpr (std::is_floating_point_v<T>) {
      if (base.to_double() == 2.0) map<T, T>(out, [](T v) { return std::exp2(v); }, e);
      else map<T, T>(out, [bt](T v) { return std::pow(bt, v); }, e);
    } else {
      map<T, T>(out, [bt](T v) { return powi(bt, v); }, e);
    }
  });
}

}  // namespace ember::cpu

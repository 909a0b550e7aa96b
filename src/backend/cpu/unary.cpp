// Unary elementwise kernels: exp/log family, activations, abs/sign, clamp.
// float32 math runs in float (std::exp(float) etc.), float64 in double.
// errno is never read: let GCC vectorise std::exp/log/... through libmvec (glibc's SIMD math).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-math-errno")
#endif
#include <cmath>
#include <type_traits>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/loops.h"

namespace ember::cpu {

namespace {

template <class T>
void unary_floating(UnaryOp op, const Tensor& x, Tensor& out) {
  constexpr T one = T(1), half = T(0.5);
  constexpr T inv_sqrt2 = T(0.70710678118654752440);
  constexpr T inv_sqrt_2pi = T(0.39894228040143267794);
  switch (op) {
    case UnaryOp::Exp: map<T, T>(out, [](T v) { return std::exp(v); }, x); break;
    case UnaryOp::Log: map<T, T>(out, [](T v) { return std::log(v); }, x); break;
    case UnaryOp::Log1p: map<T, T>(out, [](T v) { return std::log1p(v); }, x); break;
    case UnaryOp::Sqrt: map<T, T>(out, [](T v) { return std::sqrt(v); }, x); break;
    case UnaryOp::Rsqrt: map<T, T>(out, [](T v) { return one / std::sqrt(v); }, x); break;
    case UnaryOp::Sigmoid: map<T, T>(out, [](T v) { return one / (one + std::exp(-v)); }, x); break;
    case UnaryOp::Tanh: map<T, T>(out, [](T v) { return std::tanh(v); }, x); break;
    case UnaryOp::Gelu:
      map<T, T>(out, [](T v) { return half * v * (one + std::erf(v * inv_sqrt2)); }, x);
      break;
    case UnaryOp::GeluGrad:
      map<T, T>(out, [](T v) {
        return half * (one + std::erf(v * inv_sqrt2)) + v * inv_sqrt_2pi * std::exp(-half * v * v);
      }, x);
      break;
    default: EMBER_THROW("unary: op is not a floating-point op");
  }
}

template <class T>
void unary_numeric(UnaryOp op, const Tensor& x, Tensor& out) {
  switch (op) {
    case UnaryOp::Abs:
      if constexpr (std::is_unsigned_v<T>) map<T, T>(out, [](T v) { return v; }, x);
      else map<T, T>(out, [](T v) { return v < T(0) ? T(-v) : v; }, x);
      break;
    case UnaryOp::Sign:
      if constexpr (std::is_same_v<T, bool>) map<T, T>(out, [](T v) { return v; }, x);
      else map<T, T>(out, [](T v) { return T((T(0) < v) - (v < T(0))); }, x);
      break;
    case UnaryOp::Relu:
      // NaN stays NaN (v > 0 is false for NaN, so test v < 0 instead)
      map<T, T>(out, [](T v) { return v < T(0) ? T(0) : v; }, x);
      break;
    default: EMBER_THROW("unary: op is not a numeric op");
  }
}

}  // namespace

void unary(UnaryOp op, const Tensor& x, Tensor& out) {
  if (op == UnaryOp::Abs || op == UnaryOp::Sign || op == UnaryOp::Relu) {
    dispatch_all(out.dtype(), "unary", [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, bool>) {
        EMBER_CHECK(op == UnaryOp::Sign, "unary: not implemented for bool");
        map<T, T>(out, [](T v) { return v; }, x);
      } else {
        unary_numeric<T>(op, x, out);
      }
    });
    return;
  }
  dispatch_floating(out.dtype(), "unary", [&](auto tag) { unary_floating<decltype(tag)>(op, x, out); });
}

void leaky_relu(const Tensor& x, Tensor& out, double negative_slope) {
  dispatch_floating(out.dtype(), "leaky_relu", [&](auto tag) {
    using T = decltype(tag);
    T s = static_cast<T>(negative_slope);
    map<T, T>(out, [s](T v) { return v > T(0) ? v : v * s; }, x);
  });
}

void elu(const Tensor& x, Tensor& out, double alpha) {
  dispatch_floating(out.dtype(), "elu", [&](auto tag) {
    using T = decltype(tag);
    T a = static_cast<T>(alpha);
    map<T, T>(out, [a](T v) { return v > T(0) ? v : a * std::expm1(v); }, x);
  });
}

void softplus(const Tensor& x, Tensor& out, double beta, double threshold) {
  dispatch_floating(out.dtype(), "softplus", [&](auto tag) {
    using T = decltype(tag);
    T b = static_cast<T>(beta), th = static_cast<T>(threshold);
    map<T, T>(out, [b, th](T v) { return v * b > th ? v : std::log1p(std::exp(v * b)) / b; }, x);
  });
}

void clamp(const Tensor& x, Tensor& out, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  dispatch_numeric(out.dtype(), "clamp", [&](auto tag) {
    using T = decltype(tag);
    // comparisons written so that NaN propagates, as in PyTorch
    if (lo && hi) {
      T l = lo->to<T>(), h = hi->to<T>();
      map<T, T>(out, [l, h](T v) { return v < l ? (l > h ? h : l) : (v > h ? h : v); }, x);
    } else if (lo) {
      T l = lo->to<T>();
      map<T, T>(out, [l](T v) { return v < l ? l : v; }, x);
    } else if (hi) {
      T h = hi->to<T>();
      map<T, T>(out, [h](T v) { return v > h ? h : v; }, x);
    } else {
      map<T, T>(out, [](T v) { return v; }, x);
    }
  });
}

}  // namespace ember::cpu

#pragma once
// Internal: sigmoid and tanh over contiguous arrays for the recurrent kernels. libm's scalar
// expf/tanhf made up ~80% of an LSTM step; these float versions are branch-free so the
// compiler vectorises the loops (Cephes polynomials, within a few ulp of libm). double keeps
// libm (it serves the float64 gradient checks, where accuracy is the point).
#include <bit>
#include <cmath>
#include <cstdint>

namespace ember::cpu::rnn_math {

// e^x for x in float range; x is clamped to [-87.3, 88.3] (so no inf/denormal paths).
inline float exp_f(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.3f ? 88.3f : x;
  // x = n ln2 + r with |r| <= ln2/2; adding 1.5 * 2^23 rounds to the nearest integer n and
  // leaves n in the low mantissa bits (branch-free, so the loop vectorises).
  constexpr float kShift = 12582912.0f;
  const float t = x * 1.44269504088896341f + kShift;
  const float n = t - kShift;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t e = std::bit_cast<int32_t>(t) - std::bit_cast<int32_t>(kShift) + 127;  // 2^n as float bits
  return p * std::bit_cast<float>(e << 23);
}

inline float sigmoid_f(float x) { return 1.0f / (1.0f + exp_f(-x)); }

// tanh: an odd polynomial near 0 (where 1 - 2/(e^2x + 1) would cancel), that form elsewhere.
inline float tanh_f(float x) {
  const float a = x < 0.0f ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = x + x * z * p;
  const float m = 1.0f - 2.0f / (exp_f(2.0f * a) + 1.0f);
  const float big = x < 0.0f ? -m : m;
  return a < 0.625f ? small : big;
}

inline void sigmoid_(float* p, int64_t n) {
  for (int64_t k = 0; k < n; ++k) p[k] = sigmoid_f(p[k]);
}
inline void sigmoid_(double* p, int64_t n) {
  for (int64_t k = 0; k < n; ++k) p[k] = 1.0 / (1.0 + std::exp(-p[k]));
}
inline void tanh_(float* p, int64_t n) {
  for (int64_t k = 0; k < n; ++k) p[k] = tanh_f(p[k]);
}
inline void tanh_(double* p, int64_t n) {
  for (int64_t k = 0; k < n; ++k) p[k] = std::tanh(p[k]);
}
// out[k] = tanh(in[k])
inline void tanh_to(const float* in, float* out, int64_t n) {
  for (int64_t k = 0; k < n; ++k) out[k] = tanh_f(in[k]);
}
inline void tanh_to(const double* in, double* out, int64_t n) {
  for (int64_t k = 0; k < n; ++k) out[k] = std::tanh(in[k]);
}

}  // namespace ember::cpu::rnn_math

// Batch normalisation loops, parallel over channels. Each channel's N rows of S values are
// reduced with `omp simd` (vectorised within a row) and summed across rows in double; the
// passes after the first find the channel's data in cache.
#include "backend/cpu/bnorm_kernels.h"

#include <algorithm>
#include <cmath>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/parallel_for.h"

namespace ember::cpu {

namespace {

// Channels per parallel chunk: threads only pay off with enough elements each.
int64_t channel_grain(int64_t per_channel) {
  return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, per_channel));
}

// sum over a row
template <class T>
double row_sum(const T* p, int64_t S) {
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < S; ++i) s += p[i];
  return static_cast<double>(s);
}

// sum over a row of (p - m)^2
template <class T>
double row_sq_dev(const T* p, int64_t S, T m) {
  T s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < S; ++i) s += (p[i] - m) * (p[i] - m);
  return static_cast<double>(s);
}

// y = x * a + b over a row
template <class T>
void row_affine(const T* x, T* y, int64_t S, T a, T b) {
#pragma omp simd
  for (int64_t i = 0; i < S; ++i) y[i] = x[i] * a + b;
}

template <class T>
void forward_impl(const T* xp, const T* wp, const T* bp, T* yp, T* mp, T* vp, int64_t N, int64_t C, int64_t S,
                  double eps, bool use_stats) {
  parallel_for(C, channel_grain(N * S), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double m, v;
      if (use_stats) {
        m = mp[c];
        v = vp[c];
      } else {
        double s = 0.0;
        for (int64_t n = 0; n < N; ++n) s += row_sum(xp + (n * C + c) * S, S);
        m = s / static_cast<double>(N * S);
        double ss = 0.0;  // two passes: no cancellation in the variance
        for (int64_t n = 0; n < N; ++n) ss += row_sq_dev(xp + (n * C + c) * S, S, static_cast<T>(m));
        v = ss / static_cast<double>(N * S);
        mp[c] = static_cast<T>(m);
        vp[c] = static_cast<T>(v);
      }
      const double invstd = 1.0 / std::sqrt(v + eps);
      const double a = (wp ? static_cast<double>(wp[c]) : 1.0) * invstd;
      const double b = (bp ? static_cast<double>(bp[c]) : 0.0) - m * a;
      for (int64_t n = 0; n < N; ++n)
        row_affine(xp + (n * C + c) * S, yp + (n * C + c) * S, S, static_cast<T>(a), static_cast<T>(b));
    }
  });
}

template <class T>
void backward_impl(const T* gyp, const T* xp, const T* wp, const T* mp, const T* vp, T* gxp, T* gwp, T* gbp,
                   int64_t N, int64_t C, int64_t S, double eps, bool use_stats) {
  const double count = static_cast<double>(N * S);
  parallel_for(C, channel_grain(N * S), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const T m = mp[c];
      const double invstd = 1.0 / std::sqrt(static_cast<double>(vp[c]) + eps);
      const double w = wp ? static_cast<double>(wp[c]) : 1.0;
      // sum(gy) and sum(gy * (x - mean)) over the channel
      double sum_gy = 0.0, sum_gyd = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        const T* g = gyp + (n * C + c) * S;
        const T* x = xp + (n * C + c) * S;
        T s = 0, sd = 0;
#pragma omp simd reduction(+ : s, sd)
        for (int64_t i = 0; i < S; ++i) {
          s += g[i];
          sd += g[i] * (x[i] - m);
        }
        sum_gy += static_cast<double>(s);
        sum_gyd += static_cast<double>(sd);
      }
      if (gwp) gwp[c] = static_cast<T>(sum_gyd * invstd);
      if (gbp) gbp[c] = static_cast<T>(sum_gy);
      // training: gx = w invstd (gy - mean(gy) - (x - mean) invstd^2 mean(gy (x - mean)))
      // eval (statistics are constants): gx = w invstd gy
      const T k_gy = static_cast<T>(w * invstd);
      const T k_x = use_stats ? T(0) : static_cast<T>(-w * invstd * invstd * invstd * sum_gyd / count);
      const T k_0 = use_stats ? T(0) : static_cast<T>(-w * invstd * sum_gy / count);
      for (int64_t n = 0; n < N; ++n) {
        const T* g = gyp + (n * C + c) * S;
        const T* x = xp + (n * C + c) * S;
        T* gx = gxp + (n * C + c) * S;
#pragma omp simd
        for (int64_t i = 0; i < S; ++i) gx[i] = k_gy * g[i] + k_x * (x[i] - m) + k_0;
      }
    }
  });
}

}  // namespace

void batch_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean, Tensor& var,
                        double eps, bool use_stats) {
  dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    forward_impl<T>(x.data_ptr<T>(), weight.defined() ? weight.data_ptr<T>() : nullptr,
                    bias.defined() ? bias.data_ptr<T>() : nullptr, y.data_ptr<T>(), mean.data_ptr<T>(),
                    var.data_ptr<T>(), x.size(0), x.size(1), x.size(2), eps, use_stats);
  });
}

void batch_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& var,
                         double eps, bool use_stats, Tensor& gx, Tensor& gw, Tensor& gb) {
  dispatch_floating(x.dtype(), "batch_norm backward", [&](auto tag) {
    using T = decltype(tag);
    backward_impl<T>(gy.data_ptr<T>(), x.data_ptr<T>(), weight.defined() ? weight.data_ptr<T>() : nullptr,
                     mean.data_ptr<T>(), var.data_ptr<T>(), gx.data_ptr<T>(),
                     gw.defined() ? gw.data_ptr<T>() : nullptr, gb.defined() ? gb.data_ptr<T>() : nullptr, x.size(0),
                     x.size(1), x.size(2), eps, use_stats);
  });
}

}  // namespace ember::cpu

// Batch normalisation reference loops, parallel over channels, accumulating in double.
#include <cmath>

#include "backend/cpu/bnorm_kernels.h"
#include "backend/cpu/dispatch.h"
#include "backend/cpu/parallel_for.h"

namespace ember::cpu {

namespace {
// Channels per parallel chunk: threads only pay off with enough elements each.
int64_t channel_grain(int64_t per_channel) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, per_channel)); }
}  // namespace

void batch_norm_forward_ref(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean,
                            Tensor& var, double eps, bool use_stats) {
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2);
  dispatch_floating(x.dtype(), "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    T* mp = mean.data_ptr<T>();
    T* vp = var.data_ptr<T>();
    const T* wp = weight.defined() ? weight.data_ptr<T>() : nullptr;
    const T* bp = bias.defined() ? bias.data_ptr<T>() : nullptr;
    parallel_for(C, channel_grain(N * S), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double m, v;
        if (use_stats) {
          m = mp[c];
          v = vp[c];
        } else {
          double s = 0.0;
          for (int64_t n = 0; n < N; ++n)
            for (int64_t i = 0; i < S; ++i) s += static_cast<double>(xp[(n * C + c) * S + i]);
          m = s / static_cast<double>(N * S);
          double ss = 0.0;
          for (int64_t n = 0; n < N; ++n)
            for (int64_t i = 0; i < S; ++i) {
              const double d = static_cast<double>(xp[(n * C + c) * S + i]) - m;
              ss += d * d;
            }
          v = ss / static_cast<double>(N * S);
          mp[c] = static_cast<T>(m);
          vp[c] = static_cast<T>(v);
        }
        const double invstd = 1.0 / std::sqrt(v + eps);
        const double a = (wp ? static_cast<double>(wp[c]) : 1.0) * invstd;
        const double b = (bp ? static_cast<double>(bp[c]) : 0.0) - m * a;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t i = 0; i < S; ++i) {
            const int64_t k = (n * C + c) * S + i;
            yp[k] = static_cast<T>(static_cast<double>(xp[k]) * a + b);
          }
      }
    });
  });
}

void batch_norm_backward_ref(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean,
                             const Tensor& var, double eps, bool use_stats, Tensor& gx, Tensor& gw, Tensor& gb) {
  const int64_t N = x.size(0), C = x.size(1), S = x.size(2);
  const double count = static_cast<double>(N * S);
  dispatch_floating(x.dtype(), "batch_norm backward", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_ptr<T>();
    const T* gyp = gy.data_ptr<T>();
    const T* mp = mean.data_ptr<T>();
    const T* vp = var.data_ptr<T>();
    const T* wp = weight.defined() ? weight.data_ptr<T>() : nullptr;
    T* gxp = gx.data_ptr<T>();
    T* gwp = gw.defined() ? gw.data_ptr<T>() : nullptr;
    T* gbp = gb.defined() ? gb.data_ptr<T>() : nullptr;
    parallel_for(C, channel_grain(N * S), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const double m = mp[c], invstd = 1.0 / std::sqrt(static_cast<double>(vp[c]) + eps);
        const double w = wp ? static_cast<double>(wp[c]) : 1.0;
        double sum_gy = 0.0, sum_gy_xhat = 0.0;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t i = 0; i < S; ++i) {
            const int64_t k = (n * C + c) * S + i;
            const double g = static_cast<double>(gyp[k]);
            sum_gy += g;
            sum_gy_xhat += g * (static_cast<double>(xp[k]) - m) * invstd;
          }
        if (gwp) gwp[c] = static_cast<T>(sum_gy_xhat);
        if (gbp) gbp[c] = static_cast<T>(sum_gy);
        for (int64_t n = 0; n < N; ++n)
          for (int64_t i = 0; i < S; ++i) {
            const int64_t k = (n * C + c) * S + i;
            const double g = static_cast<double>(gyp[k]);
            double r;
            if (use_stats) {
              r = g * w * invstd;  // statistics are constants
            } else {
              const double xhat = (static_cast<double>(xp[k]) - m) * invstd;
              r = w * invstd * (g - sum_gy / count - xhat * sum_gy_xhat / count);
            }
            gxp[k] = static_cast<T>(r);
          }
      }
    });
  });
}

}  // namespace ember::cpu

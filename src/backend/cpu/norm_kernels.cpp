// Layer / group normalisation loops: rows in parallel; weight and bias gradients summed
// per thread and then merged.
#include "backend/cpu/norm_kernels.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/parallel_for.h"

namespace ember::cpu {

namespace {
// Rows per parallel chunk: about kGrainSize elements.
int64_t row_grain(const RowNormGeom& g) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, g.D)); }
}  // namespace

void row_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean,
                      Tensor& rstd, const RowNormGeom& g, double eps) {
  dispatch_floating(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_ptr<T>();
    const T* wp = weight.defined() ? weight.data_ptr<T>() : nullptr;
    const T* bp = bias.defined() ? bias.data_ptr<T>() : nullptr;
    T* yp = y.data_ptr<T>();
    T* mp = mean.data_ptr<T>();
    T* rp = rstd.data_ptr<T>();
    const int64_t D = g.D, S = g.S, Cg = g.D / g.S;
    parallel_for(g.R, row_grain(g), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xp + r * D;
        double s = 0.0;
        for (int64_t d = 0; d < D; ++d) s += static_cast<double>(xr[d]);
        const double m = s / static_cast<double>(D);
        double ss = 0.0;
        for (int64_t d = 0; d < D; ++d) {
          const double v = static_cast<double>(xr[d]) - m;
          ss += v * v;
        }
        const double inv = 1.0 / std::sqrt(ss / static_cast<double>(D) + eps);
        mp[r] = static_cast<T>(m);
        rp[r] = static_cast<T>(inv);
        T* yr = yp + r * D;
        const int64_t c0 = (r % g.G) * Cg;
        for (int64_t d = 0; d < D; ++d) {
          const int64_t c = c0 + d / S;
          const double xh = (static_cast<double>(xr[d]) - m) * inv;
          yr[d] = static_cast<T>(xh * (wp ? static_cast<double>(wp[c]) : 1.0) + (bp ? static_cast<double>(bp[c]) : 0.0));
        }
      }
    });
  });
}

void row_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& rstd,
                       const RowNormGeom& g, Tensor& gx, Tensor& gw, Tensor& gb) {
  dispatch_floating(x.dtype(), "layer_norm backward", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_ptr<T>();
    const T* gyp = gy.data_ptr<T>();
    const T* wp = weight.defined() ? weight.data_ptr<T>() : nullptr;
    const T* mp = mean.data_ptr<T>();
    const T* rp = rstd.data_ptr<T>();
    T* gxp = gx.data_ptr<T>();
    const int64_t D = g.D, S = g.S, Cg = g.D / g.S, Cn = g.channels();
    const bool want_wb = gw.defined() || gb.defined();
    // per-chunk partial sums of gw, gb (merged in row order, so the result does not depend on timing)
    std::vector<std::pair<int64_t, std::vector<double>>> partial;
    std::mutex mu;
    parallel_for(g.R, row_grain(g), [&](int64_t r0, int64_t r1) {
      std::vector<double> acc(want_wb ? 2 * Cn : 0, 0.0);
      double* lw = acc.data();
      double* lb = acc.data() + Cn;
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = xp + r * D;
        const T* gr = gyp + r * D;
        const double m = mp[r], inv = rp[r];
        const int64_t c0 = (r % g.G) * Cg;
        // gxhat = gy * w; gx = inv * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))
        double a = 0.0, b = 0.0;
        for (int64_t d = 0; d < D; ++d) {
          const int64_t c = c0 + d / S;
          const double xh = (static_cast<double>(xr[d]) - m) * inv, gyv = static_cast<double>(gr[d]);
          const double gxh = gyv * (wp ? static_cast<double>(wp[c]) : 1.0);
          a += gxh;
          b += gxh * xh;
          if (want_wb) {
            lw[c] += gyv * xh;
            lb[c] += gyv;
          }
        }
        a /= static_cast<double>(D);
        b /= static_cast<double>(D);
        T* gxr = gxp + r * D;
        for (int64_t d = 0; d < D; ++d) {
          const int64_t c = c0 + d / S;
          const double xh = (static_cast<double>(xr[d]) - m) * inv;
          const double gxh = static_cast<double>(gr[d]) * (wp ? static_cast<double>(wp[c]) : 1.0);
          gxr[d] = static_cast<T>(inv * (gxh - a - xh * b));
        }
      }
      if (want_wb) {
        std::lock_guard<std::mutex> lock(mu);
        partial.emplace_back(r0, std::move(acc));
      }
    });
    std::sort(partial.begin(), partial.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<double> gw_acc(Cn, 0.0), gb_acc(Cn, 0.0);
    for (auto& [r0, acc] : partial)
      for (int64_t c = 0; c < Cn; ++c) {
        gw_acc[c] += acc[c];
        gb_acc[c] += acc[Cn + c];
      }
    if (gw.defined()) {
      T* p = gw.data_ptr<T>();
      for (int64_t c = 0; c < Cn; ++c) p[c] = static_cast<T>(gw_acc[c]);
    }
    if (gb.defined()) {
      T* p = gb.data_ptr<T>();
      for (int64_t c = 0; c < Cn; ++c) p[c] = static_cast<T>(gb_acc[c]);
    }
  });
}

}  // namespace ember::cpu

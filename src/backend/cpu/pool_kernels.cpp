// Max, average and adaptive average 2-D pooling loops, parallel over planes.
#include "backend/cpu/pool_kernels.h"

#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/parallel_for.h"

namespace ember::cpu {

namespace {

// Planes per parallel chunk: enough work per thread for small images.
int64_t plane_grain(const PoolGeom& g) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, g.H * g.W)); }

// PyTorch's average-pool window: [h0,h1) x [w0,w1) clamped to the input, and the divisor.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  double divisor;
};
AvgWindow avg_window(const PoolGeom& g, int64_t oh, int64_t ow, bool count_include_pad, int64_t divisor_override) {
  int64_t h0 = oh * g.stride[0] - g.pad[0], w0 = ow * g.stride[1] - g.pad[1];
  int64_t h1 = std::min(h0 + g.KH, g.H + g.pad[0]), w1 = std::min(w0 + g.KW, g.W + g.pad[1]);
  const int64_t pool_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, g.H);
  w1 = std::min(w1, g.W);
  double div = divisor_override > 0 ? static_cast<double>(divisor_override)
               : count_include_pad ? static_cast<double>(pool_size)
                                   : static_cast<double>((h1 - h0) * (w1 - w0));
  return {h0, h1, w0, w1, div};
}

inline int64_t start_index(int64_t a, int64_t b, int64_t c) { return (a * c) / b; }
inline int64_t end_index(int64_t a, int64_t b, int64_t c) { return ((a + 1) * c + b - 1) / b; }

}  // namespace

void max_pool2d_forward(const Tensor& x, Tensor& y, Tensor& idx, const PoolGeom& g) {
  dispatch_floating(x.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    int64_t* ip = idx.data_ptr<int64_t>();
    parallel_for(g.P, plane_grain(g), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const T* xplane = xp + p * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            int64_t h0 = oh * g.stride[0] - g.pad[0], w0 = ow * g.stride[1] - g.pad[1];
            const int64_t h1 = std::min(h0 + (g.KH - 1) * g.dil[0] + 1, g.H);
            const int64_t w1 = std::min(w0 + (g.KW - 1) * g.dil[1] + 1, g.W);
            while (h0 < 0) h0 += g.dil[0];
            while (w0 < 0) w0 += g.dil[1];
            int64_t best = h0 * g.W + w0;
            T bestv = -std::numeric_limits<T>::infinity();
            for (int64_t ih = h0; ih < h1; ih += g.dil[0])
              for (int64_t iw = w0; iw < w1; iw += g.dil[1]) {
                const int64_t i = ih * g.W + iw;
                const T v = xplane[i];
                if (v > bestv || std::isnan(v)) {
                  bestv = v;
                  best = i;
                }
              }
            const int64_t o = (p * g.OH + oh) * g.OW + ow;
            yp[o] = bestv;
            ip[o] = best;
          }
      }
    });
  });
}

void max_pool2d_backward(const Tensor& gy, const Tensor& idx, Tensor& gx, const PoolGeom& g) {
  dispatch_floating(gy.dtype(), "max_pool2d backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gyp = gy.data_ptr<T>();
    const int64_t* ip = idx.data_ptr<int64_t>();
    T* gxp = gx.data_ptr<T>();
    parallel_for(g.P, plane_grain(g), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        T* gplane = gxp + p * g.H * g.W;
        std::fill(gplane, gplane + g.H * g.W, T(0));
        for (int64_t o = p * g.OH * g.OW; o < (p + 1) * g.OH * g.OW; ++o) gplane[ip[o]] += gyp[o];
      }
    });
  });
}

void avg_pool2d_forward(const Tensor& x, Tensor& y, const PoolGeom& g, bool count_include_pad,
                        int64_t divisor_override) {
  dispatch_floating(x.dtype(), "avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    parallel_for(g.P, plane_grain(g), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const T* xplane = xp + p * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const AvgWindow win = avg_window(g, oh, ow, count_include_pad, divisor_override);
            const int64_t o = (p * g.OH + oh) * g.OW + ow;
            if (win.h0 >= win.h1 || win.w0 >= win.w1) {
              yp[o] = T(0);
              continue;
            }
            double s = 0.0;
            for (int64_t ih = win.h0; ih < win.h1; ++ih)
              for (int64_t iw = win.w0; iw < win.w1; ++iw) s += static_cast<double>(xplane[ih * g.W + iw]);
            yp[o] = static_cast<T>(s / win.divisor);
          }
      }
    });
  });
}

void avg_pool2d_backward(const Tensor& gy, Tensor& gx, const PoolGeom& g, bool count_include_pad,
                         int64_t divisor_override) {
  dispatch_floating(gy.dtype(), "avg_pool2d backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gyp = gy.data_ptr<T>();
    T* gxp = gx.data_ptr<T>();
    parallel_for(g.P, plane_grain(g), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        T* gplane = gxp + p * g.H * g.W;
        std::fill(gplane, gplane + g.H * g.W, T(0));
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const AvgWindow win = avg_window(g, oh, ow, count_include_pad, divisor_override);
            if (win.h0 >= win.h1 || win.w0 >= win.w1) continue;
            const T v = static_cast<T>(static_cast<double>(gyp[(p * g.OH + oh) * g.OW + ow]) / win.divisor);
            for (int64_t ih = win.h0; ih < win.h1; ++ih)
              for (int64_t iw = win.w0; iw < win.w1; ++iw) gplane[ih * g.W + iw] += v;
          }
      }
    });
  });
}

void adaptive_avg_pool2d_forward(const Tensor& x, Tensor& y, const PoolGeom& g) {
  dispatch_floating(x.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    parallel_for(g.P, plane_grain(g), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const T* xplane = xp + p * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const int64_t h0 = start_index(oh, g.OH, g.H), h1 = end_index(oh, g.OH, g.H);
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t w0 = start_index(ow, g.OW, g.W), w1 = end_index(ow, g.OW, g.W);
            double s = 0.0;
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) s += static_cast<double>(xplane[ih * g.W + iw]);
            yp[(p * g.OH + oh) * g.OW + ow] = static_cast<T>(s / static_cast<double>((h1 - h0) * (w1 - w0)));
          }
        }
      }
    });
  });
}

void adaptive_avg_pool2d_backward(const Tensor& gy, Tensor& gx, const PoolGeom& g) {
  dispatch_floating(gy.dtype(), "adaptive_avg_pool2d backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gyp = gy.data_ptr<T>();
    T* gxp = gx.data_ptr<T>();
    parallel_for(g.P, plane_grain(g), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        T* gplane = gxp + p * g.H * g.W;
        std::fill(gplane, gplane + g.H * g.W, T(0));
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const int64_t h0 = start_index(oh, g.OH, g.H), h1 = end_index(oh, g.OH, g.H);
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t w0 = start_index(ow, g.OW, g.W), w1 = end_index(ow, g.OW, g.W);
            const T v = static_cast<T>(static_cast<double>(gyp[(p * g.OH + oh) * g.OW + ow]) /
                                       static_cast<double>((h1 - h0) * (w1 - w0)));
            for (int64_t ih = h0; ih < h1; ++ih)
              for (int64_t iw = w0; iw < w1; ++iw) gplane[ih * g.W + iw] += v;
          }
        }
      }
    });
  });
}

}  // namespace ember::cpu

// Direct-loop 2-D convolution (forward, backward data, backward weights) for any floating
// dtype. Correctness over speed: used for float64 (finite-difference tests) and as the
// reference the oneDNN float32 path is tested against.
#include "backend/cpu/conv_kernels.h"

#include <sstream>
#include <vector>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/parallel_for.h"

namespace ember::cpu {

std::string ConvGeom::key() const {
  std::ostringstream os;
  os << N << ',' << C << ',' << H << ',' << W << ',' << O << ',' << KH << ',' << KW << ',' << OH << ',' << OW;
  for (int i = 0; i < 2; ++i) os << ';' << stride[i] << ',' << pad_l[i] << ',' << pad_r[i] << ',' << dil[i];
  os << ";g" << groups;
  return os.str();
}

namespace {

// Work items per parallel chunk when each item costs `cost` multiply-adds.
int64_t grain_for(int64_t cost) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, cost)); }

template <class T>
void forward_impl(const T* x, const T* w, const T* b, T* y, const ConvGeom& g) {
  const int64_t cg = g.C / g.groups, og = g.O / g.groups;
  parallel_for(g.N * g.O, grain_for(g.OH * g.OW * (g.C / g.groups) * g.KH * g.KW), [&](int64_t begin, int64_t end) {
    for (int64_t no = begin; no < end; ++no) {
      const int64_t n = no / g.O, o = no % g.O, grp = o / og;
      T* yp = y + no * g.OH * g.OW;
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          double acc = b ? static_cast<double>(b[o]) : 0.0;
          for (int64_t c = 0; c < cg; ++c) {
            const T* xp = x + ((n * g.C) + grp * cg + c) * g.H * g.W;
            const T* wp = w + (o * cg + c) * g.KH * g.KW;
            for (int64_t kh = 0; kh < g.KH; ++kh) {
              const int64_t ih = oh * g.stride[0] - g.pad_l[0] + kh * g.dil[0];
              if (ih < 0 || ih >= g.H) continue;
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t iw = ow * g.stride[1] - g.pad_l[1] + kw * g.dil[1];
                if (iw < 0 || iw >= g.W) continue;
                acc += static_cast<double>(xp[ih * g.W + iw]) * static_cast<double>(wp[kh * g.KW + kw]);
              }
            }
          }
          yp[oh * g.OW + ow] = static_cast<T>(acc);
        }
    }
  });
}

template <class T>
void backward_data_impl(const T* gy, const T* w, T* gx, const ConvGeom& g) {
  const int64_t cg = g.C / g.groups, og = g.O / g.groups;
  parallel_for(g.N * g.C, grain_for(g.OH * g.OW * (g.O / g.groups) * g.KH * g.KW), [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const int64_t n = nc / g.C, ch = nc % g.C, grp = ch / cg, c = ch % cg;
      std::vector<double> acc(g.H * g.W, 0.0);
      for (int64_t oo = 0; oo < og; ++oo) {
        const int64_t o = grp * og + oo;
        const T* gyp = gy + (n * g.O + o) * g.OH * g.OW;
        const T* wp = w + (o * cg + c) * g.KH * g.KW;
        for (int64_t oh = 0; oh < g.OH; ++oh)
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const double gv = static_cast<double>(gyp[oh * g.OW + ow]);
            for (int64_t kh = 0; kh < g.KH; ++kh) {
              const int64_t ih = oh * g.stride[0] - g.pad_l[0] + kh * g.dil[0];
              if (ih < 0 || ih >= g.H) continue;
              for (int64_t kw = 0; kw < g.KW; ++kw) {
                const int64_t iw = ow * g.stride[1] - g.pad_l[1] + kw * g.dil[1];
                if (iw < 0 || iw >= g.W) continue;
                acc[ih * g.W + iw] += gv * static_cast<double>(wp[kh * g.KW + kw]);
              }
            }
          }
      }
      T* gxp = gx + nc * g.H * g.W;
      for (int64_t i = 0; i < g.H * g.W; ++i) gxp[i] = static_cast<T>(acc[i]);
    }
  });
}

template <class T>
void backward_weights_impl(const T* gy, const T* x, T* gw, T* gb, const ConvGeom& g) {
  const int64_t cg = g.C / g.groups, og = g.O / g.groups;
  parallel_for(g.O, grain_for(g.N * g.OH * g.OW * (g.C / g.groups) * g.KH * g.KW), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const int64_t grp = o / og;
      if (gb) {
        double s = 0.0;
        for (int64_t n = 0; n < g.N; ++n) {
          const T* gyp = gy + (n * g.O + o) * g.OH * g.OW;
          for (int64_t i = 0; i < g.OH * g.OW; ++i) s += static_cast<double>(gyp[i]);
        }
        gb[o] = static_cast<T>(s);
      }
      for (int64_t c = 0; c < cg; ++c)
        for (int64_t kh = 0; kh < g.KH; ++kh)
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            double acc = 0.0;
            for (int64_t n = 0; n < g.N; ++n) {
              const T* gyp = gy + (n * g.O + o) * g.OH * g.OW;
              const T* xp = x + (n * g.C + grp * cg + c) * g.H * g.W;
              for (int64_t oh = 0; oh < g.OH; ++oh) {
                const int64_t ih = oh * g.stride[0] - g.pad_l[0] + kh * g.dil[0];
                if (ih < 0 || ih >= g.H) continue;
                for (int64_t ow = 0; ow < g.OW; ++ow) {
                  const int64_t iw = ow * g.stride[1] - g.pad_l[1] + kw * g.dil[1];
                  if (iw < 0 || iw >= g.W) continue;
                  acc += static_cast<double>(gyp[oh * g.OW + ow]) * static_cast<double>(xp[ih * g.W + iw]);
                }
              }
            }
            gw[((o * cg + c) * g.KH + kh) * g.KW + kw] = static_cast<T>(acc);
          }
    }
  });
}

}  // namespace

void conv2d_forward_ref(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y, const ConvGeom& g) {
  dispatch_floating(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    forward_impl<T>(x.data_ptr<T>(), w.data_ptr<T>(), b.defined() ? b.data_ptr<T>() : nullptr, y.data_ptr<T>(), g);
  });
}

void conv2d_backward_data_ref(const Tensor& gy, const Tensor& w, Tensor& gx, const ConvGeom& g) {
  dispatch_floating(gy.dtype(), "conv2d backward", [&](auto tag) {
    using T = decltype(tag);
    backward_data_impl<T>(gy.data_ptr<T>(), w.data_ptr<T>(), gx.data_ptr<T>(), g);
  });
}

void conv2d_backward_weights_ref(const Tensor& gy, const Tensor& x, Tensor& gw, Tensor& gb, const ConvGeom& g) {
  dispatch_floating(gy.dtype(), "conv2d backward", [&](auto tag) {
    using T = decltype(tag);
    backward_weights_impl<T>(gy.data_ptr<T>(), x.data_ptr<T>(), gw.data_ptr<T>(),
                             gb.defined() ? gb.data_ptr<T>() : nullptr, g);
  });
}

}  // namespace ember::cpu

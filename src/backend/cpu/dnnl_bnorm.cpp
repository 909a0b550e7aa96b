// Batch normalisation on oneDNN (float32), primitives cached by (N,C,S, flags, eps).
// x is viewed as (N,C,S,1) NCHW. Other dtypes go to the reference loops (bnorm_ref.cpp).
#include <sstream>

#include "backend/cpu/bnorm_kernels.h"
#include "backend/cpu/dnnl_context.h"
#include "tensor/make.h"

namespace ember::cpu {

namespace {

using dnnl::memory;
using flags = dnnl::normalization_flags;

struct BnFwdEntry {
  memory::desc data, stat;
  dnnl::batch_normalization_forward::primitive_desc pd;
  dnnl::batch_normalization_forward prim;
};

struct BnBwdEntry {
  memory::desc data, stat;
  dnnl::batch_normalization_backward::primitive_desc pd;
  dnnl::batch_normalization_backward prim;
};

flags make_flags(bool scale, bool shift, bool use_stats) {
  flags f = flags::none;
  if (scale) f = f | flags::use_scale;
  if (shift) f = f | flags::use_shift;
  if (use_stats) f = f | flags::use_global_stats;
  return f;
}

std::string bn_key(const Tensor& x, bool scale, bool shift, bool use_stats, double eps) {
  std::ostringstream os;
  os.precision(17);
  os << x.size(0) << ',' << x.size(1) << ',' << x.size(2) << ';' << scale << shift << use_stats << ';' << eps;
  return os.str();
}

dnnl::batch_normalization_forward::primitive_desc make_fwd_pd(const memory::desc& data, double eps, flags f) {
  dnnl::batch_normalization_forward::desc d(dnnl::prop_kind::forward_training, data, static_cast<float>(eps), f);
  return dnnl::batch_normalization_forward::primitive_desc(d, dnnl_user_scratchpad_attr(), dnnl_engine());
}

std::shared_ptr<BnFwdEntry> get_fwd(const Tensor& x, bool scale, bool shift, bool use_stats, double eps) {
  static PrimitiveCache<BnFwdEntry> cache;
  return cache.get("fwd" + bn_key(x, scale, shift, use_stats, eps), [&] {
    auto e = std::make_shared<BnFwdEntry>();
    e->data = plain_f32_md({x.size(0), x.size(1), x.size(2), 1});
    e->stat = plain_f32_md({x.size(1)});
    e->pd = make_fwd_pd(e->data, eps, make_flags(scale, shift, use_stats));
    e->prim = dnnl::batch_normalization_forward(e->pd);
    return e;
  });
}

memory wrap(const memory::desc& md, const Tensor& t) { return memory(md, dnnl_engine(), t.raw_data()); }

}  // namespace

void batch_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y, Tensor& mean, Tensor& var,
                        double eps, bool use_stats) {
  if (x.dtype() != kFloat32 || x.numel() == 0)
    return batch_norm_forward_ref(x, weight, bias, y, mean, var, eps, use_stats);
  auto e = get_fwd(x, weight.defined(), bias.defined(), use_stats, eps);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(e->data, x)},
                                       {DNNL_ARG_DST, wrap(e->data, y)},
                                       {DNNL_ARG_MEAN, wrap(e->stat, mean)},
                                       {DNNL_ARG_VARIANCE, wrap(e->stat, var)}};
  if (weight.defined()) args.emplace(DNNL_ARG_SCALE, wrap(e->stat, weight));
  if (bias.defined()) args.emplace(DNNL_ARG_SHIFT, wrap(e->stat, bias));
  dnnl_execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
}

void batch_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& mean, const Tensor& var,
                         double eps, bool use_stats, Tensor& gx, Tensor& gw, Tensor& gb) {
  if (x.dtype() != kFloat32 || x.numel() == 0)
    return batch_norm_backward_ref(gy, x, weight, mean, var, eps, use_stats, gx, gw, gb);
  const bool scale = weight.defined(), shift = gb.defined();
  EMBER_CHECK(gw.defined() == scale, "batch_norm backward: gw must be given exactly when weight is");
  static PrimitiveCache<BnBwdEntry> cache;
  auto e = cache.get("bwd" + bn_key(x, scale, shift, use_stats, eps), [&] {
    auto fwd = get_fwd(x, scale, shift, use_stats, eps);
    auto e = std::make_shared<BnBwdEntry>();
    e->data = fwd->data;
    e->stat = fwd->stat;
    const auto pk = scale || shift ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data;
    dnnl::batch_normalization_backward::desc d(pk, e->data, e->data, static_cast<float>(eps),
                                               make_flags(scale, shift, use_stats));
    e->pd = dnnl::batch_normalization_backward::primitive_desc(d, dnnl_user_scratchpad_attr(), dnnl_engine(), fwd->pd);
    e->prim = dnnl::batch_normalization_backward(e->pd);
    return e;
  });
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(e->data, x)},
                                       {DNNL_ARG_DIFF_DST, wrap(e->data, gy)},
                                       {DNNL_ARG_MEAN, wrap(e->stat, mean)},
                                       {DNNL_ARG_VARIANCE, wrap(e->stat, var)},
                                       {DNNL_ARG_DIFF_SRC, wrap(e->data, gx)}};
  if (scale) {
    args.emplace(DNNL_ARG_SCALE, wrap(e->stat, weight));
    args.emplace(DNNL_ARG_DIFF_SCALE, wrap(e->stat, gw));
  }
  Tensor unused_shift;  // oneDNN's backward takes the shift as an argument though the result does not depend on it
  if (shift) {
    unused_shift = make_empty({x.size(1)}, kFloat32);
    args.emplace(DNNL_ARG_SHIFT, wrap(e->stat, unused_shift));
    args.emplace(DNNL_ARG_DIFF_SHIFT, wrap(e->stat, gb));
  }
  dnnl_execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
}

}  // namespace ember::cpu

// 2-D convolution on oneDNN (float32): forward, backward data, backward weights.
// Each primitive is built once per geometry (cached by ConvGeom::key()) with
// format_tag::any, so oneDNN picks its fastest blocked layouts; plain NCHW/OIHW tensors
// are reordered at the edges. float64 goes to the reference loops (conv_ref.cpp).
#include <optional>

#include "backend/cpu/conv_kernels.h"
#include "backend/cpu/dnnl_context.h"

namespace ember::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct ConvMds {
  memory::desc src, wei, dst, bias;             // plain
  memory::desc src_any, wei_any, dst_any;       // format any
  memory::dims strides, dilates, pad_l, pad_r;
};

ConvMds make_mds(const ConvGeom& g, bool with_bias) {
  ConvMds m;
  memory::dims src{g.N, g.C, g.H, g.W}, dst{g.N, g.O, g.OH, g.OW};
  memory::dims wei = g.groups > 1 ? memory::dims{g.groups, g.O / g.groups, g.C / g.groups, g.KH, g.KW}
                                  : memory::dims{g.O, g.C, g.KH, g.KW};
  m.src = plain_f32_md(src);
  m.dst = plain_f32_md(dst);
  m.wei = plain_f32_md(wei);
  m.bias = with_bias ? plain_f32_md({g.O}) : memory::desc();
  m.src_any = memory::desc(src, dt::f32, tag::any);
  m.dst_any = memory::desc(dst, dt::f32, tag::any);
  m.wei_any = memory::desc(wei, dt::f32, tag::any);
  m.strides = {g.stride[0], g.stride[1]};
  m.dilates = {g.dil[0] - 1, g.dil[1] - 1};
  m.pad_l = {g.pad_l[0], g.pad_l[1]};
  m.pad_r = {g.pad_r[0], g.pad_r[1]};
  return m;
}

struct FwdEntry {
  ConvMds mds;
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
  Relayout src_in, wei_in, dst_out;
};

struct BwdDataEntry {
  ConvMds mds;
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
  Relayout dy_in, wei_in, dx_out;
};

struct BwdWeightsEntry {
  ConvMds mds;
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  Relayout x_in, dy_in, dw_out;
};

PrimitiveCache<FwdEntry>& fwd_cache() {
  static PrimitiveCache<FwdEntry> c;
  return c;
}
PrimitiveCache<BwdDataEntry>& bwd_data_cache() {
  static PrimitiveCache<BwdDataEntry> c;
  return c;
}
PrimitiveCache<BwdWeightsEntry>& bwd_weights_cache() {
  static PrimitiveCache<BwdWeightsEntry> c;
  return c;
}

dnnl::convolution_forward::primitive_desc make_fwd_pd(const ConvMds& m, bool with_bias) {
  dnnl::convolution_forward::desc d =
      with_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                  m.src_any, m.wei_any, m.bias, m.dst_any, m.strides, m.dilates,
                                                  m.pad_l, m.pad_r)
                : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                  m.src_any, m.wei_any, m.dst_any, m.strides, m.dilates, m.pad_l,
                                                  m.pad_r);
  return dnnl::convolution_forward::primitive_desc(d, dnnl_user_scratchpad_attr(), dnnl_engine());
}

std::shared_ptr<FwdEntry> get_fwd(const ConvGeom& g, bool with_bias) {
  return fwd_cache().get(g.key() + (with_bias ? "+b" : ""), [&] {
    auto e = std::make_shared<FwdEntry>();
    e->mds = make_mds(g, with_bias);
    e->pd = make_fwd_pd(e->mds, with_bias);
    e->prim = dnnl::convolution_forward(e->pd);
    e->src_in = Relayout(e->mds.src, e->pd.src_desc());
    e->wei_in = Relayout(e->mds.wei, e->pd.weights_desc());
    e->dst_out = Relayout(e->pd.dst_desc(), e->mds.dst);
    return e;
  });
}

memory wrap(const memory::desc& md, const Tensor& t) { return memory(md, dnnl_engine(), t.raw_data()); }

// Memory for a primitive output: the tensor itself when layouts agree, else a scratch buffer.
memory out_mem(const Relayout& r, const memory::desc& prim_md, const memory::desc& plain, Tensor& t) {
  return r.needed() ? memory(prim_md, dnnl_engine()) : wrap(plain, t);
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y, const ConvGeom& g) {
  if (x.dtype() != kFloat32) return conv2d_forward_ref(x, w, b, y, g);
  auto e = get_fwd(g, b.defined());
  memory src = e->src_in.run(wrap(e->mds.src, x));
  memory wei = e->wei_in.run(wrap(e->mds.wei, w));
  memory dst = out_mem(e->dst_out, e->pd.dst_desc(), e->mds.dst, y);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
  if (b.defined()) args.emplace(DNNL_ARG_BIAS, wrap(e->mds.bias, b));
  dnnl_execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
  if (e->dst_out.needed()) e->dst_out.run_into(dst, wrap(e->mds.dst, y));
}

void conv2d_backward_data(const Tensor& gy, const Tensor& w, Tensor& gx, const ConvGeom& g) {
  if (gy.dtype() != kFloat32) return conv2d_backward_data_ref(gy, w, gx, g);
  auto e = bwd_data_cache().get(g.key(), [&] {
    auto fwd = get_fwd(g, false);
    auto e = std::make_shared<BwdDataEntry>();
    e->mds = fwd->mds;
    const ConvMds& m = e->mds;
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, m.src_any, m.wei_any, m.dst_any,
                                            m.strides, m.dilates, m.pad_l, m.pad_r);
    e->pd = dnnl::convolution_backward_data::primitive_desc(d, dnnl_user_scratchpad_attr(), dnnl_engine(), fwd->pd);
    e->prim = dnnl::convolution_backward_data(e->pd);
    e->dy_in = Relayout(m.dst, e->pd.diff_dst_desc());
    e->wei_in = Relayout(m.wei, e->pd.weights_desc());
    e->dx_out = Relayout(e->pd.diff_src_desc(), m.src);
    return e;
  });
  memory dy = e->dy_in.run(wrap(e->mds.dst, gy));
  memory wei = e->wei_in.run(wrap(e->mds.wei, w));
  memory dx = out_mem(e->dx_out, e->pd.diff_src_desc(), e->mds.src, gx);
  dnnl_execute(e->prim, e->pd.scratchpad_desc(),
               {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DIFF_SRC, dx}});
  if (e->dx_out.needed()) e->dx_out.run_into(dx, wrap(e->mds.src, gx));
}

void conv2d_backward_weights(const Tensor& gy, const Tensor& x, Tensor& gw, Tensor& gb, const ConvGeom& g) {
  if (gy.dtype() != kFloat32) return conv2d_backward_weights_ref(gy, x, gw, gb, g);
  const bool with_bias = gb.defined();
  auto e = bwd_weights_cache().get(g.key() + (with_bias ? "+b" : ""), [&] {
    auto fwd = get_fwd(g, with_bias);
    auto e = std::make_shared<BwdWeightsEntry>();
    e->mds = fwd->mds;
    const ConvMds& m = e->mds;
    auto d = with_bias ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, m.src_any,
                                                                   m.wei_any, m.bias, m.dst_any, m.strides, m.dilates,
                                                                   m.pad_l, m.pad_r)
                       : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, m.src_any,
                                                                   m.wei_any, m.dst_any, m.strides, m.dilates, m.pad_l,
                                                                   m.pad_r);
    e->pd = dnnl::convolution_backward_weights::primitive_desc(d, dnnl_user_scratchpad_attr(), dnnl_engine(), fwd->pd);
    e->prim = dnnl::convolution_backward_weights(e->pd);
    e->x_in = Relayout(m.src, e->pd.src_desc());
    e->dy_in = Relayout(m.dst, e->pd.diff_dst_desc());
    e->dw_out = Relayout(e->pd.diff_weights_desc(), m.wei);
    return e;
  });
  memory src = e->x_in.run(wrap(e->mds.src, x));
  memory dy = e->dy_in.run(wrap(e->mds.dst, gy));
  memory dw = out_mem(e->dw_out, e->pd.diff_weights_desc(), e->mds.wei, gw);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw}};
  if (with_bias) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(e->mds.bias, gb));
  dnnl_execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
  if (e->dw_out.needed()) e->dw_out.run_into(dw, wrap(e->mds.wei, gw));
}

}  // namespace ember::cpu

// 2-D convolution on oneDNN (float32): forward, backward data, backward weights.
// Each primitive is built once per geometry (cached by ConvGeom::key()) with format_tag::any,
// so oneDNN picks its fastest blocked layouts; plain NCHW/OIHW tensors are reordered at the
// edges. A training step reorders each tensor once: the forward keeps its blocked copy of x
// for the weights pass, and the backward reorders gy once for both passes. float64 goes to the
// reference loops (conv_ref.cpp). Temporaries (blocked copies, scratchpads) live in per-thread
// scratch buffers (scratch.h), so a training loop does not fault in fresh pages every step.
#include <optional>

#include "backend/cpu/conv_kernels.h"
#include "backend/cpu/dnnl_context.h"
#include "backend/cpu/scratch.h"
#include "tensor/make.h"

namespace ember::cpu {

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

struct ConvMds {
  memory::desc src, wei, dst, bias;        // plain
  memory::desc src_any, wei_any, dst_any;  // format any
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
  memory::desc fwd_src;  // the layout the forward read x in (src_keep's layout)
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
  Relayout x_in, dy_in, dw_out;
};

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
  static PrimitiveCache<FwdEntry> cache;
  return cache.get(g.key() + (with_bias ? "+b" : ""), [&] {
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

std::shared_ptr<BwdDataEntry> get_bwd_data(const ConvGeom& g) {
  static PrimitiveCache<BwdDataEntry> cache;
  return cache.get(g.key(), [&] {
    auto fwd = get_fwd(g, false);
    auto e = std::make_shared<BwdDataEntry>();
    e->mds = fwd->mds;
    const ConvMds& m = e->mds;
    // With few input channels per group, oneDNN's blocked kernels pad them to 16 and do up to
    // 16x the work; its gemm kernel on a plain gx is 2-4x faster there (measured for C = 1, 3).
    const memory::desc& dx_md = g.C / g.groups <= 4 ? m.src : m.src_any;
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, dx_md, m.wei_any, m.dst_any,
                                            m.strides, m.dilates, m.pad_l, m.pad_r);
    e->pd = dnnl::convolution_backward_data::primitive_desc(d, dnnl_user_scratchpad_attr(), dnnl_engine(), fwd->pd);
    e->prim = dnnl::convolution_backward_data(e->pd);
    e->dy_in = Relayout(m.dst, e->pd.diff_dst_desc());
    e->wei_in = Relayout(m.wei, e->pd.weights_desc());
    e->dx_out = Relayout(e->pd.diff_src_desc(), m.src);
    return e;
  });
}

std::shared_ptr<BwdWeightsEntry> get_bwd_weights(const ConvGeom& g, bool with_bias) {
  static PrimitiveCache<BwdWeightsEntry> cache;
  return cache.get(g.key() + (with_bias ? "+b" : ""), [&] {
    auto fwd = get_fwd(g, with_bias);
    auto e = std::make_shared<BwdWeightsEntry>();
    e->mds = fwd->mds;
    e->fwd_src = fwd->pd.src_desc();
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
}

memory wrap(const memory::desc& md, const Tensor& t) { return memory(md, dnnl_engine(), t.raw_data()); }

// Scratch slots (scratch.h) of one call's temporaries.
enum ScratchSlot { kSrcSlot, kDstSlot, kWeiSlot, kDySlot, kDy2Slot, kDwSlot, kPadSlot };

memory scratch_mem(const memory::desc& md, int slot) {
  return memory(md, dnnl_engine(), scratch_buffer(slot, md.get_size()));
}

// `m` in the layout `r` leads to: m itself, or a copy in scratch `slot`.
memory relayout(const Relayout& r, const memory& m, int slot) {
  if (!r.needed()) return m;
  memory out = scratch_mem(r.to_desc(), slot);
  r.run_into(m, out);
  return out;
}

// Memory for a primitive output: the tensor itself when layouts agree, else scratch `slot`.
memory out_mem(const Relayout& r, const memory::desc& prim_md, const memory::desc& plain, Tensor& t, int slot) {
  return r.needed() ? scratch_mem(prim_md, slot) : wrap(plain, t);
}

void execute(const dnnl::primitive& prim, const memory::desc& scratchpad, std::unordered_map<int, memory> args) {
  if (scratchpad.get_size() > 0) args.emplace(DNNL_ARG_SCRATCHPAD, scratch_mem(scratchpad, kPadSlot));
  prim.execute(dnnl_stream(), args);
  dnnl_stream().wait();
}

// gy in whatever layouts the backward primitives ask for, each reordered at most once.
class GradOut {
 public:
  GradOut(const memory::desc& plain, const Tensor& gy) : plain_(wrap(plain, gy)) {}
  memory in(const Relayout& r) {
    if (!r.needed()) return plain_;
    if (!have_ || !(last_.get_desc() == r.to_desc())) {
      last_ = relayout(r, plain_, have_ ? kDy2Slot : kDySlot);  // keep the first copy alive
      have_ = true;
    }
    return last_;
  }

 private:
  memory plain_, last_;
  bool have_ = false;
};

void backward_data(const BwdDataEntry& e, GradOut& dy_src, const Tensor& w, Tensor& gx) {
  memory dy = dy_src.in(e.dy_in);
  memory wei = relayout(e.wei_in, wrap(e.mds.wei, w), kWeiSlot);
  memory dx = out_mem(e.dx_out, e.pd.diff_src_desc(), e.mds.src, gx, kDstSlot);
  execute(e.prim, e.pd.scratchpad_desc(), {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DIFF_SRC, dx}});
  if (e.dx_out.needed()) e.dx_out.run_into(dx, wrap(e.mds.src, gx));
}

void backward_weights(const BwdWeightsEntry& e, GradOut& dy_src, const Tensor& x, const Tensor& src_keep, Tensor& gw,
                      Tensor* gb) {
  memory src = src_keep.defined() && e.pd.src_desc() == e.fwd_src ? memory(e.fwd_src, dnnl_engine(), src_keep.raw_data())
                                                                   : relayout(e.x_in, wrap(e.mds.src, x), kSrcSlot);
  memory dy = dy_src.in(e.dy_in);
  memory dw = out_mem(e.dw_out, e.pd.diff_weights_desc(), e.mds.wei, gw, kDwSlot);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw}};
  if (gb) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(e.mds.bias, *gb));
  execute(e.prim, e.pd.scratchpad_desc(), std::move(args));
  if (e.dw_out.needed()) e.dw_out.run_into(dw, wrap(e.mds.wei, gw));
}

}  // namespace

void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y, const ConvGeom& g, Tensor* src_keep) {
  if (x.dtype() != kFloat32) return conv2d_forward_ref(x, w, b, y, g);
  auto e = get_fwd(g, b.defined());
  memory src;
  if (src_keep && e->src_in.needed()) {  // reorder x into a tensor the backward can reuse
    *src_keep = make_empty({static_cast<int64_t>(e->pd.src_desc().get_size())}, kUInt8);
    src = wrap(e->pd.src_desc(), *src_keep);
    e->src_in.run_into(wrap(e->mds.src, x), src);
  } else {
    src = relayout(e->src_in, wrap(e->mds.src, x), kSrcSlot);
  }
  memory wei = relayout(e->wei_in, wrap(e->mds.wei, w), kWeiSlot);
  memory dst = out_mem(e->dst_out, e->pd.dst_desc(), e->mds.dst, y, kDstSlot);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
  if (b.defined()) args.emplace(DNNL_ARG_BIAS, wrap(e->mds.bias, b));
  execute(e->prim, e->pd.scratchpad_desc(), std::move(args));
  if (e->dst_out.needed()) e->dst_out.run_into(dst, wrap(e->mds.dst, y));
}

void conv2d_backward(const Tensor& gy, const Tensor& x, const Tensor& src_keep, const Tensor& w, Tensor* gx,
                     Tensor* gw, Tensor* gb, const ConvGeom& g) {
  if (gy.dtype() != kFloat32) {
    if (gx) conv2d_backward_data_ref(gy, w, *gx, g);
    Tensor no_bias;
    if (gw) conv2d_backward_weights_ref(gy, x, *gw, gb ? *gb : no_bias, g);
    return;
  }
  GradOut dy(plain_f32_md({g.N, g.O, g.OH, g.OW}), gy);
  if (gw) backward_weights(*get_bwd_weights(g, gb != nullptr), dy, x, src_keep, *gw, gb);
  if (gx) backward_data(*get_bwd_data(g), dy, w, *gx);
}

void conv2d_backward_data(const Tensor& gy, const Tensor& w, Tensor& gx, const ConvGeom& g) {
  if (gy.dtype() != kFloat32) return conv2d_backward_data_ref(gy, w, gx, g);
  GradOut dy(plain_f32_md({g.N, g.O, g.OH, g.OW}), gy);
  backward_data(*get_bwd_data(g), dy, w, gx);
}

void conv2d_backward_weights(const Tensor& gy, const Tensor& x, Tensor& gw, Tensor& gb, const ConvGeom& g) {
  if (gy.dtype() != kFloat32) return conv2d_backward_weights_ref(gy, x, gw, gb, g);
  GradOut dy(plain_f32_md({g.N, g.O, g.OH, g.OW}), gy);
  backward_weights(*get_bwd_weights(g, gb.defined()), dy, x, Tensor(), gw, gb.defined() ? &gb : nullptr);
}

}  // namespace ember::cpu

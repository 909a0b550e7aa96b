// Training blocks conv -> batch norm (batch statistics) -> ReLU -> [max pool] on oneDNN: the
// layers exchange blocked tensors, the ReLU is fused into the batch norm (a bit mask keeps its
// gradient), and only the block's input, output and their gradients are plain NCHW.
#include <sstream>

#include "backend/cpu/conv_block_kernels.h"
#include "backend/cpu/dnnl_block_util.h"

namespace ember::cpu {

namespace {

using namespace block;  // memory, dt, tag, wrap, buffer_for

struct TrainPrims {
  memory::desc x_plain, w_plain, y_plain, stat_md, bias_md;
  // forward
  dnnl::convolution_forward::primitive_desc conv_pd;
  dnnl::convolution_forward conv;
  Relayout src_in, wei_in;
  dnnl::batch_normalization_forward::primitive_desc bn_pd;
  dnnl::batch_normalization_forward bn;
  dnnl::pooling_v2_forward::primitive_desc pool_pd;
  dnnl::pooling_v2_forward pool;
  memory::desc out_md;  // the block's output layout (pool dst or batch-norm dst)
  Relayout out_plain;   // -> plain y
  // backward
  Relayout gy_in;  // plain gy -> out_md
  dnnl::pooling_v2_backward::primitive_desc pool_bwd_pd;
  dnnl::pooling_v2_backward pool_bwd;
  dnnl::batch_normalization_backward::primitive_desc bn_bwd_pd;
  dnnl::batch_normalization_backward bn_bwd;
  dnnl::convolution_backward_weights::primitive_desc bww_pd;
  dnnl::convolution_backward_weights bww;
  Relayout bww_src_in, bww_dy_in, dw_out;
  dnnl::convolution_backward_data::primitive_desc bwd_pd;
  dnnl::convolution_backward_data bwd;
  Relayout bwd_dy_in, bwd_wei_in, dx_out;
};

std::shared_ptr<TrainPrims> get_prims(const ConvBlockGeom& g, int64_t N, bool affine, bool has_bias, double eps) {
  static PrimitiveCache<TrainPrims> cache;
  std::ostringstream key;
  key << N << (affine ? 'a' : '-') << (has_bias ? 'b' : '-') << eps << '|' << g.key();
  return cache.get(key.str(), [&] {
    auto p = std::make_shared<TrainPrims>();
    const memory::dims x{N, g.C, g.H, g.W}, w{g.O, g.C, g.KH, g.KW}, c{N, g.O, g.OH, g.OW};
    const memory::dims strides{g.stride[0], g.stride[1]}, dil{g.dil[0] - 1, g.dil[1] - 1}, pad{g.pad[0], g.pad[1]};
    p->x_plain = plain_f32_md(x);
    p->w_plain = plain_f32_md(w);
    p->y_plain = plain_f32_md({N, g.O, g.out_h(), g.out_w()});
    p->stat_md = plain_f32_md({g.O});
    p->bias_md = has_bias ? plain_f32_md({g.O}) : memory::desc();
    const memory::desc x_any(x, dt::f32, tag::any), w_any(w, dt::f32, tag::any), c_any(c, dt::f32, tag::any);
    const auto direct = dnnl::algorithm::convolution_direct;
    const auto attr = dnnl_user_scratchpad_attr();
    const auto& eng = dnnl_engine();

    // convolution
    auto cd = has_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, direct, x_any, w_any,
                                                         p->bias_md, c_any, strides, dil, pad, pad)
                       : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, direct, x_any, w_any,
                                                         c_any, strides, dil, pad, pad);
    p->conv_pd = dnnl::convolution_forward::primitive_desc(cd, attr, eng);
    p->conv = dnnl::convolution_forward(p->conv_pd);
    p->src_in = Relayout(p->x_plain, p->conv_pd.src_desc());
    p->wei_in = Relayout(p->w_plain, p->conv_pd.weights_desc());
    const memory::desc c_md = p->conv_pd.dst_desc();

    // batch norm (+ ReLU) in the convolution's output layout
    using nf = dnnl::normalization_flags;
    nf flags = nf::none;
    if (affine) flags = flags | nf::use_scale | nf::use_shift;
    if (g.relu) flags = flags | nf::fuse_norm_relu;
    const float feps = static_cast<float>(eps);
    dnnl::batch_normalization_forward::desc bd(dnnl::prop_kind::forward_training, c_md, feps, flags);
    p->bn_pd = dnnl::batch_normalization_forward::primitive_desc(bd, attr, eng);
    p->bn = dnnl::batch_normalization_forward(p->bn_pd);
    p->out_md = p->bn_pd.dst_desc();

    // max pooling
    if (g.pool) {
      const memory::desc y_any({N, g.O, g.PH, g.PW}, dt::f32, tag::any);
      const memory::dims pk{g.PK[0], g.PK[1]}, ps{g.PS[0], g.PS[1]}, zero{0, 0};
      dnnl::pooling_v2_forward::desc pd(dnnl::prop_kind::forward_training, dnnl::algorithm::pooling_max, p->out_md,
                                        y_any, ps, pk, zero, zero, zero);
      p->pool_pd = dnnl::pooling_v2_forward::primitive_desc(pd, attr, eng);
      p->pool = dnnl::pooling_v2_forward(p->pool_pd);
      const memory::desc y_md = p->pool_pd.dst_desc();
      dnnl::pooling_v2_backward::desc pbd(dnnl::algorithm::pooling_max, p->out_md, y_md, ps, pk, zero, zero, zero);
      p->pool_bwd_pd = dnnl::pooling_v2_backward::primitive_desc(pbd, attr, eng, p->pool_pd);
      p->pool_bwd = dnnl::pooling_v2_backward(p->pool_bwd_pd);
      p->out_md = y_md;
    }
    p->out_plain = Relayout(p->out_md, p->y_plain);
    p->gy_in = Relayout(p->y_plain, p->out_md);

    dnnl::batch_normalization_backward::desc bbd(dnnl::prop_kind::backward, c_md, c_md, feps, flags);
    p->bn_bwd_pd = dnnl::batch_normalization_backward::primitive_desc(bbd, attr, eng, p->bn_pd);
    p->bn_bwd = dnnl::batch_normalization_backward(p->bn_bwd_pd);
    const memory::desc dc_md = p->bn_bwd_pd.diff_src_desc();

    // convolution backward: weights (and bias), data
    auto wd = has_bias ? dnnl::convolution_backward_weights::desc(direct, x_any, w_any, p->bias_md, c_any, strides,
                                                                   dil, pad, pad)
                       : dnnl::convolution_backward_weights::desc(direct, x_any, w_any, c_any, strides, dil, pad, pad);
    p->bww_pd = dnnl::convolution_backward_weights::primitive_desc(wd, attr, eng, p->conv_pd);
    p->bww = dnnl::convolution_backward_weights(p->bww_pd);
    p->bww_src_in = Relayout(p->x_plain, p->bww_pd.src_desc());
    p->bww_dy_in = Relayout(dc_md, p->bww_pd.diff_dst_desc());
    p->dw_out = Relayout(p->bww_pd.diff_weights_desc(), p->w_plain);
    // few input channels: a plain gx is cheaper than padding them to a block (as in dnnl_conv.cpp)
    const memory::desc dx_md = g.C <= 4 ? p->x_plain : x_any;
    dnnl::convolution_backward_data::desc dd(direct, dx_md, w_any, c_any, strides, dil, pad, pad);
    p->bwd_pd = dnnl::convolution_backward_data::primitive_desc(dd, attr, eng, p->conv_pd);
    p->bwd = dnnl::convolution_backward_data(p->bwd_pd);
    p->bwd_dy_in = Relayout(dc_md, p->bwd_pd.diff_dst_desc());
    p->bwd_wei_in = Relayout(p->w_plain, p->bwd_pd.weights_desc());
    p->dx_out = Relayout(p->bwd_pd.diff_src_desc(), p->x_plain);
    return p;
  });
}

// `m` in layout r.to_desc(): m itself when no reorder is needed, else a reordered copy kept in
// `keep` (so that the copy outlives this call when the caller holds `keep`).
memory relaid(const Relayout& r, const memory& m, Tensor& keep) {
  if (!r.needed()) return m;
  keep = buffer_for(r.to_desc());
  memory out = wrap(r.to_desc(), keep);
  r.run_into(m, out);
  return out;
}

}  // namespace

Tensor conv_block_train_forward(const ConvBlockGeom& g, const Tensor& x, const Tensor& w, const Tensor& b,
                                const Tensor& gamma, const Tensor& beta, double eps, ConvBlockSaved& saved) {
  const int64_t N = x.size(0);
  saved.has_bias = b.defined();
  auto p = get_prims(g, N, gamma.defined(), saved.has_bias, eps);
  Tensor wkeep;
  memory src = relaid(p->src_in, wrap(p->x_plain, x), saved.src);
  memory wei = relaid(p->wei_in, wrap(p->w_plain, w), wkeep);
  saved.conv_out = buffer_for(p->conv_pd.dst_desc());
  memory conv_out = wrap(p->conv_pd.dst_desc(), saved.conv_out);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, conv_out}};
  if (b.defined()) args.emplace(DNNL_ARG_BIAS, wrap(p->bias_md, b));
  dnnl_execute(p->conv, p->conv_pd.scratchpad_desc(), std::move(args));

  saved.mean = make_empty({g.O}, kFloat32);
  saved.var = make_empty({g.O}, kFloat32);
  Tensor bn_out = buffer_for(p->bn_pd.dst_desc());
  args = {{DNNL_ARG_SRC, conv_out},
          {DNNL_ARG_DST, wrap(p->bn_pd.dst_desc(), bn_out)},
          {DNNL_ARG_MEAN, wrap(p->stat_md, saved.mean)},
          {DNNL_ARG_VARIANCE, wrap(p->stat_md, saved.var)}};
  if (gamma.defined()) {
    args.emplace(DNNL_ARG_SCALE, wrap(p->stat_md, gamma));
    args.emplace(DNNL_ARG_SHIFT, wrap(p->stat_md, beta));
  }
  if (g.relu) {
    saved.bn_ws = buffer_for(p->bn_pd.workspace_desc());
    args.emplace(DNNL_ARG_WORKSPACE, wrap(p->bn_pd.workspace_desc(), saved.bn_ws));
  }
  dnnl_execute(p->bn, p->bn_pd.scratchpad_desc(), std::move(args));

  Tensor out = bn_out;
  if (g.pool) {
    out = buffer_for(p->pool_pd.dst_desc());
    saved.pool_ws = buffer_for(p->pool_pd.workspace_desc());
    dnnl_execute(p->pool, p->pool_pd.scratchpad_desc(),
                 {{DNNL_ARG_SRC, wrap(p->bn_pd.dst_desc(), bn_out)},
                  {DNNL_ARG_DST, wrap(p->pool_pd.dst_desc(), out)},
                  {DNNL_ARG_WORKSPACE, wrap(p->pool_pd.workspace_desc(), saved.pool_ws)}});
  }
  Tensor y = make_empty({N, g.O, g.out_h(), g.out_w()}, kFloat32);
  p->out_plain.run_into(wrap(p->out_md, out), wrap(p->y_plain, y));
  return y;
}

void conv_block_train_backward(const ConvBlockGeom& g, const Tensor& gy, const Tensor& x, const Tensor& w,
                               const Tensor& gamma, const Tensor& beta, double eps, const ConvBlockSaved& saved,
                               Tensor* gx, Tensor* gw, Tensor* gb, Tensor* ggamma, Tensor* gbeta) {
  const int64_t N = x.size(0);
  auto p = get_prims(g, N, gamma.defined(), saved.has_bias, eps);
  Tensor keep_gy, keep_bww_src, keep_bww_dy, keep_bwd_dy, keep_wei;
  memory dy = relaid(p->gy_in, wrap(p->y_plain, gy), keep_gy);

  // pooling backward -> the gradient at the batch norm's output
  const memory::desc bn_out_md = p->bn_pd.dst_desc();
  if (g.pool) {
    Tensor d_bn_out = buffer_for(bn_out_md);
    memory m = wrap(bn_out_md, d_bn_out);
    dnnl_execute(p->pool_bwd, p->pool_bwd_pd.scratchpad_desc(),
                 {{DNNL_ARG_DIFF_DST, dy},
                  {DNNL_ARG_WORKSPACE, wrap(p->pool_pd.workspace_desc(), saved.pool_ws)},
                  {DNNL_ARG_DIFF_SRC, m}});
    dy = m;
    keep_gy = d_bn_out;
  }

  // batch norm (+ ReLU) backward -> the gradient at the convolution's output
  const memory::desc c_md = p->conv_pd.dst_desc();
  Tensor dconv = buffer_for(p->bn_bwd_pd.diff_src_desc());
  memory dc = wrap(p->bn_bwd_pd.diff_src_desc(), dconv);
  Tensor dscale, dshift;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(c_md, saved.conv_out)},
                                       {DNNL_ARG_MEAN, wrap(p->stat_md, saved.mean)},
                                       {DNNL_ARG_VARIANCE, wrap(p->stat_md, saved.var)},
                                       {DNNL_ARG_DIFF_DST, dy},
                                       {DNNL_ARG_DIFF_SRC, dc}};
  if (gamma.defined()) {
    dscale = ggamma ? *ggamma : make_empty({g.O}, kFloat32);
    dshift = gbeta ? *gbeta : make_empty({g.O}, kFloat32);
    args.emplace(DNNL_ARG_SCALE, wrap(p->stat_md, gamma));
    args.emplace(DNNL_ARG_SHIFT, wrap(p->stat_md, beta));
    args.emplace(DNNL_ARG_DIFF_SCALE, wrap(p->stat_md, dscale));
    args.emplace(DNNL_ARG_DIFF_SHIFT, wrap(p->stat_md, dshift));
  }
  if (g.relu) args.emplace(DNNL_ARG_WORKSPACE, wrap(p->bn_pd.workspace_desc(), saved.bn_ws));
  dnnl_execute(p->bn_bwd, p->bn_bwd_pd.scratchpad_desc(), std::move(args));

  // convolution backward
  if (gw) {
    memory src = saved.src.defined() && p->bww_pd.src_desc() == p->conv_pd.src_desc()
                     ? wrap(p->conv_pd.src_desc(), saved.src)
                     : relaid(p->bww_src_in, wrap(p->x_plain, x), keep_bww_src);
    memory ddst = relaid(p->bww_dy_in, dc, keep_bww_dy);
    Tensor dw_buf = p->dw_out.needed() ? buffer_for(p->bww_pd.diff_weights_desc()) : *gw;
    args = {{DNNL_ARG_SRC, src},
            {DNNL_ARG_DIFF_DST, ddst},
            {DNNL_ARG_DIFF_WEIGHTS, wrap(p->bww_pd.diff_weights_desc(), dw_buf)}};
    Tensor db = gb ? *gb : (saved.has_bias ? make_empty({g.O}, kFloat32) : Tensor());
    if (db.defined()) args.emplace(DNNL_ARG_DIFF_BIAS, wrap(p->bias_md, db));
    dnnl_execute(p->bww, p->bww_pd.scratchpad_desc(), std::move(args));
    if (p->dw_out.needed()) p->dw_out.run_into(wrap(p->bww_pd.diff_weights_desc(), dw_buf), wrap(p->w_plain, *gw));
  }
  if (gx) {
    memory ddst = relaid(p->bwd_dy_in, dc, keep_bwd_dy);
    memory wei = relaid(p->bwd_wei_in, wrap(p->w_plain, w), keep_wei);
    Tensor dx_buf = p->dx_out.needed() ? buffer_for(p->bwd_pd.diff_src_desc()) : *gx;
    dnnl_execute(p->bwd, p->bwd_pd.scratchpad_desc(),
                 {{DNNL_ARG_DIFF_DST, ddst},
                  {DNNL_ARG_WEIGHTS, wei},
                  {DNNL_ARG_DIFF_SRC, wrap(p->bwd_pd.diff_src_desc(), dx_buf)}});
    if (p->dx_out.needed()) p->dx_out.run_into(wrap(p->bwd_pd.diff_src_desc(), dx_buf), wrap(p->x_plain, *gx));
  }
}

}  // namespace ember::cpu

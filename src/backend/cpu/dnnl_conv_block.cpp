// Inference chains of conv (+ folded affine) (+ ReLU) (+ max pool) blocks on oneDNN: blocked
// layouts between blocks, the batch in cache-sized chunks (see conv_block_kernels.h).
#include <algorithm>
#include <sstream>

#include "backend/cpu/conv_block_kernels.h"
#include "backend/cpu/dnnl_block_util.h"

namespace ember::cpu {

std::string ConvBlockGeom::key() const {
  std::ostringstream os;
  os << C << ',' << H << ',' << W << ',' << O << ',' << KH << ',' << KW << ',' << stride[0] << ',' << stride[1] << ','
     << pad[0] << ',' << pad[1] << ',' << dil[0] << ',' << dil[1] << ',' << relu;
  if (pool) os << ",p" << PK[0] << ',' << PK[1] << ',' << PS[0] << ',' << PS[1];
  return os.str();
}

namespace {

using namespace block;  // memory, dt, tag, wrap, buffer_for

// Bytes of the largest intermediate of one chunk: small enough for the caches of two cores.
constexpr int64_t kChunkBytes = int64_t{2} << 20;

struct BlockPrims {
  dnnl::convolution_forward::primitive_desc conv_pd;
  dnnl::convolution_forward conv;
  Relayout src_in;                  // previous output (or plain input) -> the conv's src layout
  Relayout wei_in;                  // plain weight -> the conv's weight layout
  memory::desc bias_md;
  dnnl::pooling_v2_forward::primitive_desc pool_pd;
  dnnl::pooling_v2_forward pool;
  memory::desc out_md;              // what this block produces (pool dst or conv dst)
};

struct ChainPrims {
  std::vector<BlockPrims> blocks;
  Relayout out_plain;               // last block's output -> plain NCHW
};

std::string chain_key(const std::vector<ConvBlock>& bs, int64_t n) {
  std::string k = std::to_string(n);
  for (const ConvBlock& b : bs) k += '|' + b.key();
  return k;
}

std::shared_ptr<ChainPrims> get_chain(const std::vector<ConvBlock>& bs, int64_t n) {
  static PrimitiveCache<ChainPrims> cache;
  return cache.get(chain_key(bs, n), [&] {
    auto c = std::make_shared<ChainPrims>();
    memory::desc prev = plain_f32_md({n, bs[0].C, bs[0].H, bs[0].W});
    for (const ConvBlock& b : bs) {
      BlockPrims p;
      const memory::desc src_any({n, b.C, b.H, b.W}, dt::f32, tag::any);
      const memory::desc wei_any({b.O, b.C, b.KH, b.KW}, dt::f32, tag::any);
      const memory::desc dst_any({n, b.O, b.OH, b.OW}, dt::f32, tag::any);
      p.bias_md = plain_f32_md({b.O});
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                        src_any, wei_any, p.bias_md, dst_any, {b.stride[0], b.stride[1]},
                                        {b.dil[0] - 1, b.dil[1] - 1}, {b.pad[0], b.pad[1]}, {b.pad[0], b.pad[1]});
      dnnl::primitive_attr attr = dnnl_user_scratchpad_attr();
      if (b.relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        attr.set_post_ops(ops);
      }
      p.conv_pd = dnnl::convolution_forward::primitive_desc(d, attr, dnnl_engine());
      p.conv = dnnl::convolution_forward(p.conv_pd);
      p.src_in = Relayout(prev, p.conv_pd.src_desc());
      p.wei_in = Relayout(plain_f32_md({b.O, b.C, b.KH, b.KW}), p.conv_pd.weights_desc());
      p.out_md = p.conv_pd.dst_desc();
      if (b.pool) {
        const memory::desc pool_dst({n, b.O, b.PH, b.PW}, dt::f32, tag::any);
        dnnl::pooling_v2_forward::desc pd(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max,
                                          p.out_md, pool_dst, {b.PS[0], b.PS[1]}, {b.PK[0], b.PK[1]}, {0, 0},
                                          {0, 0}, {0, 0});
        p.pool_pd = dnnl::pooling_v2_forward::primitive_desc(pd, dnnl_user_scratchpad_attr(), dnnl_engine());
        p.pool = dnnl::pooling_v2_forward(p.pool_pd);
        p.out_md = p.pool_pd.dst_desc();
      }
      prev = p.out_md;
      c->blocks.push_back(std::move(p));
    }
    const ConvBlock& last = bs.back();
    c->out_plain = Relayout(prev, plain_f32_md({n, last.O, last.out_h(), last.out_w()}));
    return c;
  });
}

// The block's weight in its convolution's layout (the weight itself when that is plain).
Tensor reordered_weights(const BlockPrims& p, const ConvBlock& b) {
  if (!p.wei_in.needed()) return b.weight;
  Tensor w = buffer_for(p.conv_pd.weights_desc());
  p.wei_in.run_into(wrap(plain_f32_md({b.O, b.C, b.KH, b.KW}), b.weight), wrap(p.conv_pd.weights_desc(), w));
  return w;
}

// The last, smaller chunk reuses the first chunk's buffers.
void check_fits(const memory::desc& md, const Tensor& buf, bool used) {
  EMBER_CHECK(!used || (buf.defined() && static_cast<int64_t>(md.get_size()) <= buf.numel()),
              "run_conv_blocks: a chunk's layout does not fit the scratch buffer");
}

}  // namespace

Tensor run_conv_blocks(const Tensor& x, const std::vector<ConvBlock>& blocks) {
  EMBER_CHECK(!blocks.empty() && x.dtype() == kFloat32 && x.dim() == 4 && x.is_contiguous(),
              "run_conv_blocks: expected a contiguous float32 (N,C,H,W) input and at least one block");
  const ConvBlock& last = blocks.back();
  const int64_t N = x.size(0);
  Tensor y = make_empty({N, last.O, last.out_h(), last.out_w()}, kFloat32);
  if (N == 0) return y;
  int64_t per_image = 0;
  for (const ConvBlock& b : blocks) per_image = std::max(per_image, b.O * b.OH * b.OW * 4);
  const int64_t chunk = std::clamp<int64_t>(kChunkBytes / std::max<int64_t>(per_image, 1), 1, N);

  // Weights in each convolution's layout, once per call (they may change between calls).
  auto first = get_chain(blocks, chunk);
  std::vector<Tensor> weights(blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) weights[i] = reordered_weights(first->blocks[i], blocks[i]);
  // Scratch for one chunk, reused: each block's reordered input, conv output and pool output.
  std::vector<Tensor> src_buf(blocks.size()), conv_buf(blocks.size()), pool_buf(blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) {
    const BlockPrims& p = first->blocks[i];
    if (p.src_in.needed()) src_buf[i] = buffer_for(p.conv_pd.src_desc());
    conv_buf[i] = buffer_for(p.conv_pd.dst_desc());
    if (blocks[i].pool) pool_buf[i] = buffer_for(p.pool_pd.dst_desc());
  }
  const int64_t in_image = blocks[0].C * blocks[0].H * blocks[0].W;
  const int64_t out_image = last.O * last.out_h() * last.out_w();
  for (int64_t n0 = 0; n0 < N; n0 += chunk) {
    const int64_t n = std::min(chunk, N - n0);
    auto chain = n == chunk ? first : get_chain(blocks, n);
    std::vector<Tensor> tail_weights;  // the last, smaller chunk's primitives might want other layouts
    memory cur = wrap(plain_f32_md({n, blocks[0].C, blocks[0].H, blocks[0].W}), x.data_ptr<float>() + n0 * in_image);
    for (size_t i = 0; i < blocks.size(); ++i) {
      const BlockPrims& p = chain->blocks[i];
      check_fits(p.conv_pd.src_desc(), src_buf[i], p.src_in.needed());
      check_fits(p.conv_pd.dst_desc(), conv_buf[i], true);
      if (blocks[i].pool) check_fits(p.pool_pd.dst_desc(), pool_buf[i], true);
      Tensor wei = weights[i];
      if (chain != first && p.conv_pd.weights_desc() != first->blocks[i].conv_pd.weights_desc())
        wei = tail_weights.emplace_back(reordered_weights(p, blocks[i]));
      memory src = cur;
      if (p.src_in.needed()) {
        src = wrap(p.conv_pd.src_desc(), src_buf[i]);
        p.src_in.run_into(cur, src);
      }
      memory dst = wrap(p.conv_pd.dst_desc(), conv_buf[i]);
      dnnl_execute(p.conv, p.conv_pd.scratchpad_desc(),
                   {{DNNL_ARG_SRC, src},
                    {DNNL_ARG_WEIGHTS, wrap(p.conv_pd.weights_desc(), wei)},
                    {DNNL_ARG_BIAS, wrap(p.bias_md, blocks[i].bias)},
                    {DNNL_ARG_DST, dst}});
      cur = dst;
      if (blocks[i].pool) {
        memory pooled = wrap(p.pool_pd.dst_desc(), pool_buf[i]);
        dnnl_execute(p.pool, p.pool_pd.scratchpad_desc(), {{DNNL_ARG_SRC, dst}, {DNNL_ARG_DST, pooled}});
        cur = pooled;
      }
    }
    memory out = wrap(plain_f32_md({n, last.O, last.out_h(), last.out_w()}), y.data_ptr<float>() + n0 * out_image);
    chain->out_plain.run_into(cur, out);
  }
  return y;
}

}  // namespace ember::cpu

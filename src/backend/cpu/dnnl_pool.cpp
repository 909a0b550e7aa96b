// Max and average 2-D pooling on oneDNN (float32, plain NCHW), forward and backward, each
// primitive built once per geometry. Cases oneDNN computes differently from PyTorch (avg
// windows cut by ceil_mode's extra padding, divisor_override) are left to the loops.
#include <algorithm>
#include <sstream>

#include "backend/cpu/dnnl_context.h"
#include "backend/cpu/pool_kernels.h"
#include "tensor/make.h"

namespace ember::cpu {

std::string PoolGeom::key() const {
  std::ostringstream os;
  os << N << ',' << C << ',' << H << ',' << W << ',' << OH << ',' << OW << ',' << KH << ',' << KW;
  for (int i = 0; i < 2; ++i) os << ';' << stride[i] << ',' << pad[i] << ',' << dil[i];
  return os.str();
}

namespace {

using dnnl::memory;

// Padding after the last window: what the output size needs (never negative: floor mode may
// leave the last rows unused).
int64_t pad_after(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t dil) {
  return (out - 1) * stride + (k - 1) * dil + 1 - in - pad;
}

struct PoolEntry {
  bool ok = false;
  memory::desc src, dst;
  dnnl::pooling_v2_forward::primitive_desc fwd_pd;
  dnnl::pooling_v2_forward fwd;
  dnnl::pooling_v2_backward::primitive_desc bwd_pd;
  dnnl::pooling_v2_backward bwd;
};

std::shared_ptr<PoolEntry> get_entry(const PoolGeom& g, dnnl::algorithm alg, bool training, bool backward) {
  static PrimitiveCache<PoolEntry> cache;
  std::ostringstream key;
  key << static_cast<int>(alg) << (training ? 'T' : 'I') << (backward ? 'B' : 'F') << g.key();
  return cache.get(key.str(), [&] {
    auto e = std::make_shared<PoolEntry>();
    e->src = plain_f32_md({g.N, g.C, g.H, g.W});
    e->dst = plain_f32_md({g.N, g.C, g.OH, g.OW});
    const memory::dims strides{g.stride[0], g.stride[1]}, kernel{g.KH, g.KW}, dil{g.dil[0] - 1, g.dil[1] - 1},
        pl{g.pad[0], g.pad[1]},
        pr{std::max<int64_t>(0, pad_after(g.H, g.OH, g.KH, g.stride[0], g.pad[0], g.dil[0])),
           std::max<int64_t>(0, pad_after(g.W, g.OW, g.KW, g.stride[1], g.pad[1], g.dil[1]))};
    try {
      const auto pk = training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
      dnnl::pooling_v2_forward::desc fd(pk, alg, e->src, e->dst, strides, kernel, dil, pl, pr);
      e->fwd_pd = dnnl::pooling_v2_forward::primitive_desc(fd, dnnl_user_scratchpad_attr(), dnnl_engine());
      if (backward) {
        dnnl::pooling_v2_backward::desc bd(alg, e->src, e->dst, strides, kernel, dil, pl, pr);
        e->bwd_pd = dnnl::pooling_v2_backward::primitive_desc(bd, dnnl_user_scratchpad_attr(), dnnl_engine(), e->fwd_pd);
        e->bwd = dnnl::pooling_v2_backward(e->bwd_pd);
      } else {
        e->fwd = dnnl::pooling_v2_forward(e->fwd_pd);
      }
      e->ok = true;
    } catch (const dnnl::error&) {
      e->ok = false;  // not expressible in oneDNN: the loops take it
    }
    return e;
  });
}

memory wrap(const memory::desc& md, const Tensor& t) { return memory(md, dnnl_engine(), t.raw_data()); }

// oneDNN's average divides by the whole kernel (include padding) or by the valid elements
// (exclude padding). PyTorch's include-padding divisor stops at the end of the padded input, so
// the two differ only where ceil_mode adds padding beyond `pad`.
bool avg_matches(const PoolGeom& g, bool count_include_pad, int64_t divisor_override) {
  if (divisor_override > 0) return false;
  if (!count_include_pad) return true;
  return pad_after(g.H, g.OH, g.KH, g.stride[0], g.pad[0], 1) <= g.pad[0] &&
         pad_after(g.W, g.OW, g.KW, g.stride[1], g.pad[1], 1) <= g.pad[1];
}

dnnl::algorithm avg_alg(bool count_include_pad) {
  return count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                           : dnnl::algorithm::pooling_avg_exclude_padding;
}

}  // namespace

bool dnnl_max_pool2d_forward(const Tensor& x, Tensor& y, Tensor& workspace, const PoolGeom& g, bool training) {
  if (x.dtype() != kFloat32 || x.numel() == 0) return false;
  auto e = get_entry(g, dnnl::algorithm::pooling_max, training, false);
  if (!e->ok) return false;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, wrap(e->src, x)}, {DNNL_ARG_DST, wrap(e->dst, y)}};
  if (training) {
    const memory::desc ws = e->fwd_pd.workspace_desc();
    workspace = make_empty({static_cast<int64_t>(ws.get_size())}, kUInt8);
    args.emplace(DNNL_ARG_WORKSPACE, wrap(ws, workspace));
  }
  dnnl_execute(e->fwd, e->fwd_pd.scratchpad_desc(), std::move(args));
  return true;
}

void dnnl_max_pool2d_backward(const Tensor& gy, const Tensor& workspace, Tensor& gx, const PoolGeom& g) {
  auto e = get_entry(g, dnnl::algorithm::pooling_max, true, true);
  EMBER_CHECK(e->ok, "max_pool2d backward: oneDNN rejected a geometry its forward accepted");
  dnnl_execute(e->bwd, e->bwd_pd.scratchpad_desc(),
               {{DNNL_ARG_DIFF_DST, wrap(e->dst, gy)},
                {DNNL_ARG_WORKSPACE, wrap(e->bwd_pd.workspace_desc(), workspace)},
                {DNNL_ARG_DIFF_SRC, wrap(e->src, gx)}});
}

bool dnnl_avg_pool2d_forward(const Tensor& x, Tensor& y, const PoolGeom& g, bool count_include_pad,
                             int64_t divisor_override) {
  if (x.dtype() != kFloat32 || x.numel() == 0 || !avg_matches(g, count_include_pad, divisor_override)) return false;
  auto e = get_entry(g, avg_alg(count_include_pad), false, false);
  if (!e->ok) return false;
  dnnl_execute(e->fwd, e->fwd_pd.scratchpad_desc(), {{DNNL_ARG_SRC, wrap(e->src, x)}, {DNNL_ARG_DST, wrap(e->dst, y)}});
  return true;
}

bool dnnl_avg_pool2d_backward(const Tensor& gy, Tensor& gx, const PoolGeom& g, bool count_include_pad,
                              int64_t divisor_override) {
  if (gy.dtype() != kFloat32 || gy.numel() == 0 || !avg_matches(g, count_include_pad, divisor_override)) return false;
  auto e = get_entry(g, avg_alg(count_include_pad), true, true);
  if (!e->ok) return false;
  dnnl_execute(e->bwd, e->bwd_pd.scratchpad_desc(),
               {{DNNL_ARG_DIFF_DST, wrap(e->dst, gy)}, {DNNL_ARG_DIFF_SRC, wrap(e->src, gx)}});
  return true;
}

}  // namespace ember::cpu

// Sequential's fused conv blocks: matching the modules, folding eval batch norm, the training
// block's autograd node and running-statistics update.
#include "nn/layers/block_fusion.h"

#include <atomic>
#include <cmath>
#include <typeinfo>

#include "backend/cpu/conv_block_kernels.h"
#include "backend/cpu/kernels.h"
#include "autograd/record.h"
#include "ember/autograd/grad_mode.h"
#include "ember/nn/layers/activation.h"
#include "ember/nn/layers/batchnorm.h"
#include "ember/nn/layers/conv.h"
#include "ember/nn/layers/pooling.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember::nn::detail {

namespace {

std::atomic<int64_t> g_fused_inference{0}, g_fused_training{0};

template <class M>
M* exactly(const std::shared_ptr<Module>& m) {
  return m && typeid(*m) == typeid(M) ? static_cast<M*>(m.get()) : nullptr;
}

bool plain_f32(const Tensor& t) { return t.defined() && t.dtype() == kFloat32 && t.is_contiguous(); }

// conv (and the batch norm after it) as one convolution: w' = w s, b' = (b - mean) s + beta with
// s = gamma / sqrt(var + eps) per output channel (computed in double).
void fold(const Conv2d& conv, const BatchNorm2d* bn, cpu::ConvBlock& b) {
  if (!bn) {
    b.weight = conv.weight;
    b.bias = conv.bias.defined() ? conv.bias : zeros({b.O});
    return;
  }
  const int64_t O = b.O, per = conv.weight.numel() / O;
  b.weight = make_empty(conv.weight.sizes(), kFloat32);
  b.bias = make_empty({O}, kFloat32);
  const float* w = conv.weight.data_ptr<float>();
  const float* cb = conv.bias.defined() ? conv.bias.data_ptr<float>() : nullptr;
  const float* mean = bn->running_mean.data_ptr<float>();
  const float* var = bn->running_var.data_ptr<float>();
  const float* gamma = bn->weight.defined() ? bn->weight.data_ptr<float>() : nullptr;
  const float* beta = bn->bias.defined() ? bn->bias.data_ptr<float>() : nullptr;
  float* wo = b.weight.data_ptr<float>();
  float* bo = b.bias.data_ptr<float>();
  for (int64_t o = 0; o < O; ++o) {
    const double s = (gamma ? gamma[o] : 1.0) / std::sqrt(static_cast<double>(var[o]) + bn->eps);
    for (int64_t k = 0; k < per; ++k) wo[o * per + k] = static_cast<float>(w[o * per + k] * s);
    bo[o] = static_cast<float>(((cb ? cb[o] : 0.0) - mean[o]) * s + (beta ? beta[o] : 0.0));
  }
}

// modules[i] as the convolution of a block for an input of (C,H,W); fills g's conv geometry.
const Conv2d* match_conv(const std::shared_ptr<Module>& m, int64_t C, int64_t H, int64_t W, cpu::ConvBlockGeom& g) {
  const Conv2d* conv = exactly<Conv2d>(m);
  if (!conv || conv->groups != 1 || conv->padding.mode != functional::PaddingMode::Explicit ||
      conv->in_channels != C || !plain_f32(conv->weight) || (conv->bias.defined() && !plain_f32(conv->bias)))
    return nullptr;
  g.C = C, g.H = H, g.W = W, g.O = conv->out_channels;
  g.KH = conv->kernel_size.h, g.KW = conv->kernel_size.w;
  for (int d = 0; d < 2; ++d) {
    g.stride[d] = conv->stride[d];
    g.pad[d] = conv->padding.size[d];
    g.dil[d] = conv->dilation[d];
  }
  const int64_t span_h = g.dil[0] * (g.KH - 1) + 1, span_w = g.dil[1] * (g.KW - 1) + 1;
  if (H + 2 * g.pad[0] < span_h || W + 2 * g.pad[1] < span_w) return nullptr;  // let conv2d raise its error
  g.OH = (H + 2 * g.pad[0] - span_h) / g.stride[0] + 1;
  g.OW = (W + 2 * g.pad[1] - span_w) / g.stride[1] + 1;
  return conv;
}

// A batch norm whose parameters and statistics the kernels can read (float32, contiguous).
const BatchNorm2d* match_bn(const std::vector<std::shared_ptr<Module>>& ms, size_t j, int64_t O) {
  const BatchNorm2d* bn = j < ms.size() ? exactly<BatchNorm2d>(ms[j]) : nullptr;
  if (!bn || bn->num_features != O || (bn->weight.defined() && !plain_f32(bn->weight)) ||
      (bn->bias.defined() && !plain_f32(bn->bias)) || bn->weight.defined() != bn->bias.defined())
    return nullptr;
  if (bn->running_mean.defined() && (!plain_f32(bn->running_mean) || !plain_f32(bn->running_var))) return nullptr;
  return bn;
}

// ReLU and max pooling after position j (advancing j past them); fills g.
void match_tail(const std::vector<std::shared_ptr<Module>>& ms, size_t& j, cpu::ConvBlockGeom& g) {
  if (j < ms.size() && exactly<ReLU>(ms[j])) {
    g.relu = true;
    ++j;
  }
  const MaxPool2d* pool = j < ms.size() ? exactly<MaxPool2d>(ms[j]) : nullptr;
  if (!pool || !(pool->padding == functional::Size2(0)) || !(pool->dilation == functional::Size2(1)) ||
      pool->ceil_mode || pool->return_indices || g.OH < pool->kernel_size.h || g.OW < pool->kernel_size.w)
    return;
  g.pool = true;
  for (int d = 0; d < 2; ++d) {
    g.PK[d] = pool->kernel_size[d];
    g.PS[d] = pool->stride[d];
  }
  g.PH = (g.OH - g.PK[0]) / g.PS[0] + 1;
  g.PW = (g.OW - g.PK[1]) / g.PS[1] + 1;
  ++j;
}

// An inference block starting at modules[i] (its batch norm, if any, in eval mode).
bool match_inference_block(const std::vector<std::shared_ptr<Module>>& ms, size_t& i, int64_t C, int64_t H, int64_t W,
                           cpu::ConvBlock& b) {
  const Conv2d* conv = match_conv(ms[i], C, H, W, b);
  if (!conv) return false;
  size_t j = i + 1;
  const BatchNorm2d* bn = match_bn(ms, j, b.O);
  if (bn && (bn->is_training() || !bn->running_mean.defined())) bn = nullptr;  // batch statistics: not foldable
  if (bn) ++j;
  match_tail(ms, j, b);
  fold(*conv, bn, b);
  i = j;
  return true;
}

bool run_inference(const std::vector<std::shared_ptr<Module>>& modules, size_t& i, Tensor& h) {
  std::vector<cpu::ConvBlock> blocks;
  size_t j = i;
  int64_t C = h.size(1), H = h.size(2), W = h.size(3);
  cpu::ConvBlock b;
  while (j < modules.size() && match_inference_block(modules, j, C, H, W, b)) {
    C = b.O, H = b.out_h(), W = b.out_w();
    blocks.push_back(std::move(b));
    b = cpu::ConvBlock();
  }
  if (blocks.empty()) return false;
  h = cpu::run_conv_blocks(cpu::contiguous(h), blocks);
  g_fused_inference += static_cast<int64_t>(blocks.size());
  i = j;
  return true;
}

// BatchNormBase::forward's bookkeeping in training mode: num_batches_tracked and the running
// statistics (unbiased variance), from the block's batch statistics.
void update_running_stats(BatchNorm2d& bn, const Tensor& mean, const Tensor& var, int64_t count) {
  if (!bn.track_running_stats) return;
  NoGradGuard ng;
  bn.num_batches_tracked.add_(1);
  if (!bn.running_mean.defined()) return;
  const double m = bn.momentum ? *bn.momentum : 1.0 / static_cast<double>(bn.num_batches_tracked.item<int64_t>());
  const double n = static_cast<double>(count);
  bn.running_mean.mul_(1.0 - m);
  bn.running_mean.add_(mean, m);
  bn.running_var.mul_(1.0 - m);
  bn.running_var.add_(var * (n / (n - 1.0)), m);
}

bool run_training(const std::vector<std::shared_ptr<Module>>& ms, size_t& i, Tensor& h) {
  cpu::ConvBlockGeom g;
  const Conv2d* conv = match_conv(ms[i], h.size(1), h.size(2), h.size(3), g);
  if (!conv) return false;
  size_t j = i + 1;
  const BatchNorm2d* bnc = match_bn(ms, j, g.O);
  if (!bnc || !bnc->is_training() || h.size(0) * g.OH * g.OW <= 1) return false;  // let batch_norm raise its error
  auto* bn = const_cast<BatchNorm2d*>(bnc);  // the running statistics are updated
  ++j;
  match_tail(ms, j, g);

  const Tensor x = cpu::contiguous(h);
  const Tensor w = conv->weight, b = conv->bias, gamma = bn->weight, beta = bn->bias;
  const double eps = bn->eps;
  auto saved = std::make_shared<cpu::ConvBlockSaved>();
  Tensor y = cpu::conv_block_train_forward(g, x, w, b, gamma, beta, eps, *saved);
  update_running_stats(*bn, saved->mean, saved->var, x.size(0) * g.OH * g.OW);
  if (autograd::needs_grad(x, w, b, gamma, beta)) {
    const bool rx = x.requires_grad(), rw = w.requires_grad(), rb = b.defined() && b.requires_grad();
    const bool rg = gamma.defined() && (gamma.requires_grad() || beta.requires_grad());
    autograd::record("FusedConvBatchNormBackward0", {x, w, b, gamma, beta}, {y}, {x, w, gamma, beta},
                     [g, eps, saved, rx, rw, rb, rg](const TensorList& gr, const TensorList& s) -> TensorList {
                       EMBER_CHECK(!GradMode::is_enabled(), "double backward through a fused conv block "
                                   "(conv2d, batch_norm) is not supported (backward was called with create_graph=true)");
                       const Tensor gy = cpu::contiguous(cpu::convert(gr[0], kFloat32));
                       Tensor gx = rx ? make_empty(s[0].sizes(), kFloat32) : Tensor();
                       // the weight gradient pass also gives the bias's
                       const bool want_w = rw || rb;
                       Tensor gw = want_w ? make_empty(s[1].sizes(), kFloat32) : Tensor();
                       Tensor gb = rb ? make_empty({g.O}, kFloat32) : Tensor();
                       Tensor gg = rg ? make_empty({g.O}, kFloat32) : Tensor();
                       Tensor gbeta = rg ? make_empty({g.O}, kFloat32) : Tensor();
                       cpu::conv_block_train_backward(g, gy, s[0], s[1], s[2], s[3], eps, *saved, rx ? &gx : nullptr,
                                                      want_w ? &gw : nullptr, rb ? &gb : nullptr,
                                                      rg ? &gg : nullptr, rg ? &gbeta : nullptr);
                       return {gx, rw ? gw : Tensor(), gb, gg, gbeta};
                     });
  }
  h = y;
  g_fused_training += 1;
  i = j;
  return true;
}

}  // namespace

bool run_fused_blocks(const std::vector<std::shared_ptr<Module>>& modules, size_t& i, Tensor& h) {
  if (!h.defined() || h.dim() != 4 || h.dtype() != kFloat32) return false;
  return GradMode::is_enabled() ? run_training(modules, i, h) : run_inference(modules, i, h);
}

int64_t fused_inference_blocks() { return g_fused_inference.load(); }
int64_t fused_training_blocks() { return g_fused_training.load(); }

}  // namespace ember::nn::detail

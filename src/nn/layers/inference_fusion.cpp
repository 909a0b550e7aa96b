// Sequential's inference fast path: matching conv blocks and folding eval batch norm into them.
#include "nn/layers/inference_fusion.h"

#include <atomic>
#include <cmath>
#include <typeinfo>

#include "backend/cpu/conv_block_kernels.h"
#include "backend/cpu/kernels.h"
#include "ember/autograd/grad_mode.h"
#include "ember/nn/layers/activation.h"
#include "ember/nn/layers/batchnorm.h"
#include "ember/nn/layers/conv.h"
#include "ember/nn/layers/pooling.h"
#include "ember/tensor/factory.h"
#include "tensor/make.h"

namespace ember::nn::detail {

namespace {

std::atomic<int64_t> g_fused_blocks{0};

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

// The block starting at modules[i] for an input of (C,H,W), or false.
bool match_block(const std::vector<std::shared_ptr<Module>>& ms, size_t& i, int64_t C, int64_t H, int64_t W,
                 cpu::ConvBlock& b) {
  const Conv2d* conv = exactly<Conv2d>(ms[i]);
  if (!conv || conv->groups != 1 || conv->padding.mode != functional::PaddingMode::Explicit ||
      conv->in_channels != C || !plain_f32(conv->weight) || (conv->bias.defined() && !plain_f32(conv->bias)))
    return false;
  b.C = C, b.H = H, b.W = W, b.O = conv->out_channels;
  b.KH = conv->kernel_size.h, b.KW = conv->kernel_size.w;
  for (int d = 0; d < 2; ++d) {
    b.stride[d] = conv->stride[d];
    b.pad[d] = conv->padding.size[d];
    b.dil[d] = conv->dilation[d];
  }
  const int64_t span_h = b.dil[0] * (b.KH - 1) + 1, span_w = b.dil[1] * (b.KW - 1) + 1;
  if (H + 2 * b.pad[0] < span_h || W + 2 * b.pad[1] < span_w) return false;  // let conv2d raise its error
  b.OH = (H + 2 * b.pad[0] - span_h) / b.stride[0] + 1;
  b.OW = (W + 2 * b.pad[1] - span_w) / b.stride[1] + 1;
  size_t j = i + 1;
  const BatchNorm2d* bn = j < ms.size() ? exactly<BatchNorm2d>(ms[j]) : nullptr;
  if (bn) {
    if (bn->is_training() || !bn->running_mean.defined() || bn->num_features != b.O ||
        !plain_f32(bn->running_mean) || !plain_f32(bn->running_var) || (bn->weight.defined() && !plain_f32(bn->weight)) ||
        (bn->bias.defined() && !plain_f32(bn->bias)))
      bn = nullptr;
    else
      ++j;
  }
  if (j < ms.size() && exactly<ReLU>(ms[j])) {
    b.relu = true;
    ++j;
  }
  if (const MaxPool2d* pool = j < ms.size() ? exactly<MaxPool2d>(ms[j]) : nullptr) {
    const bool plain = pool->padding == functional::Size2(0) && pool->dilation == functional::Size2(1) &&
                       !pool->ceil_mode && !pool->return_indices;
    if (plain && b.OH >= pool->kernel_size.h && b.OW >= pool->kernel_size.w) {
      b.pool = true;
      for (int d = 0; d < 2; ++d) {
        b.PK[d] = pool->kernel_size[d];
        b.PS[d] = pool->stride[d];
      }
      b.PH = (b.OH - b.PK[0]) / b.PS[0] + 1;
      b.PW = (b.OW - b.PK[1]) / b.PS[1] + 1;
      ++j;
    }
  }
  fold(*conv, bn, b);
  i = j;
  return true;
}

}  // namespace

bool run_fused_inference(const std::vector<std::shared_ptr<Module>>& modules, size_t& i, Tensor& h) {
  if (GradMode::is_enabled() || !h.defined() || h.dim() != 4 || h.dtype() != kFloat32) return false;
  std::vector<cpu::ConvBlock> blocks;
  size_t j = i;
  int64_t C = h.size(1), H = h.size(2), W = h.size(3);
  cpu::ConvBlock b;
  while (j < modules.size() && match_block(modules, j, C, H, W, b)) {
    C = b.O, H = b.out_h(), W = b.out_w();
    blocks.push_back(std::move(b));
    b = cpu::ConvBlock();
  }
  if (blocks.empty()) return false;
  h = cpu::run_conv_blocks(cpu::contiguous(h), blocks);
  g_fused_blocks += static_cast<int64_t>(blocks.size());
  i = j;
  return true;
}

int64_t fused_inference_blocks() { return g_fused_blocks.load(); }

}  // namespace ember::nn::detail

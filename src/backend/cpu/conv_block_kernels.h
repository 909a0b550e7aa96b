#pragma once
// Internal: inference-only chains of convolution blocks on oneDNN (no autograd). A block is a
// 2-D convolution with a per-channel affine already folded into its weight and bias (an eval
// BatchNorm), an optional ReLU (a post-op of the convolution) and an optional max pooling.
// Between blocks the activations stay in oneDNN's blocked layout, and the batch runs in chunks
// small enough that every intermediate stays in cache; only the input and the last block's
// output are plain NCHW. nn::Sequential uses this under no_grad (nn/layers/inference_fusion.cpp).
#include <cstdint>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::cpu {

struct ConvBlock {
  // convolution x:(N,C,H,W) w:(O,C,KH,KW) -> (N,O,OH,OW), symmetric padding, groups 1
  int64_t C = 0, H = 0, W = 0, O = 0, KH = 0, KW = 0, OH = 0, OW = 0;
  int64_t stride[2] = {1, 1}, pad[2] = {0, 0}, dil[2] = {1, 1};
  Tensor weight, bias;  // float32 contiguous (O,C,KH,KW) and (O), the affine folded in
  bool relu = false;
  // max pooling (no padding, dilation 1, floor mode) -> (N,O,PH,PW)
  bool pool = false;
  int64_t PK[2] = {1, 1}, PS[2] = {1, 1};
  int64_t PH = 0, PW = 0;
  int64_t out_h() const { return pool ? PH : OH; }
  int64_t out_w() const { return pool ? PW : OW; }
};

// x:(N,C,H,W) float32 contiguous, C/H/W those of blocks[0]; each block's output feeds the next.
// Returns the last block's output, plain (N,O,H',W').
Tensor run_conv_blocks(const Tensor& x, const std::vector<ConvBlock>& blocks);

}  // namespace ember::cpu

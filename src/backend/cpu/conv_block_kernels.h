#pragma once
// Internal: inference-only chains of convolution blocks on oneDNN (no autograd). A block is a
// 2-D convolution with a per-channel affine already folded into its weight and bias (an eval
// BatchNorm), an optional ReLU (a post-op of the convolution) and an optional max pooling.
// Between blocks the activations stay in oneDNN's blocked layout, and the batch runs in chunks
// small enough that every intermediate stays in cache; only the input and the last block's
// output are plain NCHW. nn::Sequential uses this under no_grad (nn/layers/inference_fusion.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::cpu {

// The geometry of a block.
struct ConvBlockGeom {
  // convolution x:(N,C,H,W) w:(O,C,KH,KW) -> (N,O,OH,OW), symmetric padding, groups 1
  int64_t C = 0, H = 0, W = 0, O = 0, KH = 0, KW = 0, OH = 0, OW = 0;
  int64_t stride[2] = {1, 1}, pad[2] = {0, 0}, dil[2] = {1, 1};
  bool relu = false;
  // max pooling (no padding, dilation 1, floor mode) -> (N,O,PH,PW)
  bool pool = false;
  int64_t PK[2] = {1, 1}, PS[2] = {1, 1};
  int64_t PH = 0, PW = 0;
  int64_t out_h() const { return pool ? PH : OH; }
  int64_t out_w() const { return pool ? PW : OW; }
  std::string key() const;  // for primitive caches
};

// An inference block: the affine folded into the convolution.
struct ConvBlock : ConvBlockGeom {
  Tensor weight, bias;  // float32 contiguous (O,C,KH,KW) and (O)
};

// x:(N,C,H,W) float32 contiguous, C/H/W those of blocks[0]; each block's output feeds the next.
// Returns the last block's output, plain (N,O,H',W').
Tensor run_conv_blocks(const Tensor& x, const std::vector<ConvBlock>& blocks);

// ---- training: conv -> batch norm with batch statistics -> ReLU -> [max pool], one block ----
// The forward keeps what the backward needs in oneDNN's layouts; nothing is reordered between
// the layers. Numerics: batch statistics in float32 (oneDNN), biased variance returned.
struct ConvBlockSaved {
  bool has_bias = false;  // the convolution has a bias
  Tensor src;       // x in the convolution's layout (undefined: x itself is that layout)
  Tensor conv_out;  // the convolution's output, blocked (the batch norm's input)
  Tensor mean, var; // (O) batch mean and biased variance
  Tensor bn_ws;     // the fused ReLU's mask
  Tensor pool_ws;   // the max pooling's argmax
};

// x:(N,C,H,W), w:(O,C,KH,KW), b:(O) or undefined, gamma/beta:(O) or both undefined (no affine);
// all float32 contiguous. Returns y:(N,O,out_h,out_w) plain; fills `saved`.
Tensor conv_block_train_forward(const ConvBlockGeom& g, const Tensor& x, const Tensor& w, const Tensor& b,
                                const Tensor& gamma, const Tensor& beta, double eps, ConvBlockSaved& saved);
// Gradients of the block for gy:(N,O,out_h,out_w) plain. Each non-null output is overwritten:
// gx (N,C,H,W), gw (O,C,KH,KW), gb (O) (only with gw), ggamma and gbeta (O).
void conv_block_train_backward(const ConvBlockGeom& g, const Tensor& gy, const Tensor& x, const Tensor& w,
                               const Tensor& gamma, const Tensor& beta, double eps, const ConvBlockSaved& saved,
                               Tensor* gx, Tensor* gw, Tensor* gb, Tensor* ggamma, Tensor* gbeta);

}  // namespace ember::cpu

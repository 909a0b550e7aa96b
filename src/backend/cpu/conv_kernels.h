#pragma once
// Internal: 2-D convolution kernels (no autograd). float32 runs on oneDNN (dnnl_conv.cpp),
// float64 on plain reference loops (conv_ref.cpp). 1-D convolutions use H = 1.
//
// All tensors are contiguous and share one dtype:
//   x:(N,C,H,W)  w:(O,C/G,KH,KW)  b:(O) or undefined  y:(N,O,OH,OW)
// with OH = (H + pad_t + pad_b - dil_h*(KH-1) - 1) / stride_h + 1 (same for W).
#include <cstdint>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::cpu {

struct ConvGeom {
  int64_t N = 0, C = 0, H = 0, W = 0;  // input
  int64_t O = 0, KH = 0, KW = 0;       // weight: (O, C/groups, KH, KW)
  int64_t OH = 0, OW = 0;              // output
  int64_t stride[2] = {1, 1};
  int64_t pad_l[2] = {0, 0};  // top, left
  int64_t pad_r[2] = {0, 0};  // bottom, right (may be smaller than pad_l, even negative)
  int64_t dil[2] = {1, 1};
  int64_t groups = 1;
  std::string key() const;  // for primitive caches
};

// y = conv(x, w) + b. With `src_keep`, a float32 forward that reads x in a blocked layout stores
// that copy there (uint8 bytes), so conv2d_backward need not reorder x again.
void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y, const ConvGeom& g,
                    Tensor* src_keep = nullptr);
// The backward of conv2d_forward: gx (if non-null) = d(sum y*gy)/dx, gw (if non-null) and gb (if
// non-null; needs gw) overwritten. gy is reordered once for both passes. src_keep: what
// conv2d_forward stored (or undefined).
void conv2d_backward(const Tensor& gy, const Tensor& x, const Tensor& src_keep, const Tensor& w, Tensor* gx,
                     Tensor* gw, Tensor* gb, const ConvGeom& g);
// The two halves on their own (conv_transpose2d uses them with input and output swapped).
// gx = d(sum y*gy)/dx, gx:(N,C,H,W) (overwritten)
void conv2d_backward_data(const Tensor& gy, const Tensor& w, Tensor& gx, const ConvGeom& g);
// gw:(O,C/G,KH,KW) and, when gb is defined, gb:(O) (both overwritten)
void conv2d_backward_weights(const Tensor& gy, const Tensor& x, Tensor& gw, Tensor& gb, const ConvGeom& g);

// Reference loops (any floating dtype; used for float64 and to test the oneDNN path).
void conv2d_forward_ref(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y, const ConvGeom& g);
void conv2d_backward_data_ref(const Tensor& gy, const Tensor& w, Tensor& gx, const ConvGeom& g);
void conv2d_backward_weights_ref(const Tensor& gy, const Tensor& x, Tensor& gw, Tensor& gb, const ConvGeom& g);

}  // namespace ember::cpu

#pragma once
// torch.nn.functional convolutions: conv1d, conv2d, conv_transpose2d.
// x:(N,C,H,W) or unbatched (C,H,W); weight:(O,C/groups,KH,KW); bias:(O) or undefined.
// float32 runs on oneDNN; float64 on reference loops (for finite-difference checks).
// Double backward through a convolution is not supported (a clear ember::Error says so).
#include <cstdint>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// An int for every spatial dim, or one per dim: 3 -> (3,3); {1,2} -> (1,2).
struct Size2 {
  int64_t h = 0, w = 0;
  Size2(int64_t v) : h(v), w(v) {}  // NOLINT: implicit, like Python's int-or-tuple
  Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  int64_t operator[](int i) const { return i == 0 ? h : w; }
  bool operator==(const Size2& o) const { return h == o.h && w == o.w; }
};

enum class PaddingMode { Explicit, Same, Valid };

// Convolution padding: explicit sizes, or "same" / "valid" (string or PaddingMode).
// "same" keeps the input size (stride must be 1); when the total padding is odd the
// extra row/column goes at the end, as in PyTorch.
struct ConvPadding {
  PaddingMode mode = PaddingMode::Explicit;
  Size2 size{0};
  ConvPadding(int64_t v) : size(v) {}  // NOLINT
  ConvPadding(int v) : size(v) {}      // NOLINT
  ConvPadding(int64_t h, int64_t w) : size(h, w) {}
  ConvPadding(Size2 s) : size(s) {}    // NOLINT
  ConvPadding(PaddingMode m) : mode(m) {}  // NOLINT
  ConvPadding(const char* s);              // NOLINT: "same" or "valid"
  ConvPadding(const std::string& s) : ConvPadding(s.c_str()) {}  // NOLINT
};

// x:(N,C,H,W) w:(O,C/groups,KH,KW) b:(O) -> (N,O,OH,OW), OH = (H + 2p - d(KH-1) - 1)/s + 1
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Size2 stride = 1,
              ConvPadding padding = 0, Size2 dilation = 1, int64_t groups = 1);
// x:(N,C,L) w:(O,C/groups,K) b:(O) -> (N,O,OL); also unbatched (C,L).
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), int64_t stride = 1,
              ConvPadding padding = 0, int64_t dilation = 1, int64_t groups = 1);
// The gradient of conv2d with respect to its input, as a layer.
// x:(N,Cin,H,W) w:(Cin,Cout/groups,KH,KW) b:(Cout) -> (N,Cout,OH,OW),
// OH = (H-1)s - 2p + d(KH-1) + output_padding + 1.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Size2 stride = 1,
                        Size2 padding = 0, Size2 output_padding = 0, int64_t groups = 1, Size2 dilation = 1);

}  // namespace ember::nn::functional

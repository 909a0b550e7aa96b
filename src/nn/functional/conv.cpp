// conv1d, conv2d, conv_transpose2d: shape rules, forward and backward (ConvolutionBackward0).
// The maths lives in backend/cpu/conv_kernels.h; every form is reduced to one 2-D
// geometry (1-D: H = 1; unbatched: N = 1; transposed: the roles of input and output swap).
#include "ember/nn/functional/conv.h"

#include <cstring>

#include "autograd/record.h"
#include "backend/cpu/conv_kernels.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/ops.h"
#include "nn/functional/util.h"
#include "tensor/make.h"

namespace ember::nn::functional {

ConvPadding::ConvPadding(const char* s) {
  std::string v = s ? s : "";
  EMBER_CHECK(v == "same" || v == "valid", "conv: invalid padding string '", v,
              "', should be one of {'valid', 'same'}");
  mode = v == "same" ? PaddingMode::Same : PaddingMode::Valid;
}

namespace {

using cpu::ConvGeom;

// What one call computes: 4-D shapes the kernels see, and the user-visible shapes.
struct ConvCall {
  const char* name;
  ConvGeom g;
  bool transposed = false;
  Shape x4, w4, y4;         // kernel-side shapes of input, weight, output
  Shape y_shape;            // what the user gets
};

void check_dtypes(const char* name, const Tensor& x, const Tensor& w, const Tensor& b) {
  EMBER_CHECK(x.defined() && w.defined(), name, ": input and weight must be defined");
  EMBER_CHECK(x.is_floating_point(), name, ": expected a floating-point input, got ", dtype_name(x.dtype()));
  EMBER_CHECK(w.dtype() == x.dtype(), name, ": input (", dtype_name(x.dtype()), ") and weight (",
              dtype_name(w.dtype()), ") must have the same dtype");
  EMBER_CHECK(!b.defined() || b.dtype() == x.dtype(), name, ": input (", dtype_name(x.dtype()), ") and bias (",
              dtype_name(b.dtype()), ") must have the same dtype");
}

// y:(N,O,OH,OW) += b:(O)
void add_bias(Tensor& y, const Tensor& b) {
  Tensor bc = cpu::contiguous(b);
  Tensor bv = make_view(bc, Layout{{1, b.numel(), 1, 1}, {0, 1, 0, 0}, bc.storage_offset()});
  cpu::binary(cpu::BinaryOp::Add, y, bv, y);
}

Tensor run_conv(const ConvCall& c, const Tensor& x, const Tensor& w, const Tensor& b) {
  const DType dt = x.dtype();
  Tensor x4 = reshaped(x, c.x4), w4 = reshaped(w, c.w4);
  Tensor bc = b.defined() ? cpu::contiguous(b) : Tensor();
  Tensor y4 = make_empty(c.y4, dt);
  const bool grad = autograd::needs_grad(x, w, b);
  const bool rx = grad && x.requires_grad(), rw = grad && w.requires_grad(), rb = grad && b.defined() && b.requires_grad();
  Tensor src_keep;  // x as the forward primitive read it, reused by the weights gradient
  if (!c.transposed) {
    cpu::conv2d_forward(x4, w4, bc, y4, c.g, rw ? &src_keep : nullptr);
  } else {
    cpu::conv2d_backward_data(x4, w4, y4, c.g);  // the kernels' "output" is our input
    if (bc.defined()) add_bias(y4, bc);
  }
  Tensor y = reshaped(y4, c.y_shape);
  if (grad) {
    const Shape xs = x.sizes(), ws = w.sizes();
    autograd::record("ConvolutionBackward0", {x, w, b}, {y}, {rw ? x : Tensor(), w},
                     [c, xs, ws, rx, rw, rb, src_keep](const TensorList& g, const TensorList& s) -> TensorList {
                       check_no_double_backward(c.name);
                       Tensor gy = reshaped(cpu::convert(g[0], s[1].dtype()), c.y4);
                       Tensor w4 = reshaped(s[1], c.w4);
                       Tensor x4 = rw ? reshaped(s[0], c.x4) : Tensor();
                       Tensor gx = rx ? make_empty(c.x4, gy.dtype()) : Tensor();
                       Tensor gw = rw ? make_empty(c.w4, gy.dtype()) : Tensor();
                       Tensor gb;
                       if (!c.transposed) {
                         if (rb && rw) gb = make_empty({c.y4[1]}, gy.dtype());  // fused into the weights pass
                         cpu::conv2d_backward(gy, x4, src_keep, w4, rx ? &gx : nullptr, rw ? &gw : nullptr,
                                              gb.defined() ? &gb : nullptr, c.g);
                       } else {
                         if (rx) cpu::conv2d_forward(gy, w4, Tensor(), gx, c.g);
                         Tensor no_bias;
                         if (rw) cpu::conv2d_backward_weights(x4, gy, gw, no_bias, c.g);
                       }
                       if (rb && !gb.defined()) {
                         gb = make_empty({1, c.y4[1], 1, 1}, gy.dtype());
                         cpu::sum_dims(gy, {0, 2, 3}, gb);
                         gb = reshaped(gb, {c.y4[1]});
                       }
                       return {rx ? reshaped(gx, xs) : Tensor(), rw ? reshaped(gw, ws) : Tensor(), gb};
                     });
  }
  return y;
}

// Fills g's spatial dim `i` of a forward convolution; returns false if the output is empty.
void set_forward_dim(ConvGeom& g, int i, int64_t in, int64_t k, int64_t stride, int64_t dil,
                     const ConvPadding& pad, int64_t& out) {
  EMBER_CHECK(stride > 0, "conv: stride must be positive, got ", stride);
  EMBER_CHECK(dil > 0, "conv: dilation must be positive, got ", dil);
  int64_t pl = 0, pr = 0;
  if (pad.mode == PaddingMode::Explicit) {
    EMBER_CHECK(pad.size[i] >= 0, "conv: negative padding is not supported, got ", pad.size[i]);
    pl = pr = pad.size[i];
  } else if (pad.mode == PaddingMode::Same) {
    const int64_t total = dil * (k - 1);
    pl = total / 2;
    pr = total - pl;
  }
  g.stride[i] = stride;
  g.dil[i] = dil;
  g.pad_l[i] = pl;
  g.pad_r[i] = pr;
  out = (in + pl + pr - dil * (k - 1) - 1) / stride + 1;
  if (in + pl + pr - dil * (k - 1) - 1 < 0) out = 0;
}

// The shared part of conv1d/conv2d once everything is 2-D.
Tensor conv_nd(const char* name, const Tensor& x, const Tensor& w, const Tensor& b, int nd, Size2 stride,
               const ConvPadding& padding, Size2 dilation, int64_t groups) {
  check_dtypes(name, x, w, b);
  EMBER_CHECK(x.dim() == nd + 1 || x.dim() == nd + 2, name, ": expected ", nd + 1, "D (unbatched) or ", nd + 2,
              "D (batched) input, but got input of size: ", shape_str(x.sizes()));
  EMBER_CHECK(w.dim() == nd + 2, name, ": expected a ", nd + 2, "D weight, got weight of size ",
              shape_str(w.sizes()));
  EMBER_CHECK(groups > 0, name, ": groups must be positive, got ", groups);
  // (oneDNN has no primitive for an empty weight; PyTorch rejects one too)
  EMBER_CHECK(w.numel() > 0, name, ": expected a non-empty weight, got weight of size ", shape_str(w.sizes()));
  const bool batched = x.dim() == nd + 2;
  const int64_t N = batched ? x.size(0) : 1, C = x.size(batched ? 1 : 0);
  const int64_t O = w.size(0);
  EMBER_CHECK(O % groups == 0, name, ": weight ", shape_str(w.sizes()), " has ", O,
              " output channels, not divisible by groups=", groups);
  EMBER_CHECK(C == w.size(1) * groups, name, ": input ", shape_str(x.sizes()), " has ", C, " channels but weight ",
              shape_str(w.sizes()), " expects ", w.size(1) * groups, " (groups=", groups, ")");
  EMBER_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == O), name, ": bias ",
              b.defined() ? shape_str(b.sizes()) : "", " should have shape (", O, ") for weight ",
              shape_str(w.sizes()));
  if (padding.mode == PaddingMode::Same)
    EMBER_CHECK(stride.h == 1 && stride.w == 1, name, ": padding='same' is not supported for strided convolutions");
  const int64_t H = nd == 2 ? x.size(-2) : 1, W = x.size(-1);
  const int64_t KH = nd == 2 ? w.size(2) : 1, KW = w.size(-1);
  ConvCall c;
  c.name = name;
  ConvGeom& g = c.g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.O = O, g.KH = KH, g.KW = KW, g.groups = groups;
  if (nd == 2) {
    set_forward_dim(g, 0, H, KH, stride.h, dilation.h, padding, g.OH);
    set_forward_dim(g, 1, W, KW, stride.w, dilation.w, padding, g.OW);
  } else {
    ConvPadding p1 = padding;
    if (p1.mode == PaddingMode::Explicit) p1.size = Size2(0, padding.size.h);
    set_forward_dim(g, 0, 1, 1, 1, 1, ConvPadding(0), g.OH);
    set_forward_dim(g, 1, W, KW, stride.h, dilation.h, p1, g.OW);
  }
  EMBER_CHECK(g.OH > 0 && g.OW > 0, name, ": input ", shape_str(x.sizes()), " (with padding) is smaller than the",
              " dilated kernel of weight ", shape_str(w.sizes()), "; the output would be empty");
  c.x4 = {N, C, H, W};
  c.w4 = {O, w.size(1), KH, KW};
  c.y4 = {N, O, g.OH, g.OW};
  c.y_shape = nd == 2 ? Shape{N, O, g.OH, g.OW} : Shape{N, O, g.OW};
  if (!batched) c.y_shape.erase(c.y_shape.begin());
  return run_conv(c, x, w, b);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride, ConvPadding padding,
              Size2 dilation, int64_t groups) {
  return conv_nd("conv2d", x, weight, bias, 2, stride, padding, dilation, groups);
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride, ConvPadding padding,
              int64_t dilation, int64_t groups) {
  return conv_nd("conv1d", x, weight, bias, 1, Size2(stride), padding, Size2(dilation), groups);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, Size2 stride, Size2 padding,
                        Size2 output_padding, int64_t groups, Size2 dilation) {
  const char* name = "conv_transpose2d";
  check_dtypes(name, x, w, b);
  EMBER_CHECK(x.dim() == 3 || x.dim() == 4, name, ": expected 3D (unbatched) or 4D (batched) input, but got input",
              " of size: ", shape_str(x.sizes()));
  EMBER_CHECK(w.dim() == 4, name, ": expected a 4D weight, got weight of size ", shape_str(w.sizes()));
  EMBER_CHECK(groups > 0, name, ": groups must be positive, got ", groups);
  EMBER_CHECK(w.numel() > 0, name, ": expected a non-empty weight, got weight of size ", shape_str(w.sizes()));
  const bool batched = x.dim() == 4;
  const int64_t N = batched ? x.size(0) : 1, Cin = x.size(batched ? 1 : 0), H = x.size(-2), W = x.size(-1);
  EMBER_CHECK(Cin == w.size(0), name, ": input ", shape_str(x.sizes()), " has ", Cin, " channels but weight ",
              shape_str(w.sizes()), " expects ", w.size(0), " (groups=", groups, ")");
  EMBER_CHECK(Cin % groups == 0, name, ": ", Cin, " input channels are not divisible by groups=", groups);
  const int64_t Cout = w.size(1) * groups, KH = w.size(2), KW = w.size(3);
  EMBER_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == Cout), name, ": bias ",
              b.defined() ? shape_str(b.sizes()) : "", " should have shape (", Cout, ") for weight ",
              shape_str(w.sizes()));
  ConvCall c;
  c.name = name;
  c.transposed = true;
  ConvGeom& g = c.g;
  // The equivalent forward convolution maps the (big) output to the input.
  g.N = N, g.C = Cout, g.O = Cin, g.KH = KH, g.KW = KW, g.OH = H, g.OW = W, g.groups = groups;
  const int64_t in[2] = {H, W}, k[2] = {KH, KW};
  int64_t out[2];
  for (int i = 0; i < 2; ++i) {
    EMBER_CHECK(stride[i] > 0 && dilation[i] > 0 && padding[i] >= 0 && output_padding[i] >= 0, name,
                ": stride and dilation must be positive and padding non-negative");
    EMBER_CHECK(output_padding[i] < stride[i] || output_padding[i] < dilation[i], name,
                ": output padding must be smaller than either stride or dilation, but got output_padding=(",
                output_padding.h, ", ", output_padding.w, "), stride=(", stride.h, ", ", stride.w,
                "), dilation=(", dilation.h, ", ", dilation.w, ")");
    out[i] = (in[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + output_padding[i] + 1;
    EMBER_CHECK(out[i] > 0, name, ": input ", shape_str(x.sizes()), " with weight ", shape_str(w.sizes()),
                " and padding (", padding.h, ", ", padding.w, ") gives an empty output");
    g.stride[i] = stride[i];
    g.dil[i] = dilation[i];
    g.pad_l[i] = padding[i];
    g.pad_r[i] = padding[i] - output_padding[i];
  }
  g.H = out[0], g.W = out[1];
  c.x4 = {N, Cin, H, W};
  c.w4 = w.sizes();
  c.y4 = {N, Cout, out[0], out[1]};
  c.y_shape = batched ? c.y4 : Shape{Cout, out[0], out[1]};
  return run_conv(c, x, w, b);
}

}  // namespace ember::nn::functional

// max_pool2d (with indices), avg_pool2d, adaptive_avg_pool2d: shape rules, forward and backward.
// float32 runs on oneDNN where it computes what PyTorch does; otherwise (float64, indices
// requested, avg windows cut by ceil_mode, divisor_override, adaptive bins that overlap) the
// loops in pool_kernels.cpp.
#include "ember/nn/functional/pooling.h"

#include "autograd/record.h"
#include "backend/cpu/pool_kernels.h"
#include "nn/functional/util.h"
#include "tensor/make.h"

namespace ember::nn::functional {

namespace {

using cpu::PoolGeom;

// floor(a / b) for b > 0.
int64_t div_floor(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PyTorch's pooling_output_shape.
int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  int64_t out = div_floor(in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;  // the last window must start inside the input
  return out;
}

// A pooling call: its geometry and the shape the user gets.
struct PoolCall {
  PoolGeom g;
  Shape y_shape;
  Shape planes_in() const { return {g.P, g.H, g.W}; }
  Shape planes_out() const { return {g.P, g.OH, g.OW}; }
};

// x:(N,C,H,W) or (C,H,W): the planes, and the output shape for (OH, OW).
PoolCall plan(const char* op, const Tensor& x, int64_t OH, int64_t OW) {
  EMBER_CHECK(x.defined(), op, ": input is undefined");
  EMBER_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", dtype_name(x.dtype()));
  bool nonempty = x.dim() == 3 || x.dim() == 4;
  for (int64_t d = 1; nonempty && d < x.dim(); ++d) nonempty = x.size(d) > 0;
  EMBER_CHECK(nonempty, op, ": expected a 3D (C,H,W) or 4D (N,C,H,W) input with non-zero C, H and W, got ",
              shape_str(x.sizes()));
  PoolCall c;
  const bool batched = x.dim() == 4;
  c.g.N = batched ? x.size(0) : 1;
  c.g.C = x.size(-3);
  c.g.P = c.g.N * c.g.C;
  c.g.H = x.size(-2);
  c.g.W = x.size(-1);
  c.g.OH = OH;
  c.g.OW = OW;
  c.y_shape = batched ? Shape{c.g.N, c.g.C, OH, OW} : Shape{c.g.C, OH, OW};
  return c;
}

// Window geometry shared by max and avg pooling, with PyTorch's checks.
PoolCall plan_window(const char* op, const Tensor& x, Size2 k, std::optional<Size2> stride_opt, Size2 pad, Size2 dil,
                     bool ceil_mode) {
  const Size2 stride = stride_opt.value_or(k);
  EMBER_CHECK(k.h > 0 && k.w > 0, op, ": kernel size should be greater than zero, but got (", k.h, ", ", k.w, ")");
  EMBER_CHECK(stride.h > 0 && stride.w > 0, op, ": stride should be greater than zero, but got (", stride.h, ", ",
              stride.w, ")");
  EMBER_CHECK(dil.h > 0 && dil.w > 0, op, ": dilation should be greater than zero, but got (", dil.h, ", ", dil.w,
              ")");
  EMBER_CHECK(pad.h >= 0 && pad.w >= 0 && pad.h <= k.h / 2 && pad.w <= k.w / 2, op,
              ": pad should be at most half of kernel size, but got pad=(", pad.h, ", ", pad.w, ") and kernel_size=(",
              k.h, ", ", k.w, ")");
  PoolCall c = plan(op, x, 0, 0);
  c.g.OH = pool_out(c.g.H, k.h, pad.h, stride.h, dil.h, ceil_mode);
  c.g.OW = pool_out(c.g.W, k.w, pad.w, stride.w, dil.w, ceil_mode);
  EMBER_CHECK(c.g.OH >= 1 && c.g.OW >= 1, op, ": given input size ", shape_str(x.sizes()), ", the calculated output",
              " size (", c.g.OH, ", ", c.g.OW, ") is too small (kernel_size=(", k.h, ", ", k.w, "), stride=(", stride.h,
              ", ", stride.w, "), padding=(", pad.h, ", ", pad.w, "), dilation=(", dil.h, ", ", dil.w, "))");
  c.g.KH = k.h, c.g.KW = k.w;
  c.g.stride[0] = stride.h, c.g.stride[1] = stride.w;
  c.g.pad[0] = pad.h, c.g.pad[1] = pad.w;
  c.g.dil[0] = dil.h, c.g.dil[1] = dil.w;
  c.y_shape[c.y_shape.size() - 2] = c.g.OH;
  c.y_shape.back() = c.g.OW;
  return c;
}

std::tuple<Tensor, Tensor> max_pool_impl(const Tensor& x, const PoolCall& c, bool want_indices) {
  const bool grad = autograd::needs_grad(x);
  Tensor xp = reshaped(x, c.planes_in());
  Tensor y = make_empty(c.planes_out(), x.dtype());
  Tensor idx, ws;
  const bool on_dnnl = !want_indices && cpu::dnnl_max_pool2d_forward(xp, y, ws, c.g, grad);
  if (!on_dnnl) {
    idx = make_empty(c.planes_out(), kInt64);
    cpu::max_pool2d_forward(xp, y, idx, c.g);
  }
  Tensor out = reshaped(y, c.y_shape);
  if (grad) {
    const PoolGeom g = c.g;
    const Shape xs = x.sizes();
    autograd::record("MaxPool2DWithIndicesBackward0", {x}, {out}, {},
                     [g, xs, idx, ws, on_dnnl](const TensorList& gr, const TensorList&) -> TensorList {
                       check_no_double_backward("max_pool2d");
                       Tensor gy = reshaped(gr[0], {g.P, g.OH, g.OW});
                       Tensor gx = make_empty({g.P, g.H, g.W}, gy.dtype());
                       if (on_dnnl) cpu::dnnl_max_pool2d_backward(gy, ws, gx, g);
                       else cpu::max_pool2d_backward(gy, idx, gx, g);
                       return {reshaped(gx, xs)};
                     });
  }
  return {out, want_indices ? reshaped(idx, c.y_shape) : Tensor()};
}

}  // namespace

Tensor max_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride, Size2 padding, Size2 dilation,
                  bool ceil_mode) {
  PoolCall c = plan_window("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode);
  return std::get<0>(max_pool_impl(x, c, false));
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride,
                                                   Size2 padding, Size2 dilation, bool ceil_mode) {
  PoolCall c = plan_window("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode);
  return max_pool_impl(x, c, true);
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  EMBER_CHECK(!divisor_override || *divisor_override != 0, "avg_pool2d: divisor must be not zero");
  PoolCall c = plan_window("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode);
  const int64_t div = divisor_override.value_or(0);
  Tensor xp = reshaped(x, c.planes_in());
  Tensor y = make_empty(c.planes_out(), x.dtype());
  if (!cpu::dnnl_avg_pool2d_forward(xp, y, c.g, count_include_pad, div))
    cpu::avg_pool2d_forward(xp, y, c.g, count_include_pad, div);
  Tensor out = reshaped(y, c.y_shape);
  if (autograd::needs_grad(x)) {
    const PoolGeom g = c.g;
    const Shape xs = x.sizes();
    autograd::record("AvgPool2DBackward0", {x}, {out}, {},
                     [g, xs, count_include_pad, div](const TensorList& gr, const TensorList&) -> TensorList {
                       check_no_double_backward("avg_pool2d");
                       Tensor gy = reshaped(gr[0], {g.P, g.OH, g.OW});
                       Tensor gx = make_empty({g.P, g.H, g.W}, gy.dtype());
                       if (!cpu::dnnl_avg_pool2d_backward(gy, gx, g, count_include_pad, div))
                         cpu::avg_pool2d_backward(gy, gx, g, count_include_pad, div);
                       return {reshaped(gx, xs)};
                     });
  }
  return out;
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  EMBER_CHECK(output_size.h > 0 && output_size.w > 0, "adaptive_avg_pool2d: output_size must be positive, got (",
              output_size.h, ", ", output_size.w, ")");
  PoolCall c = plan("adaptive_avg_pool2d", x, output_size.h, output_size.w);
  // When the bins tile the input exactly, they are the windows of a plain average pool (oneDNN).
  PoolGeom tiled = c.g;
  const bool tiles = c.g.H % c.g.OH == 0 && c.g.W % c.g.OW == 0;
  if (tiles) {
    tiled.KH = tiled.stride[0] = c.g.H / c.g.OH;
    tiled.KW = tiled.stride[1] = c.g.W / c.g.OW;
  }
  Tensor xp = reshaped(x, c.planes_in());
  Tensor y = make_empty(c.planes_out(), x.dtype());
  if (!(tiles && cpu::dnnl_avg_pool2d_forward(xp, y, tiled, true, 0))) cpu::adaptive_avg_pool2d_forward(xp, y, c.g);
  Tensor out = reshaped(y, c.y_shape);
  if (autograd::needs_grad(x)) {
    const PoolGeom g = c.g;
    const Shape xs = x.sizes();
    autograd::record("AdaptiveAvgPool2DBackward0", {x}, {out}, {},
                     [g, tiled, tiles, xs](const TensorList& gr, const TensorList&) -> TensorList {
                       check_no_double_backward("adaptive_avg_pool2d");
                       Tensor gy = reshaped(gr[0], {g.P, g.OH, g.OW});
                       Tensor gx = make_empty({g.P, g.H, g.W}, gy.dtype());
                       if (!(tiles && cpu::dnnl_avg_pool2d_backward(gy, gx, tiled, true, 0)))
                         cpu::adaptive_avg_pool2d_backward(gy, gx, g);
                       return {reshaped(gx, xs)};
                     });
  }
  return out;
}

}  // namespace ember::nn::functional

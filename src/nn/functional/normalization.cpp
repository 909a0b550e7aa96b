// layer_norm and group_norm: shape rules, forward and backward (NativeLayerNormBackward0,
// NativeGroupNormBackward0), both on the row-normalisation kernels in backend/cpu/norm_kernels.h.
#include "ember/nn/functional/normalization.h"

#include "autograd/record.h"
#include "backend/cpu/norm_kernels.h"
#include "nn/functional/util.h"
#include "tensor/make.h"

namespace ember::nn::functional {

namespace {

using cpu::RowNormGeom;

void check_affine(const char* op, const char* what, const Tensor& t, const Tensor& x, const Shape& shape) {
  if (!t.defined()) return;
  EMBER_CHECK(t.sizes() == shape, op, ": ", what, " should have shape ", shape_str(shape), ", got ",
              shape_str(t.sizes()));
  EMBER_CHECK(t.dtype() == x.dtype(), op, ": ", what, " has dtype ", dtype_name(t.dtype()), " but the input has ",
              dtype_name(x.dtype()));
}

// The shared forward/backward of layer_norm and group_norm on x seen as rows.
Tensor row_norm(const char* op, const char* node, const Tensor& x, const Tensor& weight, const Tensor& bias,
                const RowNormGeom& g, double eps) {
  const DType dt = x.dtype();
  Tensor x2 = reshaped(x, {g.R, g.D});
  Tensor w = weight.defined() ? reshaped(weight, {g.channels()}) : Tensor();
  Tensor b = bias.defined() ? reshaped(bias, {g.channels()}) : Tensor();
  Tensor y = make_empty({g.R, g.D}, dt), mean = make_empty({g.R}, dt), rstd = make_empty({g.R}, dt);
  cpu::row_norm_forward(x2, w, b, y, mean, rstd, g, eps);
  Tensor out = reshaped(y, x.sizes());
  if (autograd::needs_grad(x, weight, bias)) {
    const bool has_w = weight.defined(), has_b = bias.defined();
    const Shape ws = has_w ? weight.sizes() : Shape{};
    const Shape bs = has_b ? bias.sizes() : Shape{};
    autograd::record(node, {x, weight, bias}, {out}, {x, weight},
                     [op, g, mean, rstd, has_w, has_b, ws, bs](const TensorList& gr, const TensorList& s) -> TensorList {
                       check_no_double_backward(op);
                       const DType dt = s[0].dtype();
                       Tensor gy = reshaped(cpu::convert(gr[0], dt), {g.R, g.D});
                       Tensor x2 = reshaped(s[0], {g.R, g.D});
                       Tensor w = has_w ? reshaped(s[1], {g.channels()}) : Tensor();
                       Tensor gx = make_empty({g.R, g.D}, dt);
                       Tensor gw = has_w ? make_empty({g.channels()}, dt) : Tensor();
                       Tensor gb = has_b ? make_empty({g.channels()}, dt) : Tensor();
                       cpu::row_norm_backward(gy, x2, w, mean, rstd, g, gx, gw, gb);
                       return {reshaped(gx, s[0].sizes()), has_w ? reshaped(gw, ws) : Tensor(),
                               has_b ? reshaped(gb, bs) : Tensor()};
                     });
  }
  return out;
}

void check_input(const char* op, const Tensor& x) {
  EMBER_CHECK(x.defined(), op, ": input is undefined");
  EMBER_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", dtype_name(x.dtype()));
}

}  // namespace

// x:(*, normalized_shape) -> same shape
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_input("layer_norm", x);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  EMBER_CHECK(k >= 1, "layer_norm: normalized_shape must have at least one dimension");
  bool match = x.dim() >= k;
  for (int64_t i = 0; match && i < k; ++i) match = x.size(x.dim() - k + i) == normalized_shape[i];
  EMBER_CHECK(match, "layer_norm: given normalized_shape=", shape_str(normalized_shape),
              ", expected input with shape (*, ", shape_str(normalized_shape).substr(1), ", but got input of size ",
              shape_str(x.sizes()));
  check_affine("layer_norm", "weight", weight, x, normalized_shape);
  check_affine("layer_norm", "bias", bias, x, normalized_shape);
  RowNormGeom g;
  g.D = shape_numel(normalized_shape);
  g.R = g.D > 0 ? x.numel() / g.D : 0;
  return row_norm("layer_norm", "NativeLayerNormBackward0", x, weight, bias, g, eps);
}

// x:(N,C,*) -> same shape
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  check_input("group_norm", x);
  EMBER_CHECK(x.dim() >= 2, "group_norm: expected an input of shape (N,C,*), got ", shape_str(x.sizes()));
  const int64_t N = x.size(0), C = x.size(1);
  EMBER_CHECK(num_groups > 0 && C % num_groups == 0, "group_norm: expected the number of channels (", C,
              ") to be divisible by num_groups (", num_groups, "), input ", shape_str(x.sizes()));
  check_affine("group_norm", "weight", weight, x, {C});
  check_affine("group_norm", "bias", bias, x, {C});
  RowNormGeom g;
  g.G = num_groups;
  g.R = N * num_groups;
  g.S = C > 0 && N > 0 ? x.numel() / (N * C) : 1;
  g.D = (C / num_groups) * g.S;
  EMBER_CHECK(g.S > 0, "group_norm: the input ", shape_str(x.sizes()), " has no spatial positions");
  return row_norm("group_norm", "NativeGroupNormBackward0", x, weight, bias, g, eps);
}

}  // namespace ember::nn::functional

// F.linear: y = x W^T + b, one matmul call with the bias fused and one autograd node
// (AddmmBackward0 / MmBackward0, PyTorch's names for it) whose gradients are
//   dx = g W,  dW = g^T x (contiguous, like W),  db = sum of g's rows,
// written with tensor ops so that they differentiate again.
#include "autograd/record.h"
#include "backend/cpu/matmul.h"
#include "ember/nn/functional.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember::nn::functional {

namespace {

// x:(N,in) weight:(out,in) bias:(out) or undefined -> (N,out); checks done.
Tensor linear_2d(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  EMBER_CHECK(x.dtype() == weight.dtype() && (!bias.defined() || bias.dtype() == x.dtype()),
              "linear: expected input, weight and bias of one dtype, got ", dtype_name(x.dtype()), ", ",
              dtype_name(weight.dtype()), bias.defined() ? std::string(" and ") + dtype_name(bias.dtype()) : "");
  EMBER_CHECK(x.dtype() != kBool, "linear: not implemented for bool tensors");
  Tensor out = make_empty({x.size(0), weight.size(0)}, x.dtype(), x.device());
  // the bias as a (1,out) row that the product broadcasts down
  Tensor b2 = bias.defined() ? make_view(bias, bias.layout().unsqueeze(0)) : Tensor();
  cpu::matmul(x, weight.t(), b2, out);
  if (autograd::needs_grad(x, weight, bias)) {
    const bool rx = x.requires_grad(), rw = weight.requires_grad(), rb = bias.defined() && bias.requires_grad();
    autograd::record(bias.defined() ? "AddmmBackward0" : "MmBackward0", {x, weight, bias}, {out},
                     {rw ? x : Tensor(), rx ? weight : Tensor()},
                     [rx, rw, rb](const TensorList& g, const TensorList& s) -> TensorList {
                       return {rx ? mm(g[0], s[1]) : Tensor(), rw ? mm(g[0].t(), s[0]) : Tensor(),
                               rb ? g[0].sum({0}) : Tensor()};
                     });
  }
  return out;
}

}  // namespace

// x:(*, in) weight:(out, in) bias:(out) -> (*, out)
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  EMBER_CHECK(x.defined() && weight.defined(), "linear: input or weight is undefined");
  EMBER_CHECK(weight.dim() == 2, "linear: weight must be 2-D (out_features, in_features), got shape ",
              shape_str(weight.sizes()));
  EMBER_CHECK(x.dim() >= 1, "linear: input must have at least 1 dimension, got a 0-D tensor");
  const int64_t in = weight.size(1), out = weight.size(0);
  EMBER_CHECK(x.size(-1) == in, "linear: input ", shape_str(x.sizes()), " and weight ", shape_str(weight.sizes()),
              ": input features differ (", x.size(-1), " vs ", in, ")");
  if (bias.defined())
    EMBER_CHECK(bias.dim() <= 1 && bias.numel() == out, "linear: bias of shape ", shape_str(bias.sizes()),
                " does not match out_features ", out, " of weight ", shape_str(weight.sizes()));
  const Tensor b = bias.defined() && bias.dim() == 0 ? bias.reshape({1}) : bias;
  if (x.dim() == 2) return linear_2d(x, weight, b);
  Shape out_shape(x.sizes().begin(), x.sizes().end() - 1);
  out_shape.push_back(out);
  return linear_2d(x.reshape({-1, in}), weight, b).reshape(out_shape);
}

}  // namespace ember::nn::functional

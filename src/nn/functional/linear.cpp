// F.linear: y = x W^T + b, as addmm (one fused oneDNN call with the bias) on x's rows.
#include "ember/nn/functional.h"
#include "ember/tensor/ops.h"

namespace ember::nn::functional {

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
  Shape out_shape(x.sizes().begin(), x.sizes().end() - 1);
  out_shape.push_back(out);
  Tensor x2 = x.dim() == 2 ? x : x.reshape({-1, in});
  Tensor y = bias.defined() ? addmm(bias.reshape({out}), x2, weight.t()) : mm(x2, weight.t());
  return x.dim() == 2 ? y : y.reshape(out_shape);
}

}  // namespace ember::nn::functional

// Golden ops for the losses (kind "function"): the op names are PyTorch's functional names
// (bce_loss = binary_cross_entropy, bce_with_logits = binary_cross_entropy_with_logits) and
// args its keyword arguments; optional tensors (weight, pos_weight) come as named inputs.
#include <ember/nn/functional/loss.h>

#include "golden/golden.h"

namespace ember::golden {
namespace {

namespace F = nn::functional;

F::Reduction reduction_of(const json& args) { return F::Reduction(arg_string(args, "reduction", "mean")); }
Tensor named_or_none(const Inputs& in, const char* name) { return in.has(name) ? in[name] : Tensor(); }

}  // namespace

EMBER_GOLDEN_OP(function, mse_loss) { return {F::mse_loss(in[0], in[1], reduction_of(args))}; }
EMBER_GOLDEN_OP(function, l1_loss) { return {F::l1_loss(in[0], in[1], reduction_of(args))}; }
EMBER_GOLDEN_OP(function, smooth_l1_loss) {
  return {F::smooth_l1_loss(in[0], in[1], reduction_of(args), arg_double(args, "beta", 1.0))};
}
EMBER_GOLDEN_OP(function, huber_loss) {
  return {F::huber_loss(in[0], in[1], reduction_of(args), arg_double(args, "delta", 1.0))};
}
EMBER_GOLDEN_OP(function, kl_div) {
  return {F::kl_div(in[0], in[1], reduction_of(args), arg_bool(args, "log_target", false))};
}
EMBER_GOLDEN_OP(function, bce_loss) {
  return {F::binary_cross_entropy(in[0], in[1], named_or_none(in, "weight"), reduction_of(args))};
}
EMBER_GOLDEN_OP(function, bce_with_logits) {
  return {F::binary_cross_entropy_with_logits(in[0], in[1], named_or_none(in, "weight"), reduction_of(args),
                                              named_or_none(in, "pos_weight"))};
}
EMBER_GOLDEN_OP(function, nll_loss) {
  return {F::nll_loss(in[0], in[1],
                      {named_or_none(in, "weight"), arg_int(args, "ignore_index", -100), reduction_of(args)})};
}
EMBER_GOLDEN_OP(function, cross_entropy) {
  return {F::cross_entropy(in[0], in[1],
                           {named_or_none(in, "weight"), arg_int(args, "ignore_index", -100), reduction_of(args),
                            arg_double(args, "label_smoothing", 0.0)})};
}

}  // namespace ember::golden

// The loss modules of ember/nn/losses.h: options and weight buffers around the functions.
#include "ember/nn/losses.h"

namespace ember::nn {

namespace F = functional;

namespace {
// Registers `t` as buffer `name` when defined (PyTorch registers None, which state_dict skips).
Tensor buffer_if_defined(Module& m, const char* name, const Tensor& t) {
  return t.defined() ? m.register_buffer(name, t) : Tensor();
}
}  // namespace

Loss::Loss(std::string type_name, Reduction r) : Module(std::move(type_name)), reduction(r) {}

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, reduction); }
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, reduction); }
Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, reduction, beta);
}
Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, reduction, delta);
}
Tensor KLDivLoss::forward(const Tensor& input, const Tensor& target) {
  return F::kl_div(input, target, reduction, log_target);
}

NLLLoss::NLLLoss(NLLLossOptions o) : Loss("NLLLoss", o.reduction), ignore_index(o.ignore_index) {
  weight = buffer_if_defined(*this, "weight", o.weight);
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target, {weight, ignore_index, reduction});
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyOptions o)
    : Loss("CrossEntropyLoss", o.reduction), ignore_index(o.ignore_index), label_smoothing(o.label_smoothing) {
  weight = buffer_if_defined(*this, "weight", o.weight);
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, {weight, ignore_index, reduction, label_smoothing});
}

BCELoss::BCELoss(Tensor w, Reduction r) : Loss("BCELoss", r) { weight = buffer_if_defined(*this, "weight", w); }
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, weight, reduction);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(Tensor w, Reduction r, Tensor pw) : Loss("BCEWithLogitsLoss", r) {
  weight = buffer_if_defined(*this, "weight", w);
  pos_weight = buffer_if_defined(*this, "pos_weight", pw);
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight);
}

}  // namespace ember::nn

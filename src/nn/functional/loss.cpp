// Regression and binary losses (mse, l1, smooth_l1, huber, binary_cross_entropy[_with_logits],
// kl_div) composed from tensor ops: their backward (and double backward) comes from the ops.
#include "ember/nn/functional/loss.h"

#include <cstring>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/ops.h"
#include "nn/functional/loss_util.h"

namespace ember::nn::functional {

Reduction::Reduction(const char* name) {
  const std::string n = name ? name : "";
  if (n == "none")
    kind = None;
  else if (n == "mean")
    kind = Mean;
  else if (n == "sum")
    kind = Sum;
  else if (n == "batchmean")
    kind = BatchMean;
  else
    EMBER_THROW(n, " is not a valid value for reduction (expected 'none', 'mean' or 'sum')");
}

const char* Reduction::name() const {
  switch (kind) {
    case None:
      return "none";
    case Mean:
      return "mean";
    case Sum:
      return "sum";
    case BatchMean:
      return "batchmean";
  }
  return "?";
}

namespace loss_detail {

Tensor reduce(const Tensor& l, Reduction r, const char* op) {
  switch (r.kind) {
    case Reduction::None:
      return l;
    case Reduction::Sum:
      return l.sum();
    case Reduction::Mean:
      return l.mean();
    case Reduction::BatchMean:
      break;
  }
  EMBER_THROW(op, ": reduction 'batchmean' is only valid for kl_div");
}

void check_floating(const char* op, const Tensor& t, const char* what) {
  EMBER_CHECK(t.defined(), op, ": ", what, " is undefined");
  EMBER_CHECK(t.is_floating_point(), op, ": expected a floating-point ", what, ", got ", dtype_name(t.dtype()));
}

void check_pair(const char* op, const Tensor& input, const Tensor& target) {
  check_floating(op, input, "input");
  check_floating(op, target, "target");
  EMBER_CHECK(input.sizes() == target.sizes(), op, ": target size ", shape_str(target.sizes()),
              " is different from the input size ", shape_str(input.sizes()),
              "; broadcasting them would pair every input with every target. Please ensure they have the same size.");
}

}  // namespace loss_detail

using namespace loss_detail;

// ---- regression ------------------------------------------------------------------------------

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair("mse_loss", input, target);
  Tensor d = input - target;
  return reduce(d * d, reduction, "mse_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair("l1_loss", input, target);
  return reduce(abs(input - target), reduction, "l1_loss");
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check_pair("smooth_l1_loss", input, target);
  EMBER_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  Tensor d = input - target, z = abs(d);
  if (beta == 0.0) return reduce(z, reduction, "smooth_l1_loss");
  return reduce(where(z < beta, d * d * (0.5 / beta), z - 0.5 * beta), reduction, "smooth_l1_loss");
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_pair("huber_loss", input, target);
  EMBER_CHECK(delta > 0, "huber_loss: delta must be positive, got ", delta);
  Tensor d = input - target, z = abs(d);
  return reduce(where(z < delta, d * d * 0.5, (z - 0.5 * delta) * delta), reduction, "huber_loss");
}

// ---- binary ------------------------------------------------------------------------------------

namespace {

// Every element of x in [0, 1] (NaN fails).
bool in_unit_interval(const Tensor& x) {
  Tensor c = cpu::contiguous(x.detach());
  return cpu::dispatch_floating(c.dtype(), "binary_cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.data_ptr<T>();
    for (int64_t i = 0; i < c.numel(); ++i)
      if (!(p[i] >= T(0) && p[i] <= T(1))) return false;
    return true;
  });
}

Tensor weighted(const Tensor& l, const Tensor& weight, const char* op) {
  if (!weight.defined()) return l;
  check_floating(op, weight, "weight");
  return l * weight;  // broadcasts like PyTorch (e.g. a per-class weight over the last dim)
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  const char* op = "binary_cross_entropy";
  check_pair(op, input, target);
  EMBER_CHECK(in_unit_interval(input), op, ": all elements of input should be between 0 and 1");
  // log clamped at -100 so that x = 0 or 1 gives a finite loss, as PyTorch does.
  Tensor l = -(target * clamp_min(log(input), -100.0) + (1 - target) * clamp_min(log(1 - input), -100.0));
  return reduce(weighted(l, weight, op), reduction, op);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        Reduction reduction, const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  check_pair(op, input, target);
  // log(1 + e^-|x|) + max(-x, 0) = -log sigmoid(x), without overflow.
  Tensor neg_log_sig = log1p(exp(-abs(input))) + relu(-input);
  Tensor l;
  if (pos_weight.defined()) {
    check_floating(op, pos_weight, "pos_weight");
    Tensor log_weight = (pos_weight - 1) * target + 1;
    l = (1 - target) * input + log_weight * neg_log_sig;
  } else {
    l = (1 - target) * input + neg_log_sig;
  }
  return reduce(weighted(l, weight, op), reduction, op);
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  const char* op = "kl_div";
  check_pair(op, input, target);
  Tensor l;
  if (log_target) {
    l = exp(target) * (target - input);
  } else {
    // xlogy(t, t) - t x, with 0 log 0 = 0 (log of 1 there keeps the gradient finite too).
    Tensor safe = where(target > 0, target, 1.0);
    l = target * log(safe) - target * input;
  }
  if (reduction.kind == Reduction::BatchMean) {
    EMBER_CHECK(input.dim() >= 1, op, ": reduction 'batchmean' needs a batch dim, got a 0-d input");
    return l.sum() / static_cast<double>(input.size(0));
  }
  return reduce(l, reduction, op);
}

}  // namespace ember::nn::functional

#pragma once
// torch.nn.functional losses. Each is composed from differentiable tensor ops, so gradients
// (and gradients of gradients) flow to the input and, where PyTorch allows it, to the target.
//
//   Tensor l = F::cross_entropy(logits, labels, {.ignore_index = -1, .label_smoothing = 0.1});
//   Tensor m = F::mse_loss(pred, y, "sum");
//
// Input and target must have the same shape where PyTorch expects it (PyTorch only warns
// about the regression losses and then broadcasts, which is nearly always a bug: (N,1) vs (N)
// becomes (N,N)); ember raises an ember::Error naming both shapes instead.
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// reduction="none" | "mean" | "sum" (kl_div also takes "batchmean"). Converts from a string,
// so F::l1_loss(x, y, "sum") reads as in Python; an unknown name raises ember::Error.
struct Reduction {
  enum Kind { None, Mean, Sum, BatchMean };
  Kind kind = Mean;
  Reduction() = default;
  Reduction(Kind k) : kind(k) {}                                   // NOLINT: implicit, like Python's string argument
  Reduction(const char* name);                                     // NOLINT
  Reduction(const std::string& name) : Reduction(name.c_str()) {}  // NOLINT
  const char* name() const;
};

// ---- regression ------------------------------------------------------------------------------
// (input - target)^2
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// |input - target|
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);
// z = |input - target|: 0.5 z^2 / beta if z < beta, else z - 0.5 beta (beta = 0: l1_loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
                      double beta = 1.0);
// z = |input - target|: 0.5 z^2 if z < delta, else delta (z - 0.5 delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean, double delta = 1.0);

// ---- classification ----------------------------------------------------------------------------
struct NLLLossOptions {
  Tensor weight;                // (C) rescales each class; undefined: all 1
  int64_t ignore_index = -100;  // targets equal to it add nothing (and are not counted by "mean")
  Reduction reduction = Reduction::Mean;
};
// input: log-probabilities (N,C), (N,C,d1,...) or unbatched (C); target: class indices (N),
// (N,d1,...) or () (int64 or int32). loss_i = -weight[t_i] input[i, t_i]; "mean" divides the sum
// by the total weight of the targets that are not ignored.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& options = {});

struct CrossEntropyOptions {
  Tensor weight;                // (C)
  int64_t ignore_index = -100;  // class-index targets only
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0.0;  // in [0, 1]: mixes the target with the uniform distribution
};
// log_softmax over the class dim (1, or 0 unbatched) followed by nll_loss, with PyTorch's label
// smoothing. target: class indices as for nll_loss, or class probabilities with input's shape
// (floating dtype), for which "mean" divides by the number of samples N*d1*...
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options = {});

// input: probabilities in [0, 1]; target of the same shape.
// -weight (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::Mean);
// input: logits. -weight (p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))), p = pos_weight
// (broadcast over the last dim, one per class), computed stably from x.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        Reduction reduction = Reduction::Mean, const Tensor& pos_weight = Tensor());

// input: log-probabilities; target: probabilities (or log-probabilities when log_target).
// target (log target - input); "batchmean" divides the sum by input.size(0), which is the true
// KL divergence (PyTorch's default "mean" divides by every element).
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean,
              bool log_target = false);

}  // namespace ember::nn::functional

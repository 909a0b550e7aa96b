#pragma once
// Internal: the dropout the recurrent layers (between stacked layers) and attention (on its
// weights) apply in training mode: a Bernoulli(1 - p) mask scaled by 1 / (1 - p).
// TODO(nn merge): call nn::functional::dropout once the nn layers' branch has landed.
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

namespace ember::nn::functional {

inline Tensor rnn_dropout(const Tensor& y, double p) {
  if (p <= 0.0) return y;
  if (p >= 1.0) return y * 0.0;
  Tensor keep = rand(y.sizes(), y.dtype()) >= p;
  return y * (keep.to(y.dtype()) * (1.0 / (1.0 - p)));
}

}  // namespace ember::nn::functional

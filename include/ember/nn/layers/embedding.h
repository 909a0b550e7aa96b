#pragma once
// nn.Embedding: a lookup table weight:(num_embeddings, embedding_dim), initialised N(0,1),
// the padding_idx row zeroed and excluded from the gradient.
#include <optional>

#include "ember/nn/module.h"

namespace ember::nn {

class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt,
            std::optional<double> max_norm = std::nullopt);
  Tensor forward(const Tensor& indices) override;  // (*) int64 -> (*, embedding_dim)
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  std::optional<double> max_norm;
  Tensor weight;
};

}  // namespace ember::nn

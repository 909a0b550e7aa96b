#pragma once
// nn.Embedding: a lookup table weight:(num_embeddings, embedding_dim), initialised N(0,1),
// the padding_idx row zeroed and excluded from the gradient; max_norm renormalises the rows
// it looks up (in place), as PyTorch does.
#include <optional>

#include "ember/nn/module.h"

namespace ember::nn {

class Embedding : public Module {
 public:
  // padding_idx may be negative (counts from the end); it is stored non-negative, as PyTorch does.
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt,
            std::optional<double> max_norm = std::nullopt, double norm_type = 2.0);
  // A module around an existing table (PyTorch's Embedding.from_pretrained); freeze stops its gradient.
  static std::shared_ptr<Embedding> from_pretrained(const Tensor& embeddings, bool freeze = true,
                                                    std::optional<int64_t> padding_idx = std::nullopt,
                                                    std::optional<double> max_norm = std::nullopt,
                                                    double norm_type = 2.0);
  Tensor forward(const Tensor& indices) override;  // (*) int64 -> (*, embedding_dim)
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  std::optional<double> max_norm;
  double norm_type;
  Tensor weight;
};

}  // namespace ember::nn

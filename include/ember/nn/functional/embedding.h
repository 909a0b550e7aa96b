#pragma once
// torch.nn.functional.embedding: rows of a lookup table picked by integer indices.
#include <optional>

#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// input:(*) integer, weight:(V,D) -> (*, D). Rows equal to padding_idx (negative counts from
// the end) get no gradient. With max_norm, every row that `input` picks and whose norm_type-norm
// exceeds max_norm is first rescaled in place to norm max_norm (PyTorch's embedding_renorm_).
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0);

}  // namespace ember::nn::functional

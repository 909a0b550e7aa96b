// F.embedding: padding_idx normalisation, max_norm renormalisation (in place, outside the
// graph), then the lookup op ember::embedding (whose backward skips padding_idx rows).
#include "ember/nn/functional/embedding.h"

#include <cmath>
#include <set>

#include "autograd/record.h"
#include "backend/cpu/dispatch.h"
#include "ember/tensor/ops.h"

namespace ember::nn::functional {

namespace {

// PyTorch's embedding_renorm_: each distinct row i picked by `input` whose norm exceeds
// max_norm is scaled by max_norm / (norm + 1e-7).
void renorm_rows(const Tensor& weight, const Tensor& input, double max_norm, double norm_type) {
  EMBER_CHECK(weight.is_contiguous(), "embedding: max_norm needs a contiguous weight, got strides ",
              shape_str(weight.strides()));
  EMBER_CHECK(max_norm >= 0, "embedding: max_norm must be non-negative, got ", max_norm);
  NoGradGuard ng;
  Tensor idx = input.to(kInt64).contiguous();
  const int64_t V = weight.size(0), D = weight.size(1);
  const int64_t* ip = idx.data_ptr<int64_t>();
  std::set<int64_t> rows;
  for (int64_t i = 0; i < idx.numel(); ++i) {
    EMBER_CHECK(ip[i] >= 0 && ip[i] < V, "embedding: index ", ip[i], " is out of range for a weight of ", V,
                " rows (num_embeddings), weight shape ", shape_str(weight.sizes()));
    rows.insert(ip[i]);
  }
  autograd::check_inplace(weight, "embedding_renorm_");
  cpu::dispatch_floating(weight.dtype(), "embedding_renorm_", [&](auto tag) {
    using T = decltype(tag);
    T* wp = weight.data_ptr<T>();
    for (int64_t r : rows) {
      T* row = wp + r * D;
      double norm = 0.0;
      if (norm_type == 1.0) {
        for (int64_t d = 0; d < D; ++d) norm += std::fabs(static_cast<double>(row[d]));
      } else if (norm_type == 2.0) {
        for (int64_t d = 0; d < D; ++d) norm += static_cast<double>(row[d]) * static_cast<double>(row[d]);
        norm = std::sqrt(norm);
      } else if (std::isinf(norm_type)) {
        for (int64_t d = 0; d < D; ++d) norm = std::max(norm, std::fabs(static_cast<double>(row[d])));
      } else {
        for (int64_t d = 0; d < D; ++d) norm += std::pow(std::fabs(static_cast<double>(row[d])), norm_type);
        norm = std::pow(norm, 1.0 / norm_type);
      }
      if (norm > max_norm) {
        const double scale = max_norm / (norm + 1e-7);
        for (int64_t d = 0; d < D; ++d) row[d] = static_cast<T>(static_cast<double>(row[d]) * scale);
      }
    }
  });
}

}  // namespace

// input:(*) integer, weight:(V,D) -> (*, D)
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type) {
  EMBER_CHECK(input.defined() && weight.defined(), "embedding: input and weight must be defined");
  EMBER_CHECK(weight.dim() == 2, "embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape ",
              shape_str(weight.sizes()));
  EMBER_CHECK(!input.is_floating_point() && input.dtype() != kBool,
              "embedding: expected an integer index tensor (int64 or int32), got ", dtype_name(input.dtype()));
  const int64_t V = weight.size(0);
  int64_t pad = -1;
  if (padding_idx) {
    EMBER_CHECK(*padding_idx < V && *padding_idx >= -V, "embedding: padding_idx (", *padding_idx,
                ") must be within num_embeddings (", V, ")");
    pad = *padding_idx < 0 ? *padding_idx + V : *padding_idx;
  }
  if (max_norm) renorm_rows(weight, input, *max_norm, norm_type);
  return ember::embedding(weight, input, pad);
}

}  // namespace ember::nn::functional

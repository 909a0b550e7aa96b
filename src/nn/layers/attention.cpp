// nn.MultiheadAttention: PyTorch's parameters, init and batch_first handling around
// multi_head_attention_forward.
#include "ember/nn/layers/attention.h"

#include <cmath>

#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/tensor/factory.h"
#include "nn/layers/default_init.h"

namespace ember::nn {

namespace F = functional;

NonDynamicallyQuantizableLinear::NonDynamicallyQuantizableLinear(int64_t in, int64_t out, bool has_bias)
    : Module("NonDynamicallyQuantizableLinear"), in_features(in), out_features(out) {
  weight = register_parameter("weight", empty({out, in}));
  if (has_bias) bias = register_parameter("bias", empty({out}));
  detail::reset_weight_and_bias(weight, bias);  // nn.Linear's init
}

Tensor NonDynamicallyQuantizableLinear::forward(const Tensor& x) { return F::linear(x, weight, bias); }

std::string NonDynamicallyQuantizableLinear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "True" : "False");
}

MultiheadAttention::MultiheadAttention(int64_t embed_dim_, int64_t num_heads_, MultiheadAttentionOptions options_)
    : Module("MultiheadAttention"),
      embed_dim(embed_dim_),
      num_heads(num_heads_),
      head_dim(num_heads_ > 0 ? embed_dim_ / num_heads_ : 0),
      options(options_) {
  EMBER_CHECK(embed_dim > 0 && num_heads > 0, "MultiheadAttention: embed_dim and num_heads must be positive, got ",
              embed_dim, " and ", num_heads);
  EMBER_CHECK(head_dim * num_heads == embed_dim, "MultiheadAttention: embed_dim must be divisible by num_heads (",
              embed_dim, " vs ", num_heads, ")");
  EMBER_CHECK(options.dropout >= 0.0 && options.dropout <= 1.0,
              "MultiheadAttention: dropout should be a number in range [0, 1], got ", options.dropout);
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * embed_dim, embed_dim}));
  if (options.bias) in_proj_bias = register_parameter("in_proj_bias", empty({3 * embed_dim}));
  out_proj = register_module("out_proj",
                             std::make_shared<NonDynamicallyQuantizableLinear>(embed_dim, embed_dim, options.bias));
  reset_parameters();
}

void MultiheadAttention::reset_parameters() {
  init::xavier_uniform_(in_proj_weight);
  if (in_proj_bias.defined()) init::zeros_(in_proj_bias);
  if (out_proj->bias.defined()) init::zeros_(out_proj->bias);
}

MultiheadAttentionOutput MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                     const AttentionOptions& o) {
  Tensor q = query, k = key, v = value;
  if (options.batch_first && query.defined() && query.dim() == 3) {
    // Transpose each distinct tensor once, keeping self-attention's q is k is v (one projection).
    q = query.transpose(0, 1);
    k = key.is_same(query) ? q : key.transpose(0, 1);
    v = value.is_same(key) ? k : value.transpose(0, 1);
  }
  auto [out, weights] =
      F::multi_head_attention_forward(q, k, v, num_heads, in_proj_weight, in_proj_bias, out_proj->weight,
                                      out_proj->bias, o, options.dropout, is_training());
  if (options.batch_first && query.dim() == 3) out = out.transpose(0, 1);
  return {out, weights};
}

}  // namespace ember::nn

#pragma once
// Attention as functions: scaled_dot_product_attention and multi_head_attention_forward
// (torch.nn.functional's, PyTorch 1.13 semantics). Masks follow PyTorch: a bool mask marks the
// positions NOT allowed to attend (true -> -inf before the softmax); a float mask is added to
// the scores. A row whose every position is masked gives NaN, as in PyTorch.
#include <tuple>

#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// q:(..., L, E) k:(..., S, E) v:(..., S, Ev) -> (..., L, Ev): softmax(q k^T / sqrt(E) + mask) v.
// attn_mask broadcasts to (..., L, S); is_causal masks the positions j > i (no attn_mask then).
// dropout_p > 0 drops attention weights (callers pass 0 when not training).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0, bool is_causal = false);

// The keyword arguments of MultiheadAttention's forward.
struct AttentionOptions {
  Tensor key_padding_mask;           // (N,S) (unbatched: (S)); bool (true = ignore) or float (added)
  bool need_weights = true;          // also return the attention weights
  Tensor attn_mask;                  // (L,S) or (N*num_heads, L, S); bool or float
  bool average_attn_weights = true;  // weights averaged over heads: (N,L,S); else (N,H,L,S)
};

// query:(L,N,E) key:(S,N,E) value:(S,N,E) (time-major; unbatched: (L,E), (S,E), (S,E)).
// in_proj_weight:(3E,E) in_proj_bias:(3E) out_proj_weight:(E,E) out_proj_bias:(E) (biases may be
// undefined). Returns (output:(L,N,E), weights) with weights undefined unless need_weights.
std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                        int64_t num_heads, const Tensor& in_proj_weight,
                                                        const Tensor& in_proj_bias, const Tensor& out_proj_weight,
                                                        const Tensor& out_proj_bias,
                                                        const AttentionOptions& options = {}, double dropout_p = 0.0,
                                                        bool training = true);

}  // namespace ember::nn::functional

#pragma once
// nn.MultiheadAttention with PyTorch's parameter names (in_proj_weight, in_proj_bias,
// out_proj.weight, out_proj.bias), initialisation and printing.
//
//   auto mha = std::make_shared<nn::MultiheadAttention>(64, 8, nn::MultiheadAttentionOptions{.batch_first = true});
//   auto [out, weights] = mha->forward(x, x, x, {.key_padding_mask = pad});   // x:(N,L,64)
//
// kdim/vdim other than embed_dim, add_bias_kv and add_zero_attn are not supported.
#include "ember/nn/functional/attention.h"
#include "ember/nn/module.h"

namespace ember::nn {

using functional::AttentionOptions;

struct MultiheadAttentionOptions {
  double dropout = 0.0;  // on the attention weights, in training mode
  bool bias = true;
  bool batch_first = false;
};

// PyTorch's out_proj: a Linear under the type name NonDynamicallyQuantizableLinear.
// weight:(out,in) bias:(out); initialised like nn.Linear.
class NonDynamicallyQuantizableLinear : public Module {
 public:
  NonDynamicallyQuantizableLinear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;  // x:(*, in) -> (*, out)
  std::string extra_repr() const override;
  int64_t in_features, out_features;
  Tensor weight, bias;
};

struct MultiheadAttentionOutput {
  Tensor output;   // (L,N,E), (N,L,E) if batch_first, (L,E) unbatched
  Tensor weights;  // (N,L,S) averaged over heads, (N,H,L,S) if not; undefined unless need_weights
};

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, MultiheadAttentionOptions options = {});
  // query:(L,N,E) key, value:(S,N,E) ((N,L,E) and (N,S,E) if batch_first; unbatched (L,E), (S,E)).
  MultiheadAttentionOutput forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                   const AttentionOptions& options = {});
  // xavier_uniform_ in_proj_weight, zero biases (out_proj.weight keeps Linear's init).
  void reset_parameters();

  const int64_t embed_dim, num_heads, head_dim;
  const MultiheadAttentionOptions options;
  Tensor in_proj_weight, in_proj_bias;
  std::shared_ptr<NonDynamicallyQuantizableLinear> out_proj;
};

}  // namespace ember::nn

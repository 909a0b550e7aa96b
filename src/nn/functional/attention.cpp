// scaled_dot_product_attention and multi_head_attention_forward, composed from linear, bmm,
// softmax and masks (PyTorch 1.13's F.multi_head_attention_forward, step by step).
#include "ember/nn/functional/attention.h"

#include <cmath>
#include <limits>

#include "ember/nn/functional.h"
#include "ember/nn/functional/dropout.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

namespace ember::nn::functional {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// A bool mask (true = masked) as an additive float mask (-inf there, 0 elsewhere); a float
// mask as is. `what` names the mask in errors.
Tensor additive_mask(const Tensor& mask, DType dt, const char* what) {
  if (!mask.defined()) return mask;
  EMBER_CHECK(mask.dtype() == kBool || mask.is_floating_point(),
              "multi_head_attention_forward: only bool and floating ", "types of ", what, " are supported, got ",
              dtype_name(mask.dtype()));
  if (mask.dtype() == kBool) return zeros(mask.sizes(), dt).masked_fill(mask, kNegInf);
  EMBER_CHECK(mask.dtype() == dt, "multi_head_attention_forward: ", what, " (", dtype_name(mask.dtype()),
              ") must have the query's dtype (", dtype_name(dt), ")");
  return mask;
}

// softmax(q k^T / sqrt(E) + mask) and its product with v. q:(B,L,E) k:(B,S,E) v:(B,S,Ev).
std::tuple<Tensor, Tensor> attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                                  double dropout_p) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  Tensor scores = matmul(q * scale, k.transpose(-2, -1));  // (B,L,S)
  if (mask.defined()) scores = scores + mask;
  Tensor weights = softmax(scores, -1);
  Tensor dropped = dropout_p > 0.0 ? dropout(weights, dropout_p, true) : weights;
  return {matmul(dropped, v), weights};
}

void check_qkv(const char* op, const Tensor& q, const Tensor& k, const Tensor& v) {
  EMBER_CHECK(q.defined() && k.defined() && v.defined(), op, ": query, key and value must be defined");
  EMBER_CHECK(q.is_floating_point(), op, ": expected a floating-point query, got ", dtype_name(q.dtype()));
  EMBER_CHECK(k.dtype() == q.dtype() && v.dtype() == q.dtype(), op, ": query (", dtype_name(q.dtype()), "), key (",
              dtype_name(k.dtype()), ") and value (", dtype_name(v.dtype()), ") must share a dtype");
}

}  // namespace

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask,
                                    double dropout_p, bool is_causal) {
  const char* op = "scaled_dot_product_attention";
  check_qkv(op, q, k, v);
  EMBER_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2, op, ": expected (..., L, E) tensors, got query ",
              shape_str(q.sizes()), ", key ", shape_str(k.sizes()), ", value ", shape_str(v.sizes()));
  EMBER_CHECK(q.size(-1) == k.size(-1), op, ": query ", shape_str(q.sizes()), " and key ", shape_str(k.sizes()),
              " must have the same last dim");
  EMBER_CHECK(k.size(-2) == v.size(-2), op, ": key ", shape_str(k.sizes()), " and value ", shape_str(v.sizes()),
              " must have the same sequence length");
  EMBER_CHECK(!(is_causal && attn_mask.defined()), op, ": pass either attn_mask or is_causal, not both");
  Tensor mask = additive_mask(attn_mask, q.dtype(), "attn_mask");
  if (is_causal) {
    const int64_t L = q.size(-2), S = k.size(-2);
    Tensor above = gt(arange(S).unsqueeze(0), arange(L).unsqueeze(1));  // (L,S): j > i
    mask = additive_mask(above, q.dtype(), "causal mask");
  }
  return std::get<0>(attend(q, k, v, mask, dropout_p));
}

std::tuple<Tensor, Tensor> multi_head_attention_forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                        int64_t num_heads, const Tensor& in_proj_weight,
                                                        const Tensor& in_proj_bias, const Tensor& out_proj_weight,
                                                        const Tensor& out_proj_bias, const AttentionOptions& o,
                                                        double dropout_p, bool training) {
  const char* op = "multi_head_attention_forward";
  check_qkv(op, query, key, value);
  EMBER_CHECK(query.dim() == 3 || query.dim() == 2, op, ": query should be 3-D (L,N,E) or unbatched 2-D (L,E), got ",
              shape_str(query.sizes()));
  const bool batched = query.dim() == 3;
  EMBER_CHECK(key.dim() == query.dim() && value.dim() == query.dim(), op, ": for ",
              batched ? "batched 3-D" : "unbatched 2-D", " query, key and value should be ", query.dim(),
              "-D, got key ", shape_str(key.sizes()), " and value ", shape_str(value.sizes()));
  EMBER_CHECK(key.sizes() == value.sizes(), op, ": key shape ", shape_str(key.sizes()), " does not match value shape ",
              shape_str(value.sizes()));
  EMBER_CHECK(
      in_proj_weight.defined() && in_proj_weight.dim() == 2 && in_proj_weight.size(0) == 3 * in_proj_weight.size(1), op,
      ": in_proj_weight should have shape (3*embed_dim, embed_dim), got ",
      in_proj_weight.defined() ? shape_str(in_proj_weight.sizes()) : std::string("undefined"));
  const int64_t E = in_proj_weight.size(1);
  EMBER_CHECK(query.size(-1) == E, op, ": was expecting embedding dimension of ", E, ", but got ", query.size(-1),
              " (query ", shape_str(query.sizes()), ")");
  EMBER_CHECK(num_heads > 0 && E % num_heads == 0, op, ": embed_dim ", E, " not divisible by num_heads ", num_heads);
  EMBER_CHECK(key.size(-1) == E, op, ": key's embedding dim ", key.size(-1), " differs from the query's ", E,
              " (kdim/vdim other than embed_dim are not supported)");
  EMBER_CHECK(!in_proj_bias.defined() || in_proj_bias.sizes() == Shape({3 * E}), op,
              ": in_proj_bias should have shape ", shape_str({3 * E}), ", got ", shape_str(in_proj_bias.sizes()));
  EMBER_CHECK(out_proj_weight.defined() && out_proj_weight.sizes() == Shape({E, E}), op,
              ": out_proj_weight should have shape ", shape_str({E, E}));
  const int64_t H = num_heads, hd = E / H;

  // Unbatched inputs get a batch of one (dim 1); masks follow.
  Tensor q_in = batched ? query : query.unsqueeze(1);
  Tensor k_in = batched ? key : key.unsqueeze(1);
  Tensor v_in = batched ? value : value.unsqueeze(1);
  const int64_t L = q_in.size(0), N = q_in.size(1), S = k_in.size(0);
  EMBER_CHECK(k_in.size(1) == N, op, ": query batch size ", N, " differs from key batch size ", k_in.size(1));

  // In-projection: one matmul for self-attention, three otherwise. -> (L|S, N, E)
  Tensor q, k, v;
  if (query.is_same(key) && key.is_same(value)) {
    auto parts = linear(q_in, in_proj_weight, in_proj_bias).chunk(3, -1);
    q = parts[0], k = parts[1], v = parts[2];
  } else {
    auto w = in_proj_weight.chunk(3, 0);
    TensorList b = in_proj_bias.defined() ? in_proj_bias.chunk(3, 0) : TensorList(3);
    q = linear(q_in, w[0], b[0]), k = linear(k_in, w[1], b[1]), v = linear(v_in, w[2], b[2]);
  }
  // (L, N, E) -> (N*H, L, hd)
  auto heads = [&](const Tensor& t, int64_t len) { return t.reshape({len, N * H, hd}).transpose(0, 1); };

  // Masks -> one additive (N*H | 1, L, S) mask.
  Tensor mask = additive_mask(o.attn_mask, query.dtype(), "attn_mask");
  if (mask.defined()) {
    if (mask.dim() == 2) {
      EMBER_CHECK(mask.sizes() == Shape({L, S}), op, ": The shape of the 2D attn_mask is ", shape_str(mask.sizes()),
                  ", but should be ", shape_str({L, S}), ".");
      mask = mask.unsqueeze(0);
    } else {
      EMBER_CHECK(mask.dim() == 3 && mask.sizes() == Shape({N * H, L, S}), op, ": The shape of the 3D attn_mask is ",
                  shape_str(mask.sizes()), ", but should be ", shape_str({N * H, L, S}), ".");
    }
  }
  Tensor kpm = additive_mask(o.key_padding_mask, query.dtype(), "key_padding_mask");
  if (kpm.defined()) {
    const Shape expected = batched ? Shape{N, S} : Shape{S};
    EMBER_CHECK(kpm.sizes() == expected, op, ": expected shape of key_padding_mask to be ", shape_str(expected),
                ", but got ", shape_str(kpm.sizes()));
    kpm = kpm.reshape({N, 1, 1, S}).expand({N, H, 1, S}).reshape({N * H, 1, S});
    mask = mask.defined() ? mask + kpm : kpm;
  }

  auto [attn, weights] = attend(heads(q, L), heads(k, S), heads(v, S), mask, training ? dropout_p : 0.0);
  // (N*H, L, hd) -> (L, N, E) -> out_proj
  Tensor out = linear(attn.transpose(0, 1).reshape({L, N, E}), out_proj_weight, out_proj_bias);
  if (!batched) out = out.squeeze(1);

  Tensor w;
  if (o.need_weights) {
    w = weights.reshape({N, H, L, S});
    if (o.average_attn_weights) w = w.mean({1});
    if (!batched) w = w.squeeze(0);
  }
  return {out, w};
}

}  // namespace ember::nn::functional

// MultiheadAttention and scaled_dot_product_attention: PyTorch's numbers
// (tests/reference/attention_refs.py) for batch_first, key_padding_mask, float/bool/3-D
// attn_mask, per-head weights and unbatched input; float64 finite differences; state_dict keys;
// printing; errors.
#include <ember/ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "reference/det.h"
#include "support/testing.h"

using namespace ember;
namespace F = ember::nn::functional;
using ember::testing::det;
using ember::testing::gradcheck;

namespace {

#include "reference/attention_refs.inc"

std::shared_ptr<nn::MultiheadAttention> make_mha(int64_t E, int64_t H, nn::MultiheadAttentionOptions o = {}) {
  auto m = std::make_shared<nn::MultiheadAttention>(E, H, o);
  m->to(kFloat64);
  NoGradGuard g;
  int i = 0;  // attention_refs.py's fill(): parameter i gets det(shape, 10 + i, 0.8)
  for (auto& [name, p] : m->named_parameters()) p.copy_(det(p.sizes(), 10 + i++, 0.8));
  return m;
}

Tensor leaf(const Tensor& t) { return t.detach().requires_grad_(); }
Tensor ref(const std::vector<double>& v, const Shape& s) { return tensor(v).reshape(s); }

void backprop(const nn::MultiheadAttentionOutput& r) {
  Tensor loss = (r.output * det(r.output.sizes(), 100)).sum();
  if (r.weights.defined()) loss = loss + (r.weights * det(r.weights.sizes(), 101)).sum();
  loss.backward();
}

#define EXPECT_REF(t, v) EXPECT_TENSOR_CLOSE((t), ref((v), (t).sizes()), 1e-10, 1e-9)

}  // namespace

TEST(MultiheadAttention, SelfAttentionBatchFirstKeyPaddingMatchesPyTorch) {
  auto mha = make_mha(6, 2, {.batch_first = true});
  Tensor x = leaf(det({2, 4, 6}, 1));
  Tensor kpm = tensor(std::vector<bool>{false, false, false, false, false, false, true, true}, {2, 4});
  auto r = mha->forward(x, x, x, {.key_padding_mask = kpm});
  ASSERT_EQ(r.output.sizes(), Shape({2, 4, 6}));
  ASSERT_EQ(r.weights.sizes(), Shape({2, 4, 4}));
  backprop(r);
  EXPECT_REF(r.output, self_pad_out);
  EXPECT_REF(r.weights, self_pad_w);
  EXPECT_REF(x.grad(), self_pad_gq);
  EXPECT_REF(mha->in_proj_weight.grad(), self_pad_g_in_proj_weight);
  EXPECT_REF(mha->out_proj->weight.grad(), self_pad_g_out_proj_weight);
  // Padded keys get no attention.
  EXPECT_TENSOR_CLOSE(r.weights.select(0, 1).narrow(1, 2, 2), zeros({4, 2}, kFloat64), 0.0, 0.0);
}

TEST(MultiheadAttention, CrossAttentionFloatMaskPerHeadWeightsMatchesPyTorch) {
  auto mha = make_mha(6, 3);
  Tensor q = leaf(det({3, 2, 6}, 2)), k = leaf(det({5, 2, 6}, 3)), v = leaf(det({5, 2, 6}, 4));
  auto r = mha->forward(q, k, v, {.attn_mask = det({3, 5}, 5, 2.0), .average_attn_weights = false});
  ASSERT_EQ(r.weights.sizes(), Shape({2, 3, 3, 5}));
  backprop(r);
  EXPECT_REF(r.output, cross_float_mask_out);
  EXPECT_REF(r.weights, cross_float_mask_w);
  EXPECT_REF(q.grad(), cross_float_mask_gq);
  EXPECT_REF(k.grad(), cross_float_mask_gk);
  EXPECT_REF(v.grad(), cross_float_mask_gv);
  EXPECT_REF(mha->in_proj_weight.grad(), cross_float_mask_g_in_proj_weight);
  EXPECT_REF(mha->out_proj->weight.grad(), cross_float_mask_g_out_proj_weight);
}

TEST(MultiheadAttention, UnbatchedCausalNoBiasMatchesPyTorch) {
  auto mha = make_mha(4, 2, {.bias = false});
  EXPECT_EQ(mha->parameters().size(), 2u);
  Tensor q = leaf(det({4, 4}, 6)), k = leaf(det({4, 4}, 7)), v = leaf(det({4, 4}, 8));
  Tensor causal = gt(arange(4).unsqueeze(0), arange(4).unsqueeze(1));
  auto r = mha->forward(q, k, v, {.need_weights = false, .attn_mask = causal});
  EXPECT_FALSE(r.weights.defined());
  ASSERT_EQ(r.output.sizes(), Shape({4, 4}));
  backprop(r);
  EXPECT_REF(r.output, unbatched_causal_out);
  EXPECT_REF(q.grad(), unbatched_causal_gq);
  EXPECT_REF(k.grad(), unbatched_causal_gk);
  EXPECT_REF(v.grad(), unbatched_causal_gv);
  EXPECT_REF(mha->in_proj_weight.grad(), unbatched_causal_g_in_proj_weight);
  EXPECT_REF(mha->out_proj->weight.grad(), unbatched_causal_g_out_proj_weight);
}

TEST(MultiheadAttention, ThreeDimBoolMaskWithKeyPaddingMatchesPyTorch) {
  auto mha = make_mha(4, 2);
  Tensor q = leaf(det({3, 2, 4}, 9)), k = leaf(det({5, 2, 4}, 10)), v = leaf(det({5, 2, 4}, 11));
  Tensor m3 = tensor(m3_mask).reshape({4, 3, 5}).to(kBool);
  Tensor kpm = tensor(std::vector<bool>{false, false, false, false, false, false, false, false, true, false}, {2, 5});
  auto r = mha->forward(q, k, v, {.key_padding_mask = kpm, .attn_mask = m3});
  backprop(r);
  EXPECT_REF(r.output, mask3d_kpm_out);
  EXPECT_REF(r.weights, mask3d_kpm_w);
  EXPECT_REF(q.grad(), mask3d_kpm_gq);
  EXPECT_REF(k.grad(), mask3d_kpm_gk);
  EXPECT_REF(v.grad(), mask3d_kpm_gv);
  EXPECT_REF(mha->in_proj_weight.grad(), mask3d_kpm_g_in_proj_weight);
}

TEST(MultiheadAttention, FloatKeyPaddingMaskIsAddedAsInPyTorch) {
  auto mha = make_mha(4, 2);
  Tensor x = leaf(det({3, 2, 4}, 13));
  auto r = mha->forward(x, x, x, {.key_padding_mask = det({2, 3}, 14, 3.0)});
  backprop(r);
  EXPECT_REF(r.output, float_kpm_out);
  EXPECT_REF(r.weights, float_kpm_w);
  EXPECT_REF(x.grad(), float_kpm_gq);
  EXPECT_REF(mha->in_proj_weight.grad(), float_kpm_g_in_proj_weight);
  // A float key_padding_mask together with a float attn_mask: both are added (PyTorch 2's rule;
  // 1.13 rejects or mis-merges the pair).
  Tensor am = det({3, 3}, 15), kp = det({2, 3}, 16);
  auto both = mha->forward(x, x, x, {.key_padding_mask = kp, .attn_mask = am});
  auto sum = mha->forward(
      x, x, x, {.attn_mask = (am.unsqueeze(0) + kp.reshape({2, 1, 1, 3}).expand({2, 2, 1, 3}).reshape({4, 1, 3}))});
  EXPECT_TENSOR_CLOSE(both.output, sum.output, 1e-12, 1e-12);
}

TEST(MultiheadAttention, Float32FollowsFloat64) {
  auto m64 = make_mha(6, 2, {.batch_first = true});
  auto m32 = std::make_shared<nn::MultiheadAttention>(6, 2, nn::MultiheadAttentionOptions{.batch_first = true});
  m32->load_state_dict(m64->state_dict());  // converts to float32
  Tensor x = det({2, 4, 6}, 1);
  auto r64 = m64->forward(x, x, x), r32 = m32->forward(x.to(kFloat32), x.to(kFloat32), x.to(kFloat32));
  EXPECT_EQ(r32.output.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(r32.output, r64.output, 1e-5, 1e-4);
  EXPECT_TENSOR_CLOSE(r32.weights, r64.weights, 1e-5, 1e-4);
}

TEST(MultiheadAttention, Gradcheck) {
  auto mha = make_mha(4, 2);
  Tensor q = leaf(det({3, 2, 4}, 1)), k = leaf(det({5, 2, 4}, 2)), v = leaf(det({5, 2, 4}, 3));
  Tensor kpm = tensor(std::vector<bool>{false, false, false, true, true, false, false, false, false, false}, {2, 5});
  TensorList inputs{q, k, v, mha->in_proj_weight, mha->in_proj_bias, mha->out_proj->weight, mha->out_proj->bias};
  EXPECT_TRUE(gradcheck(
      [&](const TensorList& in) {
        auto [out, w] = F::multi_head_attention_forward(in[0], in[1], in[2], 2, in[3], in[4], in[5], in[6],
                                                        {.key_padding_mask = kpm, .attn_mask = det({3, 5}, 4)});
        return cat({out.flatten(), w.flatten()}, 0);
      },
      inputs));
  // Self-attention (the fused in-projection path).
  Tensor x = leaf(det({4, 1, 4}, 5));
  EXPECT_TRUE(gradcheck(
      [&](const TensorList& in) {
        auto [out, w] = F::multi_head_attention_forward(in[0], in[0], in[0], 2, in[1], in[2], in[3], in[4]);
        return cat({out.flatten(), w.flatten()}, 0);
      },
      {x, mha->in_proj_weight, mha->in_proj_bias, mha->out_proj->weight, mha->out_proj->bias}));
}

TEST(MultiheadAttention, StateDictKeysInitAndPrinting) {
  auto mha = std::make_shared<nn::MultiheadAttention>(8, 2);
  std::vector<std::string> keys;
  for (auto& [k, t] : mha->state_dict()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(mha->in_proj_weight.sizes(), Shape({24, 8}));
  EXPECT_TRUE(mha->in_proj_bias.eq(0.0).to(kInt64).sum().item<int64_t>() == 24);  // zeros
  EXPECT_TRUE(mha->out_proj->bias.eq(0.0).to(kInt64).sum().item<int64_t>() == 8);
  // xavier_uniform bound sqrt(6 / (8 + 24)), reached to within the sampling of 192 values.
  const double bound = std::sqrt(6.0 / 32.0), largest = mha->in_proj_weight.abs().max().item<double>();
  EXPECT_LE(largest, bound);
  EXPECT_GT(largest, 0.9 * bound);
  EXPECT_EQ(mha->repr(),
            "MultiheadAttention(\n"
            "  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n"
            ")");
}

TEST(MultiheadAttention, DropoutOnlyInTraining) {
  manual_seed(3);
  auto mha = std::make_shared<nn::MultiheadAttention>(8, 2, nn::MultiheadAttentionOptions{.dropout = 0.5});
  Tensor x = randn({5, 2, 8});
  EXPECT_FALSE(allclose(mha->forward(x, x, x).output, mha->forward(x, x, x).output));
  mha->eval();
  EXPECT_TRUE(allclose(mha->forward(x, x, x).output, mha->forward(x, x, x).output));
}

TEST(ScaledDotProductAttention, MatchesTheFormulaAndCausalMask) {
  Tensor q = det({2, 3, 4}, 1), k = det({2, 5, 4}, 2), v = det({2, 5, 6}, 3);
  Tensor expected = matmul(softmax(matmul(q, k.transpose(1, 2)) / 2.0, -1), v);
  EXPECT_TENSOR_CLOSE(F::scaled_dot_product_attention(q, k, v), expected, 1e-12, 1e-12);
  Tensor qs = det({4, 4}, 4), ks = det({4, 4}, 5), vs = det({4, 4}, 6);
  Tensor causal = gt(arange(4).unsqueeze(0), arange(4).unsqueeze(1));
  EXPECT_TENSOR_CLOSE(F::scaled_dot_product_attention(qs, ks, vs, Tensor(), 0.0, true),
                      F::scaled_dot_product_attention(qs, ks, vs, causal), 0.0, 0.0);
  // The first query sees only the first key.
  EXPECT_TENSOR_CLOSE(F::scaled_dot_product_attention(qs, ks, vs, Tensor(), 0.0, true)[0], vs[0], 1e-12, 1e-12);
}

TEST(AttentionErrors, ClearMessages) {
  auto mha = std::make_shared<nn::MultiheadAttention>(6, 2);
  Tensor x = randn({3, 2, 6});
  EXPECT_ERROR_HAS(nn::MultiheadAttention(6, 4), "embed_dim must be divisible by num_heads");
  EXPECT_ERROR_HAS(mha->forward(x, randn({4, 2, 6}), randn({5, 2, 6})), "key shape (4,2,6) does not match value shape");
  EXPECT_ERROR_HAS(mha->forward(randn({3, 2, 5}), randn({3, 2, 5}), randn({3, 2, 5})),
                   "was expecting embedding dimension of 6, but got 5");
  EXPECT_ERROR_HAS(mha->forward(x, x, x, {.key_padding_mask = zeros({2, 4}, kBool)}),
                   "expected shape of key_padding_mask to be (2,3), but got (2,4)");
  EXPECT_ERROR_HAS(mha->forward(x, x, x, {.attn_mask = zeros({3, 4})}),
                   "The shape of the 2D attn_mask is (3,4), but should be (3,3)");
  EXPECT_ERROR_HAS(mha->forward(x, x, x, {.attn_mask = zeros({3, 3}, kInt64)}), "only bool and floating types");
  EXPECT_ERROR_HAS(mha->forward(x, x.to(kFloat64), x), "must share a dtype");
  EXPECT_ERROR_HAS(F::scaled_dot_product_attention(randn({3, 4}), randn({5, 3}), randn({5, 3})), "same last dim");
}

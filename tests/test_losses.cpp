// Losses: PyTorch's numbers for every option (tests/reference/loss_refs.py), float64 finite
// differences, the CS230 hand-written losses, module forms and error messages.
#include <ember/ember.h>
#include <gtest/gtest.h>

#include <cmath>

#include "reference/det.h"
#include "support/testing.h"

using namespace ember;
namespace F = ember::nn::functional;
using ember::testing::det;
using ember::testing::gradcheck;

namespace {

#include "reference/loss_refs.inc"

Tensor leaf(const Tensor& t) { return t.detach().requires_grad_(); }
// (tensor()'s empty shape means 1-D; reshape gives the 0-d tensors of a reduced loss)
Tensor ref(const std::vector<double>& v, const Shape& s) { return tensor(v).reshape(s); }
Tensor classes(const std::vector<int64_t>& v, const Shape& s) { return tensor(v).reshape(s); }

// Runs loss_fn(x, t), back-propagates sum(loss * det(loss.shape, 99)) as loss_refs.py does and
// compares the loss and the gradients (gt only when the target is a leaf requiring grad).
template <class Fn>
void check_case(Fn loss_fn, Tensor x, Tensor t, const std::vector<double>& out, const std::vector<double>& gx,
                const std::vector<double>& gt = {}) {
  x = leaf(x);
  if (!gt.empty()) t = leaf(t);
  Tensor l = loss_fn(x, t);
  (l * det(l.sizes(), 99)).sum().backward();
  EXPECT_TENSOR_CLOSE(l, ref(out, l.sizes()), 1e-10, 1e-9);
  EXPECT_TENSOR_CLOSE(x.grad(), ref(gx, x.sizes()), 1e-10, 1e-9);
  if (!gt.empty()) EXPECT_TENSOR_CLOSE(t.grad(), ref(gt, t.sizes()), 1e-10, 1e-9);
}

#define CHECK_CASE(tag, fn, x, t, ...) check_case(fn, x, t, tag##_out, tag##_gx __VA_OPT__(, ) __VA_ARGS__)

}  // namespace

// ---- PyTorch's numbers ---------------------------------------------------------------------------

TEST(Losses, RegressionMatchPyTorch) {
  Tensor x = det({3, 4}, 1, 3.0), y = det({3, 4}, 2, 3.0);
  CHECK_CASE(
      mse_none, [](auto a, auto b) { return F::mse_loss(a, b, "none"); }, x, y, mse_none_gt);
  CHECK_CASE(
      l1_sum, [](auto a, auto b) { return F::l1_loss(a, b, "sum"); }, x, y, l1_sum_gt);
  CHECK_CASE(
      smooth_l1_beta, [](auto a, auto b) { return F::smooth_l1_loss(a, b, "mean", 0.5); }, x, y, smooth_l1_beta_gt);
  CHECK_CASE(
      smooth_l1_beta0, [](auto a, auto b) { return F::smooth_l1_loss(a, b, "none", 0.0); }, x, y);
  CHECK_CASE(
      huber_delta, [](auto a, auto b) { return F::huber_loss(a, b, "sum", 0.7); }, x, y, huber_delta_gt);
}

TEST(Losses, NLLMatchesPyTorch) {
  Tensor w = det({4}, 3) + 1.0;
  CHECK_CASE(
      nll_weight_ignore,
      [&](auto a, auto) { return F::nll_loss(a, classes(nll_t, {5}), {.weight = w, .ignore_index = 1}); },
      det({5, 4}, 4), Tensor());
  CHECK_CASE(
      nll_4d_none,
      [](auto a, auto) {
        return F::nll_loss(a, classes(nll4d_t, {2, 3, 2}), {.reduction = "none"});
      },
      det({2, 4, 3, 2}, 5), Tensor());
  CHECK_CASE(
      nll_unbatched_sum, [](auto a, auto) { return F::nll_loss(a, classes({2}, {}), {.reduction = "sum"}); },
      det({4}, 6), Tensor());
}

TEST(Losses, CrossEntropyMatchesPyTorch) {
  Tensor t = classes(ce_t, {6}), w = det({5}, 7) + 1.0;
  CHECK_CASE(
      ce_weight_ignore_smooth,
      [&](auto a, auto) { return F::cross_entropy(a, t, {.weight = w, .ignore_index = -1, .label_smoothing = 0.2}); },
      det({6, 5}, 8, 4.0), Tensor());
  CHECK_CASE(
      ce_smooth_mean,
      [&](auto a, auto) { return F::cross_entropy(a, t, {.ignore_index = -1, .label_smoothing = 0.3}); },
      det({6, 5}, 8, 4.0), Tensor());
  Tensor t3 = classes(ce3d_t, {2, 4});
  CHECK_CASE(
      ce_3d_smooth_sum,
      [&](auto a, auto) { return F::cross_entropy(a, t3, {.reduction = "sum", .label_smoothing = 0.1}); },
      det({2, 3, 4}, 9, 4.0), Tensor());
  CHECK_CASE(
      ce_3d_none, [&](auto a, auto) { return F::cross_entropy(a, t3, {.reduction = "none"}); }, det({2, 3, 4}, 9, 4.0),
      Tensor());
}

TEST(Losses, CrossEntropyWithClassProbabilitiesMatchesPyTorch) {
  Tensor probs = softmax(det({4, 5}, 10, 3.0), 1), w = det({5}, 11) + 1.0;
  CHECK_CASE(
      ce_probs_weight_smooth,
      [&](auto a, auto b) { return F::cross_entropy(a, b, {.weight = w, .label_smoothing = 0.25}); },
      det({4, 5}, 12, 4.0), probs, ce_probs_weight_smooth_gt);
  CHECK_CASE(
      ce_probs_none, [](auto a, auto b) { return F::cross_entropy(a, b, {.reduction = "none"}); }, det({4, 5}, 12, 4.0),
      probs, ce_probs_none_gt);
}

TEST(Losses, BinaryAndKLMatchPyTorch) {
  Tensor p = sigmoid(det({3, 4}, 13, 6.0)), tb = sigmoid(det({3, 4}, 14, 6.0));
  Tensor w = det({4}, 15) + 1.0;
  CHECK_CASE(
      bce_weight_none, [&](auto a, auto b) { return F::binary_cross_entropy(a, b, w, "none"); }, p, tb,
      bce_weight_none_gt);
  Tensor wr = det({3, 1}, 16) + 1.0, pw = det({4}, 17) + 1.5;
  CHECK_CASE(
      bcel_pos_weight, [&](auto a, auto b) { return F::binary_cross_entropy_with_logits(a, b, wr, "mean", pw); },
      det({3, 4}, 18, 8.0), tb, bcel_pos_weight_gt);
  Tensor lp = log_softmax(det({3, 4}, 19, 3.0), 1);
  Tensor q = softmax(det({3, 4}, 20, 3.0), 1), lq = log_softmax(det({3, 4}, 20, 3.0), 1);
  CHECK_CASE(
      kl_batchmean, [](auto a, auto b) { return F::kl_div(a, b, "batchmean"); }, lp, q, kl_batchmean_gt);
  CHECK_CASE(
      kl_log_target_sum, [](auto a, auto b) { return F::kl_div(a, b, "sum", true); }, lp, lq, kl_log_target_sum_gt);
  CHECK_CASE(
      kl_mean, [](auto a, auto b) { return F::kl_div(a, b); }, lp, q);
}

TEST(Losses, Float32FollowsFloat64) {
  // The golden cases cover float32; here one option-heavy case in float32 against float64.
  Tensor x = det({6, 5}, 8, 4.0), t = classes(ce_t, {6}), w = det({5}, 7) + 1.0;
  F::CrossEntropyOptions o{.weight = w, .ignore_index = -1, .label_smoothing = 0.2};
  Tensor l64 = F::cross_entropy(x, t, o);
  o.weight = w.to(kFloat32);
  Tensor l32 = F::cross_entropy(x.to(kFloat32), t, o);
  EXPECT_EQ(l32.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(l32, l64, 1e-5, 1e-5);
}

// ---- float64 finite differences ----------------------------------------------------------------

TEST(Losses, Gradcheck) {
  Tensor x = leaf(det({3, 4}, 1, 3.0)), y = leaf(det({3, 4}, 2, 3.0));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::mse_loss(in[0], in[1]); }, {x, y}));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::l1_loss(in[0], in[1], "none"); }, {x, y}));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::smooth_l1_loss(in[0], in[1], "sum", 0.8); }, {x, y}));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::huber_loss(in[0], in[1], "mean", 0.6); }, {x, y}));

  Tensor logits = leaf(det({6, 5}, 8, 4.0)), t = classes(ce_t, {6}), w = det({5}, 7) + 1.0;
  EXPECT_TRUE(gradcheck(
      [&](const TensorList& in) {
        return F::cross_entropy(in[0], t, {.weight = w, .ignore_index = -1, .label_smoothing = 0.2});
      },
      {logits}));
  EXPECT_TRUE(gradcheck(
      [&](const TensorList& in) {
        return F::nll_loss(log_softmax(in[0], 1), t, {.weight = w, .ignore_index = -1, .reduction = "sum"});
      },
      {logits}));
  Tensor x4 = leaf(det({2, 3, 2, 2}, 5, 3.0)), t4 = classes({1, 0, 2, 2, 1, 0, 0, 2}, {2, 2, 2});
  EXPECT_TRUE(
      gradcheck([&](const TensorList& in) { return F::cross_entropy(in[0], t4, {.label_smoothing = 0.1}); }, {x4}));
  Tensor probs = leaf(softmax(det({4, 5}, 10, 3.0), 1)), lg = leaf(det({4, 5}, 12, 4.0));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::cross_entropy(in[0], in[1], {.label_smoothing = 0.3}); },
                        {lg, probs}));

  Tensor p = leaf(sigmoid(det({3, 4}, 13, 6.0))), tb = leaf(sigmoid(det({3, 4}, 14, 6.0)));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::binary_cross_entropy(in[0], in[1]); }, {p, tb}));
  Tensor z = leaf(det({3, 4}, 18, 8.0)), pw = det({4}, 17) + 1.5;
  EXPECT_TRUE(gradcheck(
      [&](const TensorList& in) { return F::binary_cross_entropy_with_logits(in[0], in[1], Tensor(), "sum", pw); },
      {z, tb}));
  Tensor lp = leaf(log_softmax(det({3, 4}, 19, 3.0), 1)), q = leaf(softmax(det({3, 4}, 20, 3.0), 1));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::kl_div(in[0], in[1], "batchmean"); }, {lp, q}));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::kl_div(in[0], in[1], "none", true); }, {lp, q}));
}

TEST(Losses, SecondOrderThroughComposedOps) {
  // The losses are made of differentiable ops, so a gradient penalty can differentiate them again.
  Tensor logits = leaf(det({4, 3}, 21, 3.0)), t = classes({0, 2, 1, 2}, {4});
  EXPECT_TRUE(ember::testing::gradgradcheck(
      [&](const TensorList& in) { return F::cross_entropy(in[0], t, {.label_smoothing = 0.1}); }, {logits}));
}

// ---- the CS230 hand-written losses ---------------------------------------------------------------

namespace {
// CS230 vision's myCrossEntropyLoss: -sum(outputs[range(N), labels]) / N on log-probabilities.
Tensor my_cross_entropy_loss(const Tensor& outputs, const Tensor& labels) {
  const int64_t n = outputs.size(0);
  return -outputs.gather(1, labels.unsqueeze(1)).sum() / static_cast<double>(n);
}

// CS230 NER: labels (N,T) padded with -1; outputs (N*T,C) log-probabilities.
//   mask = labels >= 0; labels = labels % C; -sum(outputs[range, labels] * mask) / num_tokens
Tensor ner_masked_loss(const Tensor& outputs, const Tensor& labels) {
  Tensor flat = labels.reshape({-1});
  Tensor mask = (flat >= 0).to(outputs.dtype());
  Tensor safe = where(flat >= 0, flat, Scalar(int64_t{0}));
  const double num_tokens = mask.sum().item<double>();
  return -(outputs.gather(1, safe.unsqueeze(1)).squeeze(1) * mask).sum() / num_tokens;
}
}  // namespace

TEST(Losses, CS230CrossEntropyBackpropagatesLikeTheBuiltIn) {
  Tensor logits = leaf(det({5, 4}, 22, 4.0)), labels = classes({3, 0, 1, 1, 2}, {5});
  Tensor mine = my_cross_entropy_loss(log_softmax(logits, 1), labels);
  mine.backward();
  Tensor g_mine = logits.grad().clone();
  logits.mutable_grad() = Tensor();
  Tensor builtin = F::cross_entropy(logits, labels);
  builtin.backward();
  EXPECT_TENSOR_CLOSE(mine, builtin, 1e-12, 1e-12);
  EXPECT_TENSOR_CLOSE(g_mine, logits.grad(), 1e-12, 1e-12);
  EXPECT_TRUE(
      gradcheck([&](const TensorList& in) { return my_cross_entropy_loss(log_softmax(in[0], 1), labels); }, {logits}));
}

TEST(Losses, CS230MaskedNERLossBackpropagatesLikeIgnoreIndex) {
  // 2 sentences x 4 tokens, 3 tags; the second sentence is padded with -1 after 2 tokens.
  Tensor logits = leaf(det({8, 3}, 23, 4.0)), labels = classes({0, 2, 1, 1, 2, 0, -1, -1}, {2, 4});
  Tensor mine = ner_masked_loss(log_softmax(logits, 1), labels);
  mine.backward();
  Tensor g_mine = logits.grad().clone();
  logits.mutable_grad() = Tensor();
  nn::CrossEntropyLoss loss_fn({.ignore_index = -1});
  Tensor builtin = loss_fn(logits, labels.reshape({-1}));
  builtin.backward();
  EXPECT_TENSOR_CLOSE(mine, builtin, 1e-12, 1e-12);
  EXPECT_TENSOR_CLOSE(g_mine, logits.grad(), 1e-12, 1e-12);
  // Padded rows get no gradient.
  EXPECT_TENSOR_CLOSE(g_mine.narrow(0, 6, 2), zeros({2, 3}, kFloat64), 0.0, 0.0);
  EXPECT_TRUE(
      gradcheck([&](const TensorList& in) { return ner_masked_loss(log_softmax(in[0], 1), labels); }, {logits}));
}

// ---- modules ---------------------------------------------------------------------------------------

TEST(LossModules, ForwardMatchesFunctionalAndOptionsApply) {
  Tensor x = det({3, 4}, 1, 3.0), y = det({3, 4}, 2, 3.0);
  EXPECT_TENSOR_CLOSE(nn::MSELoss()(x, y), F::mse_loss(x, y), 0.0, 0.0);
  EXPECT_TENSOR_CLOSE(nn::L1Loss("sum")(x, y), F::l1_loss(x, y, "sum"), 0.0, 0.0);
  EXPECT_TENSOR_CLOSE(nn::SmoothL1Loss("none", 0.3)(x, y), F::smooth_l1_loss(x, y, "none", 0.3), 0.0, 0.0);
  EXPECT_TENSOR_CLOSE(nn::HuberLoss("mean", 0.4)(x, y), F::huber_loss(x, y, "mean", 0.4), 0.0, 0.0);
  Tensor lp = log_softmax(x, 1), q = softmax(y, 1);
  EXPECT_TENSOR_CLOSE(nn::KLDivLoss("batchmean")(lp, q), F::kl_div(lp, q, "batchmean"), 0.0, 0.0);
  Tensor t = classes({1, 0, 3}, {3}), w = det({4}, 3) + 1.0;
  EXPECT_TENSOR_CLOSE(nn::NLLLoss({.weight = w, .reduction = "sum"})(lp, t),
                      F::nll_loss(lp, t, {.weight = w, .reduction = "sum"}), 0.0, 0.0);
  EXPECT_TENSOR_CLOSE(nn::CrossEntropyLoss({.label_smoothing = 0.1})(x, t),
                      F::cross_entropy(x, t, {.label_smoothing = 0.1}), 0.0, 0.0);
  Tensor p = sigmoid(x), tb = sigmoid(y);
  EXPECT_TENSOR_CLOSE(nn::BCELoss(w)(p, tb), F::binary_cross_entropy(p, tb, w), 0.0, 0.0);
  EXPECT_TENSOR_CLOSE(nn::BCEWithLogitsLoss(Tensor(), "sum", w)(x, tb),
                      F::binary_cross_entropy_with_logits(x, tb, Tensor(), "sum", w), 0.0, 0.0);
}

TEST(LossModules, WeightsAreBuffersAndPrinting) {
  nn::CrossEntropyLoss plain;
  EXPECT_TRUE(plain.state_dict().empty());
  EXPECT_EQ(plain.repr(), "CrossEntropyLoss()");
  nn::CrossEntropyLoss weighted({.weight = ones({3})});
  ASSERT_EQ(weighted.state_dict().size(), 1u);
  EXPECT_EQ(weighted.state_dict()[0].first, "weight");
  nn::BCEWithLogitsLoss bce(Tensor(), "mean", ones({3}));
  ASSERT_EQ(bce.state_dict().size(), 1u);
  EXPECT_EQ(bce.state_dict()[0].first, "pos_weight");
  bce.to(kFloat64);
  EXPECT_EQ(bce.pos_weight.dtype(), kFloat64);
  EXPECT_EQ(nn::MSELoss().repr(), "MSELoss()");
}

// ---- errors ----------------------------------------------------------------------------------------

TEST(LossErrors, ClearMessages) {
  Tensor x = randn({3, 4});
  EXPECT_ERROR_HAS(F::mse_loss(x, randn({3, 1})), "target size (3,1) is different from the input size (3,4)");
  EXPECT_ERROR_HAS(F::l1_loss(x, x, "avg"), "avg is not a valid value for reduction");
  EXPECT_ERROR_HAS(F::mse_loss(x, x, "batchmean"), "'batchmean' is only valid for kl_div");
  EXPECT_ERROR_HAS(F::cross_entropy(x, classes({0, 1, 7}, {3})), "Target 7 is out of bounds");
  EXPECT_ERROR_HAS(F::cross_entropy(x, classes({0, 1}, {2})),
                   "Expected input batch_size (3) to match target batch_size (2)");
  EXPECT_ERROR_HAS(F::nll_loss(randn({3, 4, 5}), zeros({3, 4}, kInt64)), "Expected target size (3,5), got (3,4)");
  EXPECT_ERROR_HAS(F::nll_loss(x, zeros({3})), "expected class indices of scalar type Long but found float32");
  EXPECT_ERROR_HAS(F::nll_loss(x, zeros({3}, kInt64), {.weight = ones({3})}),
                   "weight tensor should be defined either for all 4 classes");
  EXPECT_ERROR_HAS(F::cross_entropy(x, zeros({3}, kInt64), {.label_smoothing = 1.5}),
                   "label_smoothing must be between 0.0 and 1.0");
  EXPECT_ERROR_HAS(F::cross_entropy(x, softmax(randn({3, 4}), 1), {.ignore_index = 1}),
                   "ignore_index is not supported for floating point target");
  EXPECT_ERROR_HAS(F::cross_entropy(x, randn({3, 5})), "class-probability target (3,5) must have the input's shape");
  EXPECT_ERROR_HAS(F::binary_cross_entropy(x, rand({3, 4})), "all elements of input should be between 0 and 1");
  EXPECT_ERROR_HAS(F::huber_loss(x, x, "mean", 0.0), "delta must be positive");
  EXPECT_ERROR_HAS(F::kl_div(x, x.to(kInt64)), "expected a floating-point target");
}

TEST(LossErrors, AllIgnoredMeanIsNaNAsInPyTorch) {
  Tensor l = F::cross_entropy(randn({2, 3}), classes({-100, -100}, {2}));
  EXPECT_TRUE(std::isnan(l.item<double>()));
}

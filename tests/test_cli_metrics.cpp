// Whole-split metric sums, accuracy counts, CS230's masked NER loss (against PyTorch's
// nll_loss(ignore_index=-1), which equals it) and conlleval-style entity F1.
#include <gtest/gtest.h>

#include <cmath>

#include <ember/ember.h>
#include <ember/train/metrics.h>

#include "support/testing.h"
#include "test_cli_util.h"

using namespace ember;
using namespace ember::train;
using ember::testing::error_of;

TEST(MetricSums, DividesOnceOverTheWholeSplit) {
  MetricSums s;
  // Two batches: 3 samples with mean loss 1.0 (2 correct), 1 sample with loss 5.0 (0 correct).
  s.add("loss", 1.0 * 3, 3);
  s.add("accuracy", 2, 3);
  s.add("loss", 5.0 * 1, 1);
  s.add("accuracy", 0, 1);
  Metrics m = s.means();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].first, "loss");
  EXPECT_DOUBLE_EQ(m[0].second, 2.0);   // 8 / 4, not the mean of batch means (3.0)
  EXPECT_DOUBLE_EQ(m[1].second, 0.5);   // 2 / 4, not (2/3 + 0) / 2
  EXPECT_EQ(s.count("loss"), 4);
  MetricSums empty;
  empty.add("f1", 0, 0);
  EXPECT_TRUE(std::isnan(empty.means()[0].second));
}

TEST(Accuracy, CountsArgmaxHits) {
  Tensor logits = tensor({0.1f, 0.9f, 0.0f, 2.0f, 1.0f, 0.0f, 0.0f, 0.0f, 3.0f}, {3, 3});
  EXPECT_EQ(count_correct(logits, tensor({1, 0, 1})), 2);
  EXPECT_HAS(error_of([&] { count_correct(logits, tensor({1, 0})); }), "expected outputs (N,C) and targets (N)");
}

// log_softmax of a fixed (6,4) input and labels [[2,0,-1],[1,3,3]]; reference from PyTorch 1.13:
// F.nll_loss(lp, labels.view(-1), ignore_index=-1) = 1.7251851653637549 (CS230's loss_fn gives the same).
TEST(MaskedNllLoss, MatchesPyTorchAndSkipsPadding) {
  Tensor lp = tensor(std::vector<double>{
      -3.658701518430066, -1.721540518430066, -2.409106518430066, -0.34878051843006613,
      -1.3842256514489597, -1.7757476514489596, -1.1234256514489598, -1.3666426514489598,
      -1.7549906617527657, -1.2601806617527656, -3.3155906617527657, -0.6788976617527657,
      -2.5111978962982064, -1.7372768962982064, -0.5037028962982063, -1.9765878962982062,
      -1.189487698097719, -0.8174806980977191, -1.710050698097719, -2.614237698097719,
      -2.245481062543822, -1.435721062543822, -3.268496062543822, -0.4810790625438219}, {6, 4});
  lp.requires_grad_(true);
  Tensor labels = tensor({2, 0, -1, 1, 3, 3}, {2, 3});
  Tensor loss = masked_nll_loss(lp, labels);
  EXPECT_NEAR(loss.item<double>(), 1.7251851653637549, 1e-12);
  loss.backward();
  // d loss / d lp = -1/5 at each labelled (row, label), 0 elsewhere (the padded row included).
  Tensor expected = zeros({6, 4}, kFloat64);
  for (auto [r, c] : std::vector<std::pair<int, int>>{{0, 2}, {1, 0}, {3, 1}, {4, 3}, {5, 3}})
    expected.index_put_({r, c}, -0.2);
  EXPECT_TENSOR_CLOSE(lp.grad(), expected, 1e-12, 0);
  auto [correct, counted] = masked_correct(lp, labels);
  EXPECT_EQ(correct, 1);  // PyTorch: (lp.argmax(1) == labels).logical_and(labels >= 0).sum() = 1
  EXPECT_EQ(counted, 5);
  EXPECT_HAS(error_of([&] { masked_nll_loss(lp, tensor({-1, -1, -1, -1, -1, -1}, {2, 3})); }), "every label is padding");
  EXPECT_HAS(error_of([&] { masked_nll_loss(lp, tensor({0, 1}, {1, 2})); }), "with N*T rows");
}

TEST(Entities, ExtractedAsConllevalReadsThem) {
  using V = std::vector<Entity>;
  EXPECT_EQ(extract_entities({"B-PER", "I-PER", "O", "B-LOC"}), (V{{0, 2, "PER"}, {3, 4, "LOC"}}));
  EXPECT_EQ(extract_entities({"I-PER", "I-PER", "B-PER"}), (V{{0, 2, "PER"}, {2, 3, "PER"}}));  // IOB1 start
  EXPECT_EQ(extract_entities({"B-PER", "I-LOC"}), (V{{0, 1, "PER"}, {1, 2, "LOC"}}));          // type change
  EXPECT_EQ(extract_entities({"O", "I-ORG", "O", "O"}), (V{{1, 2, "ORG"}}));
  EXPECT_EQ(extract_entities({"O", "O"}), V{});
}

TEST(Entities, PrecisionRecallF1) {
  EntityCounts c;
  c.add({"B-PER", "I-PER", "O", "B-LOC"}, {"B-PER", "O", "O", "B-LOC"});  // PER span wrong, LOC right
  EXPECT_EQ(c.true_positives, 1);
  EXPECT_EQ(c.false_positives, 1);
  EXPECT_EQ(c.false_negatives, 1);
  EXPECT_DOUBLE_EQ(c.f1(), 0.5);
  c.add({"O", "B-ORG"}, {"B-MISC", "B-ORG"});  // one right, one spurious
  EXPECT_DOUBLE_EQ(c.precision(), 2.0 / 4.0);
  EXPECT_DOUBLE_EQ(c.recall(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(c.f1(), 4.0 / 7.0);
  EXPECT_HAS(error_of([&] { c.add({"O"}, {"O", "O"}); }), "1 gold tags but 2 predicted tags");
  EXPECT_DOUBLE_EQ(EntityCounts{}.f1(), 0.0);
}

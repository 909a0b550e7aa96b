// nn::init: gains, fans, and the statistics of every initialiser (bounds, means, standard
// deviations, orthogonality); each layer's default initialisation as in PyTorch.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"
#include "test_nn_util.h"

using namespace ember;
using namespace ember::nntest;
namespace init = ember::nn::init;

namespace {
struct Stats {
  double mean, std, min, max;
};
Stats stats(const Tensor& t) {
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  const int64_t n = c.numel();
  double s = 0, ss = 0, lo = p[0], hi = p[0];
  for (int64_t i = 0; i < n; ++i) {
    s += p[i];
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  const double m = s / n;
  for (int64_t i = 0; i < n; ++i) ss += (p[i] - m) * (p[i] - m);
  return {m, std::sqrt(ss / (n - 1)), lo, hi};
}
}  // namespace

TEST(NNInit, CalculateGainLikePyTorch) {
  EXPECT_DOUBLE_EQ(init::calculate_gain("linear"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("conv2d"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(2.0 / 6.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain("selu"), 0.75);
  EXPECT_ERROR_HAS(init::calculate_gain("swish"), "unsupported nonlinearity");
}

TEST(NNInit, FanInFanOut) {
  Tensor conv_w = empty({16, 8, 3, 5});
  auto [fi, fo] = init::calculate_fan_in_and_fan_out(conv_w);
  EXPECT_EQ(fi, 8 * 15);
  EXPECT_EQ(fo, 16 * 15);
  Tensor b = empty({4});
  EXPECT_ERROR_HAS(init::calculate_fan_in_and_fan_out(b), "fewer than 2 dimensions");
}

TEST(NNInit, UniformNormalConstant) {
  manual_seed(1);
  Tensor t = empty({400, 500});
  init::uniform_(t, -2.0, 3.0);
  Stats s = stats(t);
  EXPECT_GE(s.min, -2.0);
  EXPECT_LT(s.max, 3.0);
  EXPECT_NEAR(s.mean, 0.5, 0.01);
  EXPECT_NEAR(s.std, 5.0 / std::sqrt(12.0), 0.01);
  init::normal_(t, 1.5, 0.5);
  s = stats(t);
  EXPECT_NEAR(s.mean, 1.5, 0.005);
  EXPECT_NEAR(s.std, 0.5, 0.005);
  init::constant_(t, 0.25);
  EXPECT_TRUE(t.equal(full({400, 500}, 0.25f)));
  init::zeros_(t);
  EXPECT_TRUE(t.equal(zeros({400, 500})));
  init::ones_(t);
  EXPECT_TRUE(t.equal(ones({400, 500})));
  // on a parameter: no graph is recorded, the leaf stays a leaf
  Tensor p = empty({3, 3}).requires_grad_(true);
  init::normal_(p);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
}

TEST(NNInit, XavierAndKaimingStatistics) {
  manual_seed(2);
  Tensor w = empty({300, 200, 3});  // fan_in 600, fan_out 900
  init::xavier_uniform_(w, 2.0);
  const double xstd = 2.0 * std::sqrt(2.0 / 1500.0);
  Stats s = stats(w);
  EXPECT_LE(std::max(-s.min, s.max), std::sqrt(3.0) * xstd);
  EXPECT_NEAR(s.std, xstd, 0.01 * xstd);
  init::xavier_normal_(w);
  EXPECT_NEAR(stats(w).std, std::sqrt(2.0 / 1500.0), 0.01 * std::sqrt(2.0 / 1500.0));
  init::kaiming_normal_(w, 0.0, "fan_in", "relu");
  EXPECT_NEAR(stats(w).std, std::sqrt(2.0 / 600.0), 0.01 * std::sqrt(2.0 / 600.0));
  init::kaiming_normal_(w, 0.0, "fan_out", "relu");
  EXPECT_NEAR(stats(w).std, std::sqrt(2.0 / 900.0), 0.01 * std::sqrt(2.0 / 900.0));
  init::kaiming_uniform_(w, std::sqrt(5.0));  // PyTorch's Linear/Conv default: bound 1/sqrt(fan_in)
  s = stats(w);
  EXPECT_LE(std::max(-s.min, s.max), 1.0 / std::sqrt(600.0));
  EXPECT_GT(std::max(-s.min, s.max), 0.99 / std::sqrt(600.0));
  EXPECT_NEAR(s.mean, 0.0, 0.001);
  EXPECT_ERROR_HAS(init::kaiming_uniform_(w, 0, "fan_avg"), "fan_in or fan_out");
}

TEST(NNInit, OrthogonalRowsOrColumns) {
  manual_seed(3);
  for (Shape shape : {Shape{6, 10}, Shape{10, 6}, Shape{4, 3, 2}}) {
    Tensor w = empty(shape);
    init::orthogonal_(w, 1.5);
    Tensor m = w.reshape({shape[0], -1}).to(kFloat64);
    const int64_t rows = m.size(0), cols = m.size(1);
    // the smaller side is orthonormal (times the gain)
    Tensor g = rows <= cols ? (m.unsqueeze(1) * m.unsqueeze(0)).sum({2}) : (m.t().unsqueeze(1) * m.t().unsqueeze(0)).sum({2});
    EXPECT_TENSOR_CLOSE(g, eye(std::min(rows, cols), -1, kFloat64) * 2.25, 1e-5, 0);
  }
  Tensor v = empty({5});
  EXPECT_ERROR_HAS(init::orthogonal_(v), "2 or more dimensions");
}

TEST(NNInit, LayerDefaultsFollowPyTorch) {
  manual_seed(4);
  nn::BatchNorm2d bn(6);
  EXPECT_TRUE(bn.weight.equal(ones({6})));
  EXPECT_TRUE(bn.bias.equal(zeros({6})));
  EXPECT_TRUE(bn.running_mean.equal(zeros({6})));
  EXPECT_TRUE(bn.running_var.equal(ones({6})));
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  nn::GroupNorm gn(2, 6);
  EXPECT_TRUE(gn.weight.equal(ones({6})));
  nn::Embedding emb(200, 300);  // N(0, 1)
  Stats s = stats(emb.weight);
  EXPECT_NEAR(s.mean, 0.0, 0.01);
  EXPECT_NEAR(s.std, 1.0, 0.01);
  nn::ConvTranspose2d ct(8, 4, 3);  // weight (8, 4, 3, 3): fan_in = 4 * 9
  EXPECT_LE(max_abs(ct.weight), 1.0 / 6.0);
  EXPECT_LE(max_abs(ct.bias), 1.0 / 6.0);
  EXPECT_GT(max_abs(ct.weight), 0.9 / 6.0);
  // reset_parameters redraws
  nn::Linear fc(20, 20);
  Tensor before = fc.weight.clone();
  fc.reset_parameters();
  EXPECT_FALSE(fc.weight.equal(before));
  // same seed, same weights
  manual_seed(9);
  nn::Conv2d a(3, 4, 3);
  manual_seed(9);
  nn::Conv2d b(3, 4, 3);
  EXPECT_TRUE(a.weight.equal(b.weight));
  EXPECT_TRUE(a.bias.equal(b.bias));
}

// Zero-element tensors: PyTorch's init functions are a no-op there ("Initializing zero-element
// tensors is a no-op"); orthogonal_ used to divide by zero rows (SIGFPE) and kaiming threw, so
// nn.Linear(0, 2) could not be built.
TEST(InitBadInput, ZeroElementTensorsAreANoOp) {
  Tensor a = empty({0, 3});
  EXPECT_NO_THROW(init::orthogonal_(a));
  Tensor b = empty({3, 0});
  EXPECT_NO_THROW(init::kaiming_uniform_(b));
  EXPECT_NO_THROW(init::kaiming_normal_(b, 0.0, "fan_out"));
  nn::Linear lin(0, 2);  // torch: Linear(0, 2)(randn(3, 0)) is zeros (bias bound 0 for fan_in 0)
  EXPECT_TRUE(lin.forward(randn({3, 0})).equal(zeros({3, 2})));
}

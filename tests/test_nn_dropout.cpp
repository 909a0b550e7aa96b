// Dropout and Dropout2d: off in eval mode, the drop rate and 1/(1-p) scaling in train mode,
// masks reproducible after manual_seed, gradients through the same mask, errors.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"
#include "test_nn_util.h"

using namespace ember;
using namespace ember::nntest;
namespace F = ember::nn::functional;

namespace {
// Fraction of exact zeros in t.
double zero_fraction(const Tensor& t) {
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  int64_t z = 0;
  for (int64_t i = 0; i < c.numel(); ++i) z += p[i] == 0.0;
  return static_cast<double>(z) / static_cast<double>(c.numel());
}
}  // namespace

TEST(NNDropout, EvalModeAndZeroPReturnTheInput) {
  Tensor x = wave({4, 5});
  nn::Dropout d(0.5);
  d.eval();
  EXPECT_TRUE(d.forward(x).is_same(x));
  EXPECT_TRUE(F::dropout(x, 0.0, true).is_same(x));
  EXPECT_TRUE(F::dropout(x, 0.7, false).is_same(x));
  nn::Dropout2d d2(0.5);
  d2.eval();
  EXPECT_TRUE(d2.forward(wave({2, 3, 4, 4})).equal(wave({2, 3, 4, 4})));
}

TEST(NNDropout, TrainModeDropsAboutPAndScalesTheRest) {
  const double p = 0.3;
  Tensor x = ones({200000}) * 2.0;
  nn::Dropout d(p);  // modules start in train mode
  Tensor y = d.forward(x);
  const double dropped = zero_fraction(y);
  EXPECT_NEAR(dropped, p, 0.005);  // 200k Bernoulli draws: std 0.001
  // every kept element is x / (1 - p)
  Tensor kept = y.to(kFloat64);
  const double* k = kept.data_ptr<double>();
  for (int64_t i = 0; i < kept.numel(); ++i)
    if (k[i] != 0.0) ASSERT_NEAR(k[i], 2.0 / (1.0 - p), 1e-6);
  EXPECT_NEAR(y.to(kFloat64).sum().item<double>() / 200000.0, 2.0, 0.02);  // unbiased in expectation
  EXPECT_TRUE(F::dropout(x, 1.0).equal(zeros({200000})));
}

TEST(NNDropout, SeededByManualSeed) {
  Tensor x = wave({64, 32});
  manual_seed(42);
  Tensor a = F::dropout(x, 0.5);
  Tensor a2 = F::dropout(x, 0.5);  // the generator moved on: another mask
  manual_seed(42);
  Tensor b = F::dropout(x, 0.5);
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(a2));
  manual_seed(43);
  EXPECT_FALSE(F::dropout(x, 0.5).equal(a));
}

TEST(NNDropout, GradientUsesTheSameMask) {
  Tensor x = wave({50, 40}, 0.1, 1.0, kFloat64).requires_grad_(true);
  Tensor y = F::dropout(x, 0.4);
  y.sum().backward();
  // dy/dx = mask / (1 - p) = y / x elementwise
  EXPECT_TENSOR_CLOSE(x.grad(), (y / x).detach(), 1e-12, 1e-9);
}

TEST(NNDropout, GradcheckWithAFixedMask) {
  // reseeding inside fn gives every evaluation the same mask, so finite differences apply
  Tensor x = wave({6, 7}, 0.1, 1.0, kFloat64).requires_grad_(true);
  EXPECT_TRUE(ember::testing::gradcheck([](const TensorList& t) {
    manual_seed(11);
    return F::dropout(t[0], 0.3);
  }, {x}));
  Tensor x4 = wave({2, 3, 2, 2}, 0.1, 1.0, kFloat64).requires_grad_(true);
  EXPECT_TRUE(ember::testing::gradcheck([](const TensorList& t) {
    manual_seed(12);
    return F::dropout2d(t[0], 0.5);
  }, {x4}));
}

TEST(NNDropout, Dropout2dDropsWholeChannels) {
  manual_seed(7);
  Tensor x = ones({8, 16, 5, 5});
  nn::Dropout2d d(0.5);
  Tensor y = d.forward(x);
  int dropped = 0;
  for (int64_t n = 0; n < 8; ++n)
    for (int64_t c = 0; c < 16; ++c) {
      Tensor ch = y.select(0, n).select(0, c).contiguous();
      const double z = zero_fraction(ch);
      ASSERT_TRUE(z == 0.0 || z == 1.0) << "channel (" << n << ", " << c << ") is partly dropped";
      if (z == 1.0) ++dropped;
      else EXPECT_TRUE(ch.equal(full({5, 5}, 2.0f)));
    }
  EXPECT_GT(dropped, 30);  // 128 channels at p=0.5
  EXPECT_LT(dropped, 98);
  // 3-D input: (N,C,L), as PyTorch 1.13 reads it
  Tensor y3 = F::dropout2d(ones({4, 6, 10}), 0.5);
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t c = 0; c < 6; ++c) {
      const double z = zero_fraction(y3.select(0, n).select(0, c));
      EXPECT_TRUE(z == 0.0 || z == 1.0);
    }
  Tensor g = wave({2, 3, 4, 4}, 0.1, 1.0, kFloat64).requires_grad_(true);  // no zeros: y / x is the mask
  Tensor yg = F::dropout2d(g, 0.5);
  yg.sum().backward();
  EXPECT_TENSOR_CLOSE(g.grad(), (yg / g).detach(), 1e-12, 1e-9);
}

TEST(NNDropout, TrainEvalThroughAContainer) {
  nn::Sequential net({std::make_shared<nn::Linear>(10, 10), std::make_shared<nn::Dropout>(0.5)});
  Tensor x = wave({4, 10});
  net.eval();
  EXPECT_TRUE(net.forward(x).equal(net.forward(x)));  // deterministic in eval
  net.train();
  EXPECT_FALSE(net.forward(x).equal(net.forward(x)));
}

TEST(NNDropout, ReprAndErrors) {
  EXPECT_EQ(nn::Dropout().repr(), "Dropout(p=0.5, inplace=False)");
  EXPECT_EQ(nn::Dropout(0.2).repr(), "Dropout(p=0.2, inplace=False)");
  EXPECT_EQ(nn::Dropout2d(0.3).repr(), "Dropout2d(p=0.3, inplace=False)");
  EXPECT_ERROR_HAS(nn::Dropout(1.5), "between 0 and 1");
  EXPECT_ERROR_HAS(F::dropout(wave({3}), -0.1), "between 0 and 1");
  EXPECT_ERROR_HAS(F::dropout2d(wave({3, 4}), 0.5), "4D (N,C,H,W) or 3D");
}

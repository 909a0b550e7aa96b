// Basic autograd behaviour of the core: accumulation, broadcasting grads, chains, in-place errors.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;

TEST(AutogradBasic, MulAddGradients) {
  Tensor a = tensor({1.f, 2.f, 3.f}).requires_grad_();
  Tensor b = tensor({4.f, 5.f, 6.f}).requires_grad_();
  Tensor y = (a * b + a).sum();
  y.backward();
  EXPECT_TENSOR_CLOSE(a.grad(), tensor({5.f, 6.f, 7.f}));
  EXPECT_TENSOR_CLOSE(b.grad(), tensor({1.f, 2.f, 3.f}));
  EXPECT_EQ(y.grad_fn()->name(), "SumBackward0");
}

TEST(AutogradBasic, BroadcastReducesGradient) {
  Tensor a = ones({2, 3}).requires_grad_();
  Tensor b = tensor({1.f, 2.f, 3.f}).requires_grad_();
  (a * b).sum().backward();
  EXPECT_TENSOR_CLOSE(b.grad(), tensor({2.f, 2.f, 2.f}));
  EXPECT_EQ(a.grad().sizes(), (Shape{2, 3}));
}

TEST(AutogradBasic, GradientsAccumulateUntilZeroed) {
  Tensor a = tensor({1.f, 2.f}).requires_grad_();
  (a * 2).sum().backward();
  (a * 2).sum().backward();
  EXPECT_TENSOR_CLOSE(a.grad(), tensor({4.f, 4.f}));
  a.mutable_grad().zero_();
  (a * 3).sum().backward();
  EXPECT_TENSOR_CLOSE(a.grad(), tensor({3.f, 3.f}));
}

TEST(AutogradBasic, LongChainDoesNotOverflowTheStack) {
  Tensor x = tensor({1.f}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0f + 0.0f;
  y.sum().backward();
  EXPECT_FLOAT_EQ(x.grad().item<float>(), 1.0f);
}

TEST(AutogradBasic, InplaceOnSavedTensorIsAnError) {
  Tensor a = tensor({1.f, 2.f}).requires_grad_();
  Tensor b = a * 2;
  Tensor c = b * b;
  b.add_(1);
  try {
    c.sum().backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("modified by an inplace operation"), std::string::npos) << msg;
    EXPECT_NE(msg.find("MulBackward0"), std::string::npos) << msg;
  }
}

TEST(AutogradBasic, LeafInplaceIsAnError) {
  Tensor a = tensor({1.f, 2.f}).requires_grad_();
  EXPECT_THROW(a.add_(1), Error);
  NoGradGuard g;
  a.add_(1);
  EXPECT_TENSOR_CLOSE(a.detach(), tensor({2.f, 3.f}));
}

TEST(AutogradBasic, DoubleBackwardOfCube) {
  Tensor x = tensor({2.0}, {}, kFloat64).requires_grad_();
  Tensor y = (x * x * x).sum();
  auto g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true);
  EXPECT_DOUBLE_EQ(g[0].sum().item<double>(), 12.0);
  auto gg = autograd::grad({g[0].sum()}, {x});
  EXPECT_DOUBLE_EQ(gg[0].sum().item<double>(), 12.0);  // 6x
}

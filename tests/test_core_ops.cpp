// add/sub/mul/div/neg, sum, views and factories: values, gradients (float64 finite differences on
// contiguous, transposed, broadcast and sliced inputs) and double backward.
#include <gtest/gtest.h>

#include <thread>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
Tensor leaf(const Shape& s, uint64_t seed = 1) {
  manual_seed(seed);
  return randn(s, kFloat64).requires_grad_();
}
// Away from zero (for division).
Tensor positive_leaf(const Shape& s, uint64_t seed = 2) {
  manual_seed(seed);
  Tensor t = rand(s, kFloat64);
  { NoGradGuard g; t.add_(0.5); }
  return t.requires_grad_();
}
}  // namespace

TEST(CoreOps, ArithmeticValues) {
  Tensor a = tensor({1.f, 2.f, 3.f, 4.f}, {2, 2});
  Tensor b = tensor({10.f, 20.f});
  EXPECT_TENSOR_CLOSE(a + b, tensor({11.f, 22.f, 13.f, 24.f}, {2, 2}));
  EXPECT_TENSOR_CLOSE(a - b, tensor({-9.f, -18.f, -7.f, -16.f}, {2, 2}));
  EXPECT_TENSOR_CLOSE(a * b, tensor({10.f, 40.f, 30.f, 80.f}, {2, 2}));
  EXPECT_TENSOR_CLOSE(a / b, tensor({0.1f, 0.1f, 0.3f, 0.2f}, {2, 2}));
  EXPECT_TENSOR_CLOSE(add(a, b, 2), tensor({21.f, 42.f, 23.f, 44.f}, {2, 2}));
  EXPECT_TENSOR_CLOSE(-a, tensor({-1.f, -2.f, -3.f, -4.f}, {2, 2}));
  EXPECT_TENSOR_CLOSE(2 - a, tensor({1.f, 0.f, -1.f, -2.f}, {2, 2}));
  EXPECT_TENSOR_CLOSE(1 / a, tensor({1.f, 0.5f, 1.f / 3, 0.25f}, {2, 2}));
}

TEST(CoreOps, BroadcastErrorsNameTheShapes) {
  try {
    (void)(ones({2, 3}) + ones({4}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(2,3)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("(4)"), std::string::npos) << e.what();
  }
}

TEST(CoreOps, IntegerDivisionIsTrueDivision) {
  Tensor a = tensor({1, 2, 3});
  Tensor r = a / 2;
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(r, tensor({0.5f, 1.f, 1.5f}));
}

TEST(CoreOps, SumValues) {
  Tensor a = arange(6, kFloat32).reshape({2, 3});
  EXPECT_FLOAT_EQ(a.sum().item<float>(), 15.f);
  EXPECT_TENSOR_CLOSE(a.sum({0}), tensor({3.f, 5.f, 7.f}));
  EXPECT_TENSOR_CLOSE(a.sum({-1}, true), tensor({3.f, 12.f}, {2, 1}));
  EXPECT_TENSOR_CLOSE(a.t().sum({1}), tensor({3.f, 5.f, 7.f}));
  EXPECT_EQ(tensor({1, 2}).sum().dtype(), kInt64);
  EXPECT_EQ(tensor(std::vector<bool>{true, true, false}).sum().item<int64_t>(), 2);
  EXPECT_THROW(a.sum({0, 0}), Error);
  EXPECT_THROW(a.sum({2}), Error);
}

TEST(CoreOps, ArithmeticGradients) {
  for (auto [name, fn] : std::vector<std::pair<const char*, ember::testing::Fn>>{
           {"add", [](const TensorList& x) { return add(x[0], x[1], 0.5); }},
           {"sub", [](const TensorList& x) { return sub(x[0], x[1], 2); }},
           {"mul", [](const TensorList& x) { return x[0] * x[1]; }},
           {"div", [](const TensorList& x) { return x[0] / x[1]; }},
       }) {
    SCOPED_TRACE(name);
    Tensor a = leaf({3, 4}, 1), b = positive_leaf({3, 4}, 2);
    // contiguous
    EXPECT_TRUE(gradcheck(fn, {a, b}));
    // transposed
    EXPECT_TRUE(gradcheck([&](const TensorList& x) { return fn({x[0].t(), x[1].t()}); }, {a, b}));
    // broadcast: (3,4) with (4) and with (3,1)
    Tensor r = positive_leaf({4}, 3), c = positive_leaf({3, 1}, 4);
    EXPECT_TRUE(gradcheck([&](const TensorList& x) { return fn({x[0], x[1]}); }, {a, r}));
    EXPECT_TRUE(gradcheck([&](const TensorList& x) { return fn({x[1], x[0]}); }, {a, c}));
    EXPECT_TRUE(gradcheck([&](const TensorList& x) { return fn({x[0], x[1].expand({3, 4})}); }, {a, r}));
    // sliced (offset and stride)
    Tensor big = leaf({5, 8}, 5), bigb = positive_leaf({5, 8}, 6);
    EXPECT_TRUE(gradcheck([&](const TensorList& x) {
      return fn({x[0].slice(0, 1, 4).slice(1, 0, 8, 2), x[1].slice(0, 2, 5).slice(1, 1, 8, 2)});
    }, {big, bigb}));
    // second order
    EXPECT_TRUE(gradgradcheck(fn, {a, b}));
  }
}

TEST(CoreOps, ScalarOperandsAndNeg) {
  Tensor a = leaf({2, 3});
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return 3.0 * x[0] - 1.0; }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return 2.0 / x[0]; }, {positive_leaf({2, 3})}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return -x[0]; }, {a}));
}

TEST(CoreOps, ViewAndSumGradients) {
  Tensor a = leaf({2, 3, 4});
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].sum({1}); }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].sum({0, 2}, true); }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].transpose(0, 2).reshape({4, 6}); }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].permute({2, 0, 1}) * 1.0; }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].slice(2, 1, 4, 2); }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].select(1, -1); }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].unsqueeze(1).expand({2, 5, 3, 4}); }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].flatten(1).squeeze(); }, {a}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return x[0].narrow(0, 1, 1).to(kFloat32); }, {a}, 1e-3, 1e-3, 1e-2));
  EXPECT_TRUE(gradgradcheck([](const TensorList& x) { return (x[0].slice(2, 1, 4, 2) * x[0].select(2, 0).unsqueeze(2)); }, {a}));
  EXPECT_TRUE(gradgradcheck([](const TensorList& x) { return x[0].sum({1}) * x[0].sum({1}); }, {a}));
}

TEST(CoreOps, InplaceOnNonLeafKeepsTheGraph) {
  Tensor a = leaf({3});
  Tensor b = positive_leaf({3});
  EXPECT_TRUE(gradcheck([](const TensorList& x) {
    Tensor y = x[0] * 2.0;
    y.mul_(x[1]);
    y.add_(x[0]);
    y.div_(x[1]);
    return y;
  }, {a, b}));
  Tensor y = a * 2.0;
  uint64_t v = y._version();
  y.add_(1);
  EXPECT_EQ(y._version(), v + 1);
}

TEST(CoreOps, InplaceDtypeAndShapeRules) {
  Tensor i = tensor({1, 2, 3});
  EXPECT_THROW(i.add_(0.5), Error);  // float result can't be cast to int64
  Tensor f = zeros({3});
  EXPECT_THROW(f.add_(ones({2, 3})), Error);  // would change self's shape
  f.add_(i);
  EXPECT_TENSOR_CLOSE(f, tensor({1.f, 2.f, 3.f}));
}

TEST(CoreOps, CopyBroadcastsAndConverts) {
  Tensor d = zeros({2, 3}, kFloat64);
  d.copy_(tensor({1, 2, 3}));
  EXPECT_TENSOR_CLOSE(d, tensor({1., 2., 3., 1., 2., 3.}, {2, 3}));
  EXPECT_THROW(d.copy_(ones({4})), Error);
  Tensor t = zeros({3, 2}).t();  // strided destination
  t.copy_(ones({2, 3}) * 2.0);
  EXPECT_FLOAT_EQ(t.sum().item<float>(), 12.f);
}

TEST(CoreOps, Factories) {
  EXPECT_EQ(zeros({2, 3}).sizes(), (Shape{2, 3}));
  EXPECT_EQ(full({2}, 7).dtype(), kInt64);
  EXPECT_EQ(full({2}, 7.5).dtype(), kFloat32);
  EXPECT_EQ(arange(5).dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(arange(1.0, 2.0, 0.25), tensor({1.f, 1.25f, 1.5f, 1.75f}));
  EXPECT_TENSOR_CLOSE(linspace(0, 1, 5), tensor({0.f, 0.25f, 0.5f, 0.75f, 1.f}));
  EXPECT_TENSOR_CLOSE(eye(2, 3), tensor({1.f, 0.f, 0.f, 0.f, 1.f, 0.f}, {2, 3}));
  EXPECT_THROW(tensor({1.f, 2.f, 3.f}, {2, 2}), Error);
  EXPECT_THROW(zeros({-1}), Error);
  EXPECT_THROW(arange(0, 5, 0), Error);
  EXPECT_TRUE(ones({2}, TensorOptions(kFloat64).requires_grad()).requires_grad());
  EXPECT_THROW(ones({2}, kInt64).requires_grad_(), Error);
  float buf[6] = {1, 2, 3, 4, 5, 6};
  Tensor blob = from_blob(buf, {2, 3}, kFloat32);
  buf[0] = 10;
  EXPECT_FLOAT_EQ(blob.data_ptr<float>()[0], 10.f);  // no copy
  Tensor copy = from_blob_copy(buf, {2, 3}, kFloat32);
  buf[1] = 20;
  EXPECT_FLOAT_EQ(copy.data_ptr<float>()[1], 2.f);  // deep copy
  EXPECT_THROW(blob.data_ptr<double>(), Error);
  EXPECT_THROW(ones({2}).item<float>(), Error);
}

TEST(CoreOps, RandomIsSeededAndThreadIndependent) {
  set_num_threads(1);
  manual_seed(7);
  Tensor a = randn({100000});
  Tensor ai = randint(0, 10, {1000});
  set_num_threads(2);
  manual_seed(7);
  Tensor b = randn({100000});
  Tensor bi = randint(0, 10, {1000});
  EXPECT_TENSOR_CLOSE(a, b, 0, 0);
  EXPECT_TENSOR_CLOSE(ai, bi, 0, 0);
  double mean = a.sum().item<double>() / a.numel();
  EXPECT_NEAR(mean, 0.0, 0.02);
  double var = (a * a).sum().item<double>() / a.numel();
  EXPECT_NEAR(var, 1.0, 0.02);
  manual_seed(3);
  Tensor p = randperm(10);
  EXPECT_EQ(p.sum().item<int64_t>(), 45);
  Tensor u = rand({10000});
  EXPECT_NEAR(u.sum().item<double>() / 10000, 0.5, 0.02);
}

TEST(CoreOps, ThreadCount) {
  set_num_threads(1);
  EXPECT_EQ(get_num_threads(), 1);
  // the setting is global: a thread started by the user follows it (OpenMP's own is per thread)
  int in_thread = 0;
  double sum = 0;
  std::thread th([&] {
    in_thread = get_num_threads();
    sum = ones({100000}).sum().item<double>();
  });
  th.join();
  EXPECT_EQ(in_thread, 1);
  EXPECT_EQ(sum, 100000);
  set_num_threads(2);
  EXPECT_EQ(get_num_threads(), 2);
  EXPECT_THROW(set_num_threads(0), Error);
}

// Results of 16 MiB and more take the streaming-store path: every element, the unaligned
// tail and the head of an offset output must still be right.
TEST(CoreOps, LargeElementwiseResults) {
  const int64_t n = (5 << 20) + 13;  // 20 MiB of float32, not a multiple of a cache line
  Tensor a = arange(n, kFloat32), b = full({n}, 0.5f);
  Tensor c = a + b;
  EXPECT_EQ(c.data_ptr<float>()[0], 0.5f);
  EXPECT_EQ(c.data_ptr<float>()[n - 1], static_cast<float>(n - 1) + 0.5f);
  EXPECT_TRUE(equal(c - b, a));
  Tensor d = arange(3 << 20, kFloat64).slice(0, 1);  // float64, offset input
  Tensor e = d * 2.0 + d;
  EXPECT_TRUE(equal(e, d * 3.0));
  EXPECT_EQ(e.data_ptr<double>()[0], 3.0);
}

// Bounds checks that used to overflow int64 (start + length, (end - start + step - 1), a
// product of view sizes) and a negative size that expand let through on a size-1 dim.
TEST(ViewBadInput, OverflowingBoundsAndNegativeSizes) {
  Tensor x = arange(0, 6, 1, kFloat32).reshape({2, 3});
  EXPECT_ERROR_HAS(x.narrow(1, 1, INT64_MAX), "narrow", "9223372036854775807", "(2,3)");
  EXPECT_ERROR_HAS(x.narrow(1, INT64_MAX, 1), "narrow", "9223372036854775807");
  EXPECT_ERROR_HAS(ones({1, 3}).expand({-5, 3}), "expand", "-5");
  EXPECT_ERROR_HAS(x.view({int64_t{1} << 32, int64_t{1} << 32, -1}), "view", "invalid for input of size 6");
  EXPECT_ERROR_HAS(x.reshape({int64_t{1} << 32, int64_t{1} << 32}), "invalid for input of size 6");
  // a step near INT64_MAX takes the first element only (x[:, ::2**62] in PyTorch)
  Tensor s = x.slice(1, 0, 3, INT64_MAX);
  EXPECT_EQ(s.sizes(), (Shape{2, 1}));
  EXPECT_TRUE(s.contiguous().equal(tensor({0.f, 3.f}, {2, 1})));
  Tensor s2 = x.t().slice(1, 0, 2, INT64_MAX / 2);  // stride 3 * step would overflow; one element needs no stride
  EXPECT_TRUE(s2.contiguous().equal(tensor({0.f, 1.f, 2.f}, {3, 1})));
}

// Reductions (mean, max/min, argmax/argmin, var/std, norm, logsumexp, all/any) and
// softmax/log_softmax: values against PyTorch 1.13 (computed with torch and embedded) in
// float32 and float64, edge cases and errors, and float64 finite-difference gradient checks on
// contiguous, transposed, broadcast and sliced inputs, plus double backward.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::randn_leaf;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

// torch.tensor([[0.5,-1.2,3.0,2.2],[1.5,1.5,-0.3,0.0],[-2.0,0.7,0.7,4.1]])
Tensor x34(DType dt = kFloat64) {
  return tensor({0.5, -1.2, 3.0, 2.2, 1.5, 1.5, -0.3, 0.0, -2.0, 0.7, 0.7, 4.1}, {3, 4}).to(dt);
}
Tensor f64(std::initializer_list<double> v, const Shape& s = {}) { return tensor(v, s.empty() ? Shape{int64_t(v.size())} : s); }
Tensor i64(std::initializer_list<int> v, const Shape& s = {}) { return tensor(v, s.empty() ? Shape{int64_t(v.size())} : s); }

// A (3,4) input reached four ways: contiguous, transposed, broadcast (expanded) and sliced
// (offset and strided). `leaf` is what gradcheck perturbs; `view` turns it into the (3,4) input.
struct Layout34 {
  const char* name;
  Shape leaf;
  std::function<Tensor(const Tensor&)> view;
};
const Layout34 kLayouts[] = {
    {"contiguous", {3, 4}, [](const Tensor& t) { return t; }},
    {"transposed", {4, 3}, [](const Tensor& t) { return t.t(); }},
    {"broadcast", {1, 4}, [](const Tensor& t) { return t.expand({3, 4}); }},
    {"sliced", {5, 9}, [](const Tensor& t) { return t.slice(0, 1, 4).slice(1, 1, 9, 2); }},
};

// gradcheck (and optionally gradgradcheck) of op(x) for every layout of x.
void check_layouts(const std::function<Tensor(const Tensor&)>& op, bool second_order = true, uint64_t seed = 1) {
  for (const auto& l : kLayouts) {
    SCOPED_TRACE(l.name);
    Tensor leaf = randn_leaf(l.leaf, seed);
    auto fn = [&](const TensorList& t) { return op(l.view(t[0])); };
    EXPECT_TRUE(gradcheck(fn, {leaf}));
    if (second_order) EXPECT_TRUE(gradgradcheck(fn, {leaf}));
  }
}

}  // namespace

// ---- values ------------------------------------------------------------------------------

TEST(Reductions, MeanVarStdMatchPyTorch) {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = x34(dt);
    EXPECT_NEAR(x.mean().item<double>(), 0.8916666667, 1e-6);
    EXPECT_EQ(x.mean().dtype(), dt);
    EXPECT_TENSOR_CLOSE(x.mean({0}), f64({0, 0.3333333333, 1.133333333, 2.1}), 1e-6);
    EXPECT_TENSOR_CLOSE(x.mean({1}, true), f64({1.125, 0.675, 0.875}, {3, 1}), 1e-6);
    EXPECT_TENSOR_CLOSE(x.mean({-1, 0}), x.mean(), 1e-6);
    EXPECT_NEAR(x.var().item<double>(), 2.942651515, 1e-6);
    EXPECT_TENSOR_CLOSE(x.var({1}), f64({3.489166667, 0.9225, 6.2425}), 1e-6);
    EXPECT_TENSOR_CLOSE(x.var({0}, false), f64({2.166666667, 1.282222222, 1.908888889, 2.806666667}), 1e-6);
    EXPECT_NEAR(x.std().item<double>(), 1.715415843, 1e-6);
    EXPECT_TENSOR_CLOSE(x.std({1}, true, true), f64({1.867931119, 0.9604686356, 2.49849955}, {3, 1}), 1e-6);
  }
  // empty reductions give NaN, as in torch; a single element's unbiased variance is NaN
  EXPECT_TRUE(std::isnan(zeros({0}).mean().item<double>()));
  EXPECT_TRUE(std::isnan(zeros({0}).var().item<double>()));
  EXPECT_TRUE(std::isnan(ones({1}).var().item<double>()));
  EXPECT_TENSOR_CLOSE(var(x34(), {1}), var(x34(), std::vector<int64_t>{1}));  // {1} is a dim list, not a bool
  EXPECT_EQ(ones({2, 0, 3}).mean({1}).sizes(), (Shape{2, 3}));
}

TEST(Reductions, MaxMinArgMatchPyTorch) {
  for (DType dt : {kFloat32, kFloat64, kInt64}) {
    SCOPED_TRACE(dtype_name(dt));
    Tensor x = dt == kInt64 ? (x34() * 10).to(kInt64) : x34(dt);
    const double s = dt == kInt64 ? 10 : 1;
    EXPECT_NEAR(x.max().item<double>(), 4.1 * s, 1e-5);
    EXPECT_NEAR(x.min().item<double>(), -2.0 * s, 1e-5);
    EXPECT_EQ(x.max().dtype(), dt);
    auto [v, i] = x.max(1);
    EXPECT_TENSOR_CLOSE(v, f64({3, 1.5, 4.1}) * s, 1e-5);
    EXPECT_TRUE(equal(i, i64({2, 0, 3})));  // the first of the tied 1.5s
    auto [vm, im] = x.min(0, true);
    EXPECT_TENSOR_CLOSE(vm, f64({-2, -1.2, -0.3, 0}, {1, 4}) * s, 1e-5);
    EXPECT_TRUE(equal(im, i64({2, 0, 1, 1}, {1, 4})));
    EXPECT_EQ(x.argmax().item<int64_t>(), 11);
    EXPECT_EQ(x.argmin().item<int64_t>(), 8);
    EXPECT_TRUE(equal(x.argmax(1), i64({2, 0, 3})));
    EXPECT_TRUE(equal(x.argmin(0, true), i64({2, 0, 1, 1}, {1, 4})));
    EXPECT_EQ(x.argmax(std::nullopt, true).sizes(), (Shape{1, 1}));
  }
  // NaN wins, as in torch
  Tensor n = tensor({1.f, NAN, 3.f});
  EXPECT_TRUE(std::isnan(n.max().item<float>()));
  EXPECT_EQ(n.argmax().item<int64_t>(), 1);
  EXPECT_EQ(n.argmin().item<int64_t>(), 1);
  // a transposed input and a 0-d input
  EXPECT_TRUE(equal(x34().t().argmax(0), i64({2, 0, 3})));
  auto [v0, i0] = scalar_tensor(2.5).max(0);
  EXPECT_EQ(v0.item<double>(), 2.5);
  EXPECT_EQ(i0.item<int64_t>(), 0);
  EXPECT_EQ(std::get<0>(zeros({0, 2}).max(1)).sizes(), (Shape{0}));
}

TEST(Reductions, NormLogsumexpMatchPyTorch) {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = x34(dt);
    EXPECT_NEAR(x.norm().item<double>(), 6.473793324, 1e-5);
    EXPECT_NEAR(norm(x, 1).item<double>(), 17.7, 1e-5);
    EXPECT_NEAR(norm(x, kInf).item<double>(), 4.1, 1e-6);
    EXPECT_NEAR(norm(x, -kInf).item<double>(), 0, 1e-6);
    EXPECT_NEAR(norm(x, 0).item<double>(), 11, 1e-6);
    EXPECT_TENSOR_CLOSE(norm(x, 3, {1}), f64({3.405671043, 1.892398065, 4.265470721}), 1e-5);
    EXPECT_TENSOR_CLOSE(norm(x, 0.5, {0}), f64({11.19615242, 9.965702004, 9.712157084, 12.30666297}), 1e-5);
    EXPECT_TENSOR_CLOSE(logsumexp(x, {1}), f64({3.435935818, 2.370635848, 4.166713723}), 1e-5);
    EXPECT_NEAR(logsumexp(x, {0, 1}).item<double>(), 4.665962234, 1e-5);
  }
  EXPECT_EQ(zeros({0}).norm().item<double>(), 0);
  EXPECT_EQ(logsumexp(zeros({0}), {0}).item<double>(), -kInf);
  // large values do not overflow; an integer input computes in float32 (torch: 2.3133)
  EXPECT_NEAR(logsumexp(tensor({1000.0, 1000.0}), {0}).item<double>(), 1000 + std::log(2.0), 1e-9);
  Tensor li = logsumexp(tensor({1, 2}), {0});
  EXPECT_EQ(li.dtype(), kFloat32);
  EXPECT_NEAR(li.item<double>(), 2.3132617, 1e-6);
}

TEST(Reductions, AllAny) {
  Tensor a = tensor({1, 0, 2, 3, 4, 5}, {2, 3});
  EXPECT_TRUE(equal(all(a, 1), tensor(std::vector<bool>{false, true})));
  EXPECT_TRUE(equal(any(tensor({1, 0, 2, 0, 0, 0}, {2, 3}), 1), tensor(std::vector<bool>{true, false})));
  EXPECT_FALSE(all(tensor({0, 0, 0, 1}, {2, 2})).item<bool>());
  EXPECT_TRUE(any(tensor({0, 0, 0, 1}, {2, 2})).item<bool>());
  EXPECT_EQ(all(a).dtype(), kBool);
  EXPECT_EQ(all(tensor(std::vector<uint8_t>{1, 2})).dtype(), kUInt8);  // as in torch
  EXPECT_EQ(all(a, 0, true).sizes(), (Shape{1, 3}));
  EXPECT_TRUE(all(zeros({0})).item<bool>());
  EXPECT_FALSE(any(zeros({0})).item<bool>());
  EXPECT_TRUE(any(tensor({0.f, NAN})).item<bool>());
}

TEST(Softmax, MatchesPyTorch) {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor x = x34(dt);
    EXPECT_TENSOR_CLOSE(softmax(x, 1),
                        f64({0.05308102189, 0.00969702814, 0.6466592286, 0.2905627213, 0.4186852445, 0.4186852445,
                             0.06920820542, 0.09342130565, 0.002098119685, 0.03121945804, 0.03121945804, 0.9354629642},
                            {3, 4}),
                        1e-6);
    EXPECT_TENSOR_CLOSE(softmax(x, 0),
                        f64({0.2631324937, 0.04431518951, 0.8793976392, 0.1282594313, 0.715268276, 0.6593981312,
                             0.03243497034, 0.01421155007, 0.02159923038, 0.2962866793, 0.08816739048, 0.8575290187},
                            {3, 4}),
                        1e-6);
    EXPECT_TENSOR_CLOSE(log_softmax(x, -1),
                        f64({-2.935935818, -4.635935818, -0.4359358178, -1.235935818, -0.8706358479, -0.8706358479,
                             -2.670635848, -2.370635848, -6.166713723, -3.466713723, -3.466713723, -0.06671372333},
                            {3, 4}),
                        1e-5);
    // (N,C,L) along C and L: y = sin(arange(24) * 0.37 - 4).reshape(2,3,4) * 3
    Tensor y = tensor({2.270407486, 1.407660124, 0.3543925677, -0.74684036, -1.746991949, -2.510696372, -2.93458982,
                       -2.961300303, -2.587212682, -1.862957961, -0.88656062, 0.209828542, 1.277818395, 2.172861523,
                       2.773818037, 2.999351293, 2.818936421, 2.256991729, 1.389573795, 0.3340835661, -0.7666233061,
                       -1.76357131, -2.521828211, -2.938767493},
                      {2, 3, 4})
                   .to(dt);
    EXPECT_TENSOR_CLOSE(
        softmax(y, 1),
        f64({0.9748786786, 0.9453076442, 0.7539202209, 0.2693803243, 0.01754753697, 0.01878678933, 0.028115026,
             0.02941969309, 0.007573784401, 0.03590556649, 0.2179647531, 0.7011999826, 0.1724357708, 0.4745435316,
             0.7964786539, 0.9326464135, 0.8052419974, 0.5161944636, 0.1995283012, 0.06489421123, 0.02232223179,
             0.009262004766, 0.003993044934, 0.002459375277},
            {2, 3, 4}),
        1e-6);
    EXPECT_TENSOR_CLOSE(
        log_softmax(y.transpose(0, 2).contiguous().transpose(0, 2), -1),  // a strided input
        f64({-0.481270654, -1.344018016, -2.397285572, -3.4985185, -0.7264878621, -1.490192286, -1.914085734,
             -1.940796217, -3.216343559, -2.492088838, -1.515691497, -0.4193023348, -2.603010627, -1.707967499,
             -1.107010984, -0.8814777292, -0.638109323, -1.200054015, -2.067471949, -3.122962178, -0.5042895905,
             -1.501237595, -2.259494495, -2.676433778},
            {2, 3, 4}),
        1e-5);
  }
  // large logits stay finite; a 0-d input is its own row
  EXPECT_TENSOR_CLOSE(softmax(tensor({1000.f, 1000.f}), 0), tensor({0.5f, 0.5f}));
  EXPECT_EQ(softmax(scalar_tensor(3.0), 0).item<double>(), 1.0);
}

TEST(Softmax, NanInfAndLongRowsMatchPyTorch) {
  const float inf = INFINITY, nan = NAN;
  // torch: x.softmax(1) / x.log_softmax(1) for these rows (short and padded past 32 values)
  for (int64_t pad : {0, 40}) {
    for (DType dt : {kFloat32, kFloat64}) {
      SCOPED_TRACE(std::to_string(pad) + " " + dtype_name(dt));
      Tensor x = tensor({-inf, -inf, 1.f, nan, inf, 1.f, 0.f, -inf}, {4, 2}).to(dt);
      if (pad) x = cat({x, full({4, pad}, -inf, dt)}, 1);  // -inf logits add nothing
      Tensor s = softmax(x, 1).slice(1, 0, 2), l = log_softmax(x, 1).slice(1, 0, 2);
      for (int64_t r = 0; r < 3; ++r) {  // NaN rows: all -inf, a NaN, a +inf
        EXPECT_TRUE(std::isnan(s[r][0].item<double>()) && std::isnan(s[r][1].item<double>()));
        EXPECT_TRUE(std::isnan(l[r][0].item<double>()) && std::isnan(l[r][1].item<double>()));
      }
      EXPECT_EQ(s[3][0].item<double>(), 1.0);
      EXPECT_EQ(s[3][1].item<double>(), 0.0);
      EXPECT_EQ(l[3][0].item<double>(), 0.0);
      EXPECT_EQ(l[3][1].item<double>(), -kInf);
    }
  }
  // a long float32 row (the vectorised path) against the float64 computation
  manual_seed(3);
  Tensor big = randn({3, 1000}, kFloat64) * 10;
  EXPECT_TENSOR_CLOSE(softmax(big.to(kFloat32), 1), softmax(big, 1), 1e-7, 1e-5);
  EXPECT_TENSOR_CLOSE(log_softmax(big.to(kFloat32), 1), log_softmax(big, 1), 1e-4, 1e-5);
}

TEST(Reductions, Errors) {
  EXPECT_ERROR_HAS(mean(tensor({1, 2})), "mean", "floating", "int64");
  EXPECT_ERROR_HAS(var(tensor({1, 2})), "var", "floating");
  EXPECT_ERROR_HAS(norm(tensor({1, 2})), "norm", "floating");
  EXPECT_ERROR_HAS(softmax(tensor({1, 2}), 0), "softmax", "floating", "int64");
  EXPECT_ERROR_HAS(max(zeros({0})), "max", "numel() == 0");
  EXPECT_ERROR_HAS(min(zeros({2, 0}), 1), "min", "dim 1", "non-zero size");
  EXPECT_ERROR_HAS(argmax(zeros({0})), "argmax", "numel() == 0");
  EXPECT_ERROR_HAS(mean(ones({2, 3}), {0, -2}), "mean", "multiple times");
  EXPECT_ERROR_HAS(sum(ones({2, 3}), {2}), "sum", "2");
  EXPECT_ERROR_HAS(max(ones({2, 3}), 3), "max", "3");
  EXPECT_ERROR_HAS(softmax(ones({2, 3}), -3), "softmax", "-3");
  EXPECT_ERROR_HAS(all(ones({2}), 1), "all", "1");
}

TEST(Reductions, GradFnNames) {
  Tensor x = ones({2, 3}, requires_grad());
  EXPECT_EQ(x.mean().grad_fn()->name(), "MeanBackward0");
  EXPECT_EQ(x.mean({1}).grad_fn()->name(), "MeanBackward1");
  EXPECT_EQ(x.max().grad_fn()->name(), "MaxBackward1");
  EXPECT_EQ(std::get<0>(x.max(1)).grad_fn()->name(), "MaxBackward0");
  EXPECT_FALSE(std::get<1>(x.max(1)).requires_grad());
  EXPECT_FALSE(x.argmax().requires_grad());
  EXPECT_EQ(x.var().grad_fn()->name(), "VarBackward0");
  EXPECT_EQ(x.std().grad_fn()->name(), "StdBackward0");
  EXPECT_EQ(x.norm().grad_fn()->name(), "NormBackward1");
  EXPECT_EQ(logsumexp(x, {1}).grad_fn()->name(), "LogsumexpBackward0");
  EXPECT_EQ(x.softmax(1).grad_fn()->name(), "SoftmaxBackward0");
  EXPECT_EQ(x.log_softmax(1).grad_fn()->name(), "LogSoftmaxBackward0");
}

// ---- gradients ---------------------------------------------------------------------------

TEST(ReductionGrad, Mean) {
  check_layouts([](const Tensor& x) { return x.mean(); });
  check_layouts([](const Tensor& x) { return x.mean({1}); });
  check_layouts([](const Tensor& x) { return x.mean({0}, true); });
}

TEST(ReductionGrad, VarStd) {
  check_layouts([](const Tensor& x) { return x.var(); });
  check_layouts([](const Tensor& x) { return x.var({1}, false); });
  check_layouts([](const Tensor& x) { return x.std({1}, true, true); });  // (along dim 0 the broadcast rows agree: std 0)
  check_layouts([](const Tensor& x) { return x.std(); });
}

TEST(ReductionGrad, MaxMinRouteToTheIndex) {
  check_layouts([](const Tensor& x) { return std::get<0>(x.max(1)); });
  check_layouts([](const Tensor& x) { return std::get<0>(x.min(0, true)); });
  check_layouts([](const Tensor& x) { return x.max(); });
  check_layouts([](const Tensor& x) { return x.min(); });
  // ties: over a dim the first index takes it all; over everything it is shared evenly (torch)
  Tensor t = tensor({1.0, 3.0, 3.0}).requires_grad_();
  std::get<0>(t.max(0)).backward();
  EXPECT_TENSOR_CLOSE(t.grad(), tensor({0.0, 1.0, 0.0}));
  Tensor u = tensor({1.0, 3.0, 3.0}).requires_grad_();
  u.max().backward();
  EXPECT_TENSOR_CLOSE(u.grad(), tensor({0.0, 0.5, 0.5}));
}

TEST(ReductionGrad, Norm) {
  for (double p : {2.0, 1.0, 3.0, 1.5, 0.5, kInf, -kInf}) {
    SCOPED_TRACE(p);
    check_layouts([p](const Tensor& x) { return norm(x, p); }, p != 1.0 && !std::isinf(p));
    check_layouts([p](const Tensor& x) { return norm(x, p, {1}, true); }, false);
  }
  // torch: x.norm(inf) for x = [1,3,3,-3] shares the gradient among the three tied |x|
  Tensor a = tensor({1.0, 3.0, 3.0, -3.0}).requires_grad_();
  norm(a, kInf).backward();
  EXPECT_TENSOR_CLOSE(a.grad(), tensor({0.0, 1.0 / 3, 1.0 / 3, -1.0 / 3}));
  // a zero row gets a zero gradient, not NaN (torch)
  Tensor b = tensor({1.0, 3.0, 3.0, 0.0, 0.0, 0.0}, {2, 3}).requires_grad_();
  norm(b, 2, {1}).sum().backward();
  EXPECT_TENSOR_CLOSE(b.grad(), tensor({0.2294157296, 0.6882472038, 0.6882472038, 0.0, 0.0, 0.0}, {2, 3}));
  Tensor z = zeros({3}, kFloat64).requires_grad_();
  norm(z, 0).backward();
  EXPECT_TENSOR_CLOSE(z.grad(), zeros({3}));
}

TEST(ReductionGrad, LogsumexpSoftmax) {
  check_layouts([](const Tensor& x) { return logsumexp(x, {1}); });
  check_layouts([](const Tensor& x) { return logsumexp(x, {0, 1}, true); });
  check_layouts([](const Tensor& x) { return softmax(x, 1); });
  check_layouts([](const Tensor& x) { return softmax(x, 0); });
  check_layouts([](const Tensor& x) { return log_softmax(x, -1); });
  check_layouts([](const Tensor& x) { return log_softmax(x, 0); });
  // (N,C,L) along C
  Tensor y = randn_leaf({2, 3, 4}, 9);
  EXPECT_TRUE(gradgradcheck([](const TensorList& t) { return softmax(t[0], 1); }, {y}));
  EXPECT_TRUE(gradgradcheck([](const TensorList& t) { return log_softmax(t[0].transpose(1, 2), 2); }, {y}));
}

// WGAN-GP style: penalise (||d D(x) / dx||_2 - 1)^2 where D uses reductions, and train on it.
TEST(ReductionGrad, GradientPenaltyMatchesFiniteDifferences) {
  Tensor x = randn_leaf({4, 5}, 21);
  Tensor w = randn_leaf({5}, 22);
  auto penalty = [&]() -> Tensor {
    Tensor d = logsumexp(x * w, {1}).mean() + (x * w).std() + softmax(x * w, 1).max();
    Tensor gx = autograd::grad({d}, {x}, {}, std::nullopt, true)[0];
    return (gx.norm(2, {1}) - 1).pow(2).mean();
  };
  Tensor gw = autograd::grad(TensorList{penalty()}, {w})[0];
  Tensor num = zeros({5}, kFloat64);
  double* pw = w.data_ptr<double>();
  for (int64_t i = 0; i < 5; ++i) {
    const double orig = pw[i], eps = 1e-6;
    pw[i] = orig + eps;
    const double fp = penalty().item<double>();
    pw[i] = orig - eps;
    const double fm = penalty().item<double>();
    pw[i] = orig;
    num.data_ptr<double>()[i] = (fp - fm) / (2 * eps);
  }
  EXPECT_TENSOR_CLOSE(gw, num, 1e-6, 1e-4);
}

// Autograd behaviour: requires_grad rules, backward/grad options, create_graph, grad modes,
// detach, retain_grad, hooks, in-place checks, graph structure, custom Functions, DOT output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;
using autograd::AutogradContext;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {

// EXPECT that `f` throws an ember::Error whose message contains every string in `parts`.
template <class F>
void expect_error(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "expected an ember::Error";
  } catch (const Error& e) {
    std::string msg = e.what();
    for (const char* p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "missing '" << p << "' in: " << msg;
  }
}

Tensor leaf64(const Shape& shape, uint64_t seed) {
  manual_seed(seed);
  return randn(shape, kFloat64).requires_grad_();
}

// Central finite differences of a scalar function of one float64 tensor.
Tensor numeric_grad(const std::function<double(const Tensor&)>& f, const Tensor& x, double eps = 1e-6) {
  Tensor xc = x.detach().clone();
  Tensor g = zeros(x.sizes(), kFloat64);
  double* p = xc.data_ptr<double>();
  double* pg = g.data_ptr<double>();
  for (int64_t i = 0; i < xc.numel(); ++i) {
    double o = p[i];
    p[i] = o + eps;
    double fp = f(xc);
    p[i] = o - eps;
    double fm = f(xc);
    p[i] = o;
    pg[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

}  // namespace

// ---- requires_grad ---------------------------------------------------------------------

TEST(Autograd, RequiresGradRules) {
  Tensor i = tensor({1, 2, 3});
  expect_error([&] { i.requires_grad_(); }, {"requires_grad_", "floating point"});
  EXPECT_THROW(zeros({2}, TensorOptions(kInt64).requires_grad()), Error);
  EXPECT_FALSE(i.requires_grad());

  Tensor a = tensor({1.f, 2.f});
  Tensor b = tensor({3.f, 4.f}).requires_grad_();
  EXPECT_FALSE(a.requires_grad());
  EXPECT_TRUE(b.requires_grad());
  EXPECT_TRUE(b.is_leaf());
  Tensor c = a * 2;
  EXPECT_FALSE(c.requires_grad());
  EXPECT_EQ(c.grad_fn(), nullptr);
  EXPECT_TRUE(c.is_leaf());  // a tensor without history is a leaf
  Tensor d = a * b;
  EXPECT_TRUE(d.requires_grad());
  EXPECT_FALSE(d.is_leaf());
  // A non-leaf cannot be switched off (use detach()), switching it on is a no-op.
  expect_error([&] { d.requires_grad_(false); }, {"leaf"});
  d.requires_grad_(true);
  EXPECT_TRUE(d.requires_grad());
  b.requires_grad_(false);
  EXPECT_FALSE((a * b).requires_grad());
  // Backward of something that does not require grad
  expect_error([&] { c.sum().backward(); }, {"does not require grad"});
}

TEST(Autograd, GradAccumulatesAndCanBeZeroedOrReset) {
  Tensor x = tensor({1.0, 2.0, 3.0}, {}, kFloat64).requires_grad_();
  EXPECT_FALSE(x.grad().defined());
  (x * x).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({2.0, 4.0, 6.0}));
  (x * 3).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({5.0, 7.0, 9.0}));
  x.mutable_grad().zero_();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({0.0, 0.0, 0.0}));
  (x * 3).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({3.0, 3.0, 3.0}));
  x.set_grad(Tensor());  // optimizer.zero_grad(set_to_none=True)
  EXPECT_FALSE(x.grad().defined());
  (x * 4).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({4.0, 4.0, 4.0}));
  // .grad of a leaf never requires grad after a plain backward
  EXPECT_FALSE(x.grad().requires_grad());
  EXPECT_THROW(x.set_grad(zeros({2}, kFloat64)), Error);
}

TEST(Autograd, NonScalarBackwardNeedsAGradient) {
  Tensor x = tensor({1.f, 2.f, 3.f}).requires_grad_();
  Tensor y = x * x;
  expect_error([&] { y.backward(); }, {"implicitly created only for scalar outputs", "(3)"});
  y.backward(tensor({1.f, 10.f, 100.f}));
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({2.f, 40.f, 600.f}));
  // The grad is converted to the output's dtype.
  Tensor x2 = tensor({1.f, 2.f}).requires_grad_();
  (x2 * 2).backward(tensor({1.0, 1.0}, {}, kFloat64));
  EXPECT_EQ(x2.grad().dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(x2.grad(), tensor({2.f, 2.f}));
}

TEST(Autograd, GradientShapeMismatchIsAnError) {
  Tensor x = ones({2, 3}).requires_grad_();
  Tensor y = x * 2;
  expect_error([&] { y.backward(ones({3, 2})); }, {"Mismatch in shape", "(3,2)", "(2,3)"});
  expect_error([&] { autograd::backward({y, y}, {ones({2, 3})}); }, {"got 1 gradients for 2 tensors"});
}

TEST(Autograd, BackwardWithSeveralRoots) {
  Tensor x = tensor({1.0, 2.0}, {}, kFloat64).requires_grad_();
  Tensor y1 = x * 3;
  Tensor y2 = (x * x).sum();
  autograd::backward({y1, y2}, {tensor({1.0, 2.0}, {}, kFloat64), Tensor()});
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({3.0 + 2.0, 6.0 + 4.0}));
}

TEST(Autograd, RetainGraph) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  expect_error([&] { y.backward(); }, {"second time", "retain_graph", "MulBackward0"});

  Tensor z = (x * x).sum();
  x.set_grad(Tensor());
  z.backward(Tensor(), /*retain_graph=*/true);
  z.backward(Tensor(), /*retain_graph=*/true);
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({4.f, 8.f}));
  z.backward();  // the last one may free the graph
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({6.f, 12.f}));
  EXPECT_THROW(z.backward(), Error);
  // autograd::grad frees the graph too, unless retain_graph
  Tensor w = (x * x).sum();
  autograd::grad({w}, {x}, {}, true);
  autograd::grad({w}, {x});
  EXPECT_THROW(autograd::grad({w}, {x}), Error);
}

// ---- create_graph ----------------------------------------------------------------------

namespace {
// L = sum(w * x^3); penalty = sum((dL/dx)^2), computed without create_graph (for finite differences).
double penalty_value(const Tensor& x, const Tensor& w) {
  Tensor xl = x.detach().clone().requires_grad_();
  Tensor L = (w.detach() * xl * xl * xl).sum();
  Tensor g = autograd::grad({L}, {xl})[0];
  return (g * g).sum().item<double>();
}
}  // namespace

TEST(Autograd, GradientPenaltyMatchesFiniteDifferences) {
  Tensor x = leaf64({3, 4}, 1);
  Tensor w = leaf64({3, 4}, 2);
  Tensor L = (w * x * x * x).sum();
  Tensor g = autograd::grad({L}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  EXPECT_TRUE(g.requires_grad());
  EXPECT_TENSOR_CLOSE(g, 3 * w.detach() * x.detach() * x.detach(), 1e-10, 1e-10);
  Tensor penalty = (g * g).sum();
  penalty.backward();
  // closed form: d/dx = 36 w^2 x^3, d/dw = 18 w x^4
  Tensor xd = x.detach(), wd = w.detach();
  EXPECT_TENSOR_CLOSE(x.grad(), 36 * wd * wd * xd * xd * xd, 1e-9, 1e-9);
  EXPECT_TENSOR_CLOSE(w.grad(), 18 * wd * xd * xd * xd * xd, 1e-9, 1e-9);
  // and a hand-written float64 finite difference of the penalty
  Tensor fd_x = numeric_grad([&](const Tensor& xp) { return penalty_value(xp, wd); }, xd);
  Tensor fd_w = numeric_grad([&](const Tensor& wp) { return penalty_value(xd, wp); }, wd);
  EXPECT_TENSOR_CLOSE(x.grad(), fd_x, 1e-5, 1e-5);
  EXPECT_TENSOR_CLOSE(w.grad(), fd_w, 1e-5, 1e-5);
}

TEST(Autograd, GradGradCheckOnViews) {
  Tensor x = leaf64({3, 4}, 3);
  Tensor w = leaf64({3, 4}, 4);
  auto cube = [](const Tensor& a, const Tensor& b) { return b * a * a * a / (a * a + 2.0) - a; };
  // contiguous
  EXPECT_TRUE(gradgradcheck([&](const TensorList& v) { return cube(v[0], v[1]); }, {x, w}));
  // transposed
  EXPECT_TRUE(gradgradcheck([&](const TensorList& v) { return cube(v[0].t(), v[1].t()); }, {x, w}));
  // broadcast: a row vector against a matrix
  Tensor r = leaf64({4}, 5);
  EXPECT_TRUE(gradgradcheck([&](const TensorList& v) { return cube(v[0], v[1].expand({3, 4})); }, {x, r}));
  EXPECT_TRUE(gradgradcheck([&](const TensorList& v) { return cube(v[1], v[0]); }, {x, r}));
  // sliced: offset and strided
  Tensor big = leaf64({5, 6}, 6);
  EXPECT_TRUE(gradgradcheck(
      [&](const TensorList& v) { return cube(v[0].slice(0, 1, 4).slice(1, 0, 6, 2), v[1].slice(1, 1, 4)); },
      {big, x}));
}

TEST(Autograd, DoubleBackwardThroughBackward) {
  // y = x^3 * w: d2y/dx2 = 6 x w, d2y/dxdw = 3 x^2
  Tensor x = tensor({1.5, -2.0}, {}, kFloat64).requires_grad_();
  Tensor w = tensor({2.0, 3.0}, {}, kFloat64).requires_grad_();
  Tensor y = (x * x * x * w).sum();
  auto g = autograd::grad({y}, {x}, {}, std::nullopt, true);
  auto gg = autograd::grad({g[0].sum()}, {x, w});
  EXPECT_TENSOR_CLOSE(gg[0], tensor({6 * 1.5 * 2.0, 6 * -2.0 * 3.0}), 1e-12, 1e-12);
  EXPECT_TENSOR_CLOSE(gg[1], tensor({3 * 1.5 * 1.5, 3 * 4.0}), 1e-12, 1e-12);
}

// ---- grad modes ------------------------------------------------------------------------

TEST(Autograd, NoGradAndEnableGradGuardsNest) {
  Tensor x = ones({2}).requires_grad_();
  EXPECT_TRUE(GradMode::is_enabled());
  {
    NoGradGuard a;
    EXPECT_FALSE(GradMode::is_enabled());
    Tensor y = x * 2;
    EXPECT_FALSE(y.requires_grad());
    {
      EnableGradGuard b;
      EXPECT_TRUE(GradMode::is_enabled());
      Tensor z = x * 2;
      EXPECT_TRUE(z.requires_grad());
      EXPECT_EQ(z.grad_fn()->name(), "MulBackward0");
      {
        NoGradGuard c;
        EXPECT_FALSE((x * 2).requires_grad());
        // in-place on a leaf is allowed without grad mode
        x.mul_(1.0f);
      }
      EXPECT_TRUE(GradMode::is_enabled());
    }
    EXPECT_FALSE(GradMode::is_enabled());
  }
  EXPECT_TRUE(GradMode::is_enabled());
  // a guard restores the state even when an exception leaves its scope
  try {
    NoGradGuard g;
    EMBER_THROW("boom");
  } catch (const Error&) {
  }
  EXPECT_TRUE(GradMode::is_enabled());
}

TEST(Autograd, GradModeIsThreadLocal) {
  NoGradGuard g;
  bool other = false;
  std::thread t([&] { other = GradMode::is_enabled(); });
  t.join();
  EXPECT_TRUE(other);
  EXPECT_FALSE(GradMode::is_enabled());
}

// ---- detach ----------------------------------------------------------------------------

TEST(Autograd, DetachSharesStorageWithoutHistory) {
  Tensor x = tensor({1.f, 2.f, 3.f}).requires_grad_();
  Tensor y = x * 2;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.raw_data(), y.raw_data());
  d.mul_(10.0f);  // d does not require grad: allowed, and y sees it
  EXPECT_TENSOR_CLOSE(y.detach(), tensor({20.f, 40.f, 60.f}));
  // the version counter is shared too: a saved tensor changed through a detached alias is caught
  Tensor z = y * y;
  y.detach().add_(1.0f);
  expect_error([&] { z.sum().backward(); }, {"modified by an inplace operation"});
}

TEST(Autograd, DetachInPlace) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor y = x * 2;
  ASSERT_NE(y.grad_fn(), nullptr);
  y.detach_();
  EXPECT_EQ(y.grad_fn(), nullptr);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_TRUE(y.is_leaf());
  Tensor z = (y * x).sum();
  z.backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({2.f, 4.f}));  // y is a constant now
}

// ---- retain_grad and hooks ---------------------------------------------------------------

TEST(Autograd, RetainGradOnNonLeaf) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor y = x * 3;
  Tensor u = x * 3;
  EXPECT_FALSE(y.retains_grad());
  y.retain_grad();
  EXPECT_TRUE(y.retains_grad());
  ((y * y).sum() + (u * u).sum()).backward(Tensor(), true);
  EXPECT_TENSOR_CLOSE(y.grad(), tensor({6.f, 12.f}));  // 2y
  EXPECT_FALSE(u.grad().defined());
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({36.f, 72.f}));
  // retained grads accumulate like a leaf's
  (y * 1.0f).sum().backward();
  EXPECT_TENSOR_CLOSE(y.grad(), tensor({7.f, 13.f}));
  Tensor i = tensor({1.f});
  EXPECT_THROW(i.retain_grad(), Error);
}

TEST(Autograd, HooksOnLeavesAndNonLeaves) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor seen;
  int h = x.register_hook([&](const Tensor& g) {
    seen = g.detach().clone();
    return g * 2;
  });
  (x * 3).sum().backward();
  EXPECT_TENSOR_CLOSE(seen, tensor({3.f, 3.f}));
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({6.f, 6.f}));
  x.remove_hook(h);
  x.set_grad(Tensor());
  (x * 3).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({3.f, 3.f}));

  // non-leaf: the hook changes what flows further down
  x.set_grad(Tensor());
  Tensor y = x * 3;
  int hy = y.register_hook([](const Tensor& g) { return g * 10; });
  int observed = 0;
  y.register_hook([&](const Tensor&) {
    ++observed;
    return Tensor();  // undefined: keep the gradient
  });
  (y * y).sum().backward(Tensor(), true);
  EXPECT_EQ(observed, 1);
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({180.f, 360.f}));  // 3 * 10 * 2y
  y.remove_hook(hy);
  x.set_grad(Tensor());
  (y * y).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({18.f, 36.f}));
  Tensor c = tensor({1.f});
  EXPECT_THROW(c.register_hook([](const Tensor& g) { return g; }), Error);
}

// ---- autograd::grad --------------------------------------------------------------------

TEST(Autograd, GradWithSeveralInputsAndAllowUnused) {
  Tensor a = tensor({1.0, 2.0}, {}, kFloat64).requires_grad_();
  Tensor b = tensor({3.0, 4.0}, {}, kFloat64).requires_grad_();
  Tensor c = tensor({5.0, 6.0}, {}, kFloat64).requires_grad_();
  Tensor L = (a * b + b).sum();
  auto g = autograd::grad({L}, {a, b}, {}, true);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_TENSOR_CLOSE(g[0], tensor({3.0, 4.0}));
  EXPECT_TENSOR_CLOSE(g[1], tensor({2.0, 3.0}));
  EXPECT_FALSE(g[0].requires_grad());  // no create_graph: plain tensors
  // .grad is untouched
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
  // an unused input is an error unless allow_unused
  expect_error([&] { autograd::grad({L}, {a, c}, {}, true); }, {"allow_unused", "input 1"});
  auto u = autograd::grad({L}, {c, a}, {}, true, false, /*allow_unused=*/true);
  EXPECT_FALSE(u[0].defined());
  EXPECT_TENSOR_CLOSE(u[1], tensor({3.0, 4.0}));
  // gradient with respect to an intermediate
  Tensor m = a * b;
  Tensor L2 = (m * m).sum();
  auto gm = autograd::grad({L2}, {m});
  EXPECT_TENSOR_CLOSE(gm[0], 2 * m.detach());
  EXPECT_FALSE(a.grad().defined());
  // an explicit grad_output for a non-scalar output
  Tensor v = a * b;
  auto gv = autograd::grad({v}, {a}, {tensor({1.0, -1.0}, {}, kFloat64)});
  EXPECT_TENSOR_CLOSE(gv[0], tensor({3.0, -4.0}));
  Tensor nr = tensor({1.0});
  EXPECT_THROW(autograd::grad({(a * a).sum()}, {nr}), Error);
}

// ---- in-place ------------------------------------------------------------------------------

TEST(Autograd, InplaceVersionErrorNamesOpAndVersions) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor y = x * 2;
  Tensor z = y * y;  // saves y at version 0
  y.add_(1);
  y.mul_(2);
  EXPECT_EQ(y._version(), 2u);
  expect_error([&] { z.sum().backward(); },
               {"modified by an inplace operation", "MulBackward0", "is at version 2", "expected version 0",
                "(2)"});
}

TEST(Autograd, InplaceOnLeafRequiringGradIsAnError) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  expect_error([&] { x.add_(1); }, {"add_", "leaf Variable that requires grad"});
  expect_error([&] { x.mul_(tensor({2.f, 2.f})); }, {"mul_", "leaf"});
  expect_error([&] { x.zero_(); }, {"leaf"});
  EXPECT_TENSOR_CLOSE(x.detach(), tensor({1.f, 2.f}));  // untouched
  {
    NoGradGuard g;
    x.mul_(2);
  }
  EXPECT_TENSOR_CLOSE(x.detach(), tensor({2.f, 4.f}));
}

TEST(Autograd, InplaceOnNonLeafHasTheRightGradient) {
  Tensor x = leaf64({2, 3}, 7);
  auto fn = [](const TensorList& v) {
    Tensor y = v[0] * 2;
    y.add_(1);
    y.mul_(3);
    y.sub_(v[0]);   // y = 5x + 3
    y.div_(v[0] * v[0] + 1.0);
    return y * v[0];
  };
  EXPECT_TRUE(gradcheck(fn, {x}));
  Tensor out = fn({x});
  EXPECT_EQ(out.grad_fn()->name(), "MulBackward0");
  // the in-place history: y.grad_fn is the last in-place op
  Tensor y = x * 2;
  y.add_(1);
  EXPECT_EQ(y.grad_fn()->name(), "AddBackward0");
  y.mul_(3);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");
  y.sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), full({2, 3}, 6.0, kFloat64));
  // closed form of fn: L = sum((5x+3) x / (x^2+1)) -> dL/dx = ((10x+3)(x^2+1) - (5x+3)x*2x) / (x^2+1)^2
  x.set_grad(Tensor());
  fn({x}).sum().backward();
  Tensor xd = x.detach();
  Tensor q = xd * xd + 1.0;
  EXPECT_TENSOR_CLOSE(x.grad(), ((10 * xd + 3) * q - (5 * xd + 3) * xd * 2 * xd) / (q * q), 1e-10, 1e-10);
}

// In-place ops on views rewrite the base's history (PyTorch's CopySlices); the expected
// numbers come from PyTorch 1.13 running the same lines.
TEST(Autograd, InplaceOnAViewRebasesTheBaseHistory) {
  // y = x*x; y.t()[1] *= w (column 1 of y); loss = sum(y * [[0,1,2],[3,4,5]])
  Tensor x = arange(6.0, TensorOptions(kFloat64)).reshape({2, 3}).requires_grad_();
  Tensor w = tensor({0.5, -1.0}).requires_grad_();
  Tensor y = x * x;
  Tensor col = y.t().select(0, 1);
  col.mul_(w);
  EXPECT_EQ(y.grad_fn()->name(), "CopySlices");
  EXPECT_EQ(col.grad_fn()->name(), "AsStridedBackward0");
  (y * arange(6.0, TensorOptions(kFloat64)).reshape({2, 3})).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({0.0, 1.0, 8.0, 18.0, -32.0, 50.0}, {2, 3}));
  EXPECT_TENSOR_CLOSE(w.grad(), tensor({1.0, 64.0}));

  // The same through finite differences, with narrow, select and a strided slice.
  auto fn = [](const TensorList& v) {
    Tensor y = v[0] * 2;
    y.narrow(1, 0, 2).mul_(v[0].narrow(1, 1, 2));
    y.select(0, 1).add_(v[0].select(0, 0).exp());
    y.slice(1, 0, 3, 2).div_(v[0].slice(1, 1, 3, 1) * v[0].slice(1, 1, 3, 1) + 1.0);
    return y * v[0];
  };
  EXPECT_TRUE(gradcheck(fn, {leaf64({3, 3}, 11)}));
  EXPECT_TRUE(gradgradcheck(fn, {leaf64({3, 3}, 12)}));  // CopySlices and AsStrided differentiate again
  // a view made before an in-place write elsewhere (its history is rebuilt from the base)
  auto stale = [](const TensorList& v) {
    Tensor y = v[0] * v[0];
    Tensor row = y.select(0, 0);
    y.narrow(0, 1, 2).mul_(v[0].narrow(0, 0, 2));
    return row * y.select(0, 2);
  };
  EXPECT_TRUE(gradcheck(stale, {leaf64({3, 2}, 13)}));
  EXPECT_TRUE(gradgradcheck(stale, {leaf64({3, 2}, 14)}));
}

TEST(Autograd, FillingABufferThroughViews) {
  Tensor a = tensor({1.f, 2.f}).requires_grad_(), b = tensor({3.f, 4.f}).requires_grad_();
  Tensor y = zeros({4});
  y.narrow(0, 0, 2).copy_(a * 2);
  y.narrow(0, 2, 2).copy_(b * b);
  EXPECT_TRUE(y.requires_grad());
  (y * tensor({1.f, 2.f, 3.f, 4.f})).sum().backward();
  EXPECT_TENSOR_CLOSE(a.grad(), tensor({2.f, 4.f}));
  EXPECT_TENSOR_CLOSE(b.grad(), tensor({18.f, 32.f}));

  // A view made before the base was written through another view reads the new history.
  Tensor x = tensor({1.f, 2.f, 3.f}).requires_grad_();
  Tensor z = x * 1;
  Tensor front = z.narrow(0, 0, 2);
  z.mul_(3);
  EXPECT_EQ(front.grad_fn()->name(), "AsStridedBackward0");
  (front * front).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({18.f, 36.f, 0.f}));

  // ... and one that is written itself (PyTorch 1.13 raises here; the result is well defined).
  Tensor c = tensor({5.f, 6.f}).requires_grad_();
  Tensor buf = zeros({4});
  Tensor lo = buf.narrow(0, 0, 2), hi = buf.narrow(0, 2, 2);
  lo.copy_(a * 3);
  hi.copy_(c * 2);
  buf.sum().backward();
  EXPECT_TENSOR_CLOSE(c.grad(), tensor({2.f, 2.f}));
}

TEST(Autograd, OverwritingGivesAZeroGradientAndNoNaN) {
  Tensor x = tensor({0.f, 1.f}).requires_grad_();
  Tensor y = x.log();  // -inf, 0
  y.fill_(1.0);
  EXPECT_TENSOR_CLOSE(y.detach(), tensor({1.f, 1.f}));
  EXPECT_EQ(y.grad_fn()->name(), "FillBackward2");
  y.sum().backward();
  // PyTorch: [nan, 0] (a zero gradient through log's 1/x at 0)
  EXPECT_TRUE(std::isnan(x.grad()[0].item<float>()));
  EXPECT_EQ(x.grad()[1].item<float>(), 0.f);

  Tensor x2 = tensor({0.f, 1.f}).requires_grad_();
  Tensor y2 = x2 * 2;
  y2.copy_(ones({2}));
  EXPECT_EQ(y2.grad_fn()->name(), "CopyBackwards");
  y2.sum().backward();
  EXPECT_TENSOR_CLOSE(x2.grad(), tensor({0.f, 0.f}));
}

TEST(Autograd, InplaceOnViewErrorsAsPyTorch) {
  Tensor x = ones({3}).requires_grad_();
  expect_error([&] { x.narrow(0, 0, 1).add_(1); },
               {"add_", "a view of a leaf Variable that requires grad is being used in an in-place operation"});
  expect_error([&] { x.narrow(0, 0, 1).fill_(2); }, {"fill_", "a view of a leaf Variable"});
  EXPECT_TENSOR_CLOSE(x.detach(), ones({3}));  // untouched
  Tensor y = (x * 1).reshape({1, 3});
  expect_error([&] { y.expand({2, 3}).add_(1); }, {"add_", "more than one element of the written-to tensor"});
  EXPECT_TENSOR_CLOSE(y.detach(), ones({1, 3}));
  {  // without autograd too, as PyTorch
    Tensor e = ones({1, 3}).expand({2, 3});
    expect_error([&] { e.add_(1); }, {"add_", "more than one element of the written-to tensor"});
    expect_error([&] { e.fill_(2); }, {"fill_", "more than one element"});
    expect_error([&] { e.copy_(zeros({2, 3})); }, {"copy_", "more than one element"});
    expect_error([&] { e.mul_(ones({2, 3})); }, {"mul_", "more than one element"});
    Tensor one = ones({1, 3}).expand({1, 3});  // a stride 0 over one element is fine
    one.add_(1);
    EXPECT_TENSOR_CLOSE(one, full({1, 3}, 2.0));
  }
  Tensor v;
  {
    NoGradGuard g;
    v = y.select(0, 0);
  }
  expect_error([&] { v.mul_(2); }, {"mul_", "created in no_grad mode"});
  expect_error([&] { v.mul_(tensor({2.f, 2.f, 2.f})); }, {"mul_", "created in no_grad mode"});
  {
    NoGradGuard g;  // both in no_grad: allowed, not tracked
    v.mul_(2);
  }
  EXPECT_TENSOR_CLOSE(y.detach(), full({1, 3}, 2.0));
}

TEST(Autograd, InplaceOnAViewOfADetachedTensorLeavesTheOriginal) {
  Tensor x = ones({3}).requires_grad_();
  Tensor y = x * 2;
  Tensor d = y.detach();
  d.narrow(0, 0, 1).copy_(x.narrow(0, 1, 1) * 5);
  EXPECT_EQ(y.grad_fn()->name(), "MulBackward0");
  EXPECT_EQ(d.grad_fn()->name(), "CopySlices");
  EXPECT_TENSOR_CLOSE(y.detach(), tensor({5.f, 2.f, 2.f}));
  d.sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({0.f, 5.f, 0.f}));
}

// ---- graph structure -------------------------------------------------------------------

TEST(Autograd, NodeNamesAndNextFunctions) {
  Tensor a = ones({2, 2}).requires_grad_();
  Tensor b = ones({2, 2}).requires_grad_();
  Tensor k = ones({2, 2});
  Tensor m = a * b;
  Tensor s = m + a;
  Tensor c = s * k;
  Tensor t = c.sum();
  EXPECT_EQ(m.grad_fn()->name(), "MulBackward0");
  EXPECT_EQ(s.grad_fn()->name(), "AddBackward0");
  EXPECT_EQ(t.grad_fn()->name(), "SumBackward0");
  EXPECT_EQ((a - b).grad_fn()->name(), "SubBackward0");
  EXPECT_EQ((a / b).grad_fn()->name(), "DivBackward0");
  EXPECT_EQ((-a).grad_fn()->name(), "NegBackward0");
  EXPECT_EQ(a.t().grad_fn()->name(), "TransposeBackward0");

  auto nf = t.grad_fn()->next_functions();
  ASSERT_EQ(nf.size(), 1u);
  EXPECT_EQ(nf[0].first.get(), c.grad_fn().get());
  // c = s * k: k needs no gradient -> a null edge, as torch's (None, 0)
  auto nc = c.grad_fn()->next_functions();
  ASSERT_EQ(nc.size(), 2u);
  EXPECT_EQ(nc[0].first.get(), s.grad_fn().get());
  EXPECT_EQ(nc[1].first, nullptr);
  auto ns = s.grad_fn()->next_functions();
  ASSERT_EQ(ns.size(), 2u);
  EXPECT_EQ(ns[0].first->name(), "MulBackward0");
  EXPECT_EQ(ns[1].first->name(), "AccumulateGrad");
  EXPECT_EQ(ns[1].second, 0u);
  auto nm = m.grad_fn()->next_functions();
  ASSERT_EQ(nm.size(), 2u);
  // one AccumulateGrad per leaf, shared by every use of it while the graph lives
  EXPECT_EQ(nm[0].first.get(), ns[1].first.get());
  EXPECT_NE(nm[0].first.get(), nm[1].first.get());
  EXPECT_EQ(nm[0].first->leaf(), a.impl());
  EXPECT_EQ(nm[1].first->leaf(), b.impl());
  EXPECT_TRUE(nm[0].first->next_functions().empty());
  // outputs of a multi-output op know their index
  EXPECT_EQ(m.output_nr(), 0u);
}

TEST(Autograd, DeepGraphWithCreateGraphBackwardAndDestruction) {
  // y_{i+1} = y_i + c x^2 (N steps): y = x + N c x^2, dy/dx = 1 + 2 N c x, d2y/dx2 = 2 N c.
  const int N = 20000;
  const double c = 1e-4;
  Tensor x = tensor({1.5}, {}, kFloat64).requires_grad_();
  {
    Tensor y = x;
    for (int i = 0; i < N; ++i) y = y + x * x * c;
    auto g = autograd::grad({y.sum()}, {x}, {}, std::nullopt, /*create_graph=*/true);
    EXPECT_NEAR(g[0].item<double>(), 1 + 2 * N * c * 1.5, 1e-9);
    ASSERT_TRUE(g[0].requires_grad());
    auto gg = autograd::grad({g[0].sum()}, {x});
    EXPECT_NEAR(gg[0].item<double>(), 2 * N * c, 1e-9);
    // the first-order graph is still alive (create_graph retains it) and is freed with g and y here
  }
  // a wide graph: many branches joined into one, with a create_graph backward into .grad
  Tensor w = tensor({0.5, 2.0}, {}, kFloat64).requires_grad_();
  {
    Tensor total = zeros({2}, kFloat64);
    for (int i = 0; i < 5000; ++i) total = total + w * w * (i % 7);
    total.sum().backward(Tensor(), std::nullopt, /*create_graph=*/true);
    ASSERT_TRUE(w.grad().requires_grad());
    double s = 0;
    for (int i = 0; i < 5000; ++i) s += i % 7;
    EXPECT_TENSOR_CLOSE(w.grad(), tensor({2 * 0.5 * s, 2 * 2.0 * s}), 1e-6, 1e-12);
  }
  w.set_grad(Tensor());  // drops the gradient's graph
}

// ---- custom Functions ------------------------------------------------------------------

namespace {

// y = x^3 (saves its input): backward in Tensor ops, so double backward works.
struct Cube : autograd::Function<Cube> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static TensorList backward(AutogradContext* ctx, const TensorList& g) {
    Tensor x = ctx->get_saved_variables()[0];
    return {g[0] * 3 * x * x};
  }
};

// y = x * k + b, k a double (saved_data): returns one gradient per argument.
struct ScaleShift : autograd::Function<ScaleShift> {
  static std::vector<bool> seen_needs;
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double k, const Tensor& b) {
    ctx->saved_data["k"] = k;
    seen_needs = {ctx->needs_input_grad(0), ctx->needs_input_grad(1), ctx->needs_input_grad(2)};
    return x * k + b;
  }
  static TensorList backward(AutogradContext* ctx, const TensorList& g) {
    double k = std::any_cast<double>(ctx->saved_data["k"]);
    Tensor gb = ctx->needs_input_grad(2) ? g[0] : Tensor();
    return {g[0] * k, Tensor(), gb};
  }
};
std::vector<bool> ScaleShift::seen_needs;

// Two outputs from a list of inputs: {a*b, a+b}; saves its output (no reference cycle).
struct ProdSum : autograd::Function<ProdSum> {
  static TensorList forward(AutogradContext* ctx, const TensorList& ab) {
    Tensor p = ab[0] * ab[1];
    ctx->save_for_backward({ab[0], ab[1], p});
    return {p, ab[0] + ab[1]};
  }
  static TensorList backward(AutogradContext* ctx, const TensorList& g) {
    auto s = ctx->get_saved_variables();
    EXPECT_EQ(s.size(), 3u);
    return {g[0] * s[1] + g[1], g[0] * s[0] + g[1]};
  }
};

// y = x^2 saved as output: backward uses the output (2y/x).
struct SquareSavesOutput : autograd::Function<SquareSavesOutput> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    Tensor y = x * x;
    ctx->save_for_backward({x, y});
    return y;
  }
  static TensorList backward(AutogradContext* ctx, const TensorList& g) {
    auto s = ctx->get_saved_variables();
    return {g[0] * 2 * s[1] / s[0]};
  }
};

struct Identity : autograd::Function<Identity> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x; }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0]}; }
};

// The second output is marked non-differentiable (like indices).
struct WithMask : autograd::Function<WithMask> {
  static TensorList forward(AutogradContext* ctx, const Tensor& x) {
    Tensor y = x * 2;
    Tensor mask = x.detach() * 0 + 1;
    ctx->mark_non_differentiable({mask});
    return {y, mask};
  }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0] * 2}; }
};

struct WrongCount : autograd::Function<WrongCount> {
  static Tensor forward(AutogradContext*, const Tensor& x, const Tensor& y) { return x * y; }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0]}; }
};

struct WrongShape : autograd::Function<WrongShape> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x.sum(); }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0]}; }  // () instead of x's shape
};

struct WrongShape2 : autograd::Function<WrongShape2> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x.sum(); }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0].expand({3, 3})}; }
};

struct WritesInput : autograd::Function<WritesInput> {
  static Tensor forward(AutogradContext*, Tensor x) { return x.mul_(2); }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0] * 2}; }
};

struct GradForScalar : autograd::Function<GradForScalar> {
  static Tensor forward(AutogradContext*, const Tensor& x, int) { return x * 1.0; }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0], g[0]}; }
};

}  // namespace

namespace user_ns {
template <class Tag>
struct Twice : autograd::Function<Twice<Tag>> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 2; }
  static TensorList backward(AutogradContext*, const TensorList& g) { return {g[0] * 2}; }
};
}  // namespace user_ns

TEST(AutogradFunction, NodeNameDropsNamespaces) {
  Tensor x = ones({2}).requires_grad_();
  EXPECT_EQ(user_ns::Twice<int>::apply(x).grad_fn()->name(), "Twice<int>Backward");
}

TEST(AutogradFunction, ValuesGradAndName) {
  Tensor x = tensor({1.0, -2.0, 0.5}, {}, kFloat64).requires_grad_();
  Tensor y = Cube::apply(x);
  EXPECT_TENSOR_CLOSE(y, tensor({1.0, -8.0, 0.125}));
  ASSERT_NE(y.grad_fn(), nullptr);
  EXPECT_EQ(y.grad_fn()->name(), "CubeBackward");
  ASSERT_EQ(y.grad_fn()->next_functions().size(), 1u);
  EXPECT_EQ(y.grad_fn()->next_functions()[0].first->name(), "AccumulateGrad");
  y.sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({3.0, 12.0, 0.75}));
  // forward runs without grad mode: no graph inside it
  EXPECT_TRUE(GradMode::is_enabled());
  // without any input requiring grad there is no node
  EXPECT_EQ(Cube::apply(x.detach()).grad_fn(), nullptr);
  NoGradGuard g;
  EXPECT_FALSE(Cube::apply(x).requires_grad());
}

TEST(AutogradFunction, GradcheckAndGradgradcheck) {
  Tensor x = leaf64({3, 4}, 11);
  Tensor b = leaf64({4}, 12);
  EXPECT_TRUE(gradcheck([](const TensorList& v) { return Cube::apply(v[0]); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& v) { return Cube::apply(v[0].t()); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& v) { return Cube::apply(v[0].slice(1, 1, 4, 2)) * 2.0; }, {x}));
  EXPECT_TRUE(gradgradcheck([](const TensorList& v) { return Cube::apply(v[0]); }, {x}));
  EXPECT_TRUE(gradgradcheck([](const TensorList& v) { return Cube::apply(v[0].t()) * v[1].unsqueeze(1); }, {x, b}));
  // ScaleShift returns g for b:(4) with the broadcast shape (3,4): summed back as in PyTorch
  EXPECT_TRUE(gradcheck([](const TensorList& v) { return ScaleShift::apply(v[0], 2.5, v[1]); }, {x, b}));
  EXPECT_TRUE(gradcheck(
      [](const TensorList& v) {
        auto o = ProdSum::apply(TensorList{v[0], v[1].expand({3, 4})});
        return o[0] + o[1] * 3.0;
      },
      {x, b}));
  EXPECT_TRUE(gradgradcheck(
      [](const TensorList& v) {
        auto o = ProdSum::apply(TensorList{v[0], v[1]});
        return o[0] * o[1];
      },
      {x, leaf64({3, 4}, 13)}));
  Tensor p = leaf64({5}, 14);
  EXPECT_TRUE(gradgradcheck([](const TensorList& v) { return SquareSavesOutput::apply(v[0] + 3.0); }, {p}));
}

TEST(AutogradFunction, DoubleBackward) {
  Tensor x = tensor({2.0, -1.0}, {}, kFloat64).requires_grad_();
  Tensor y = Cube::apply(x).sum();
  auto g = autograd::grad({y}, {x}, {}, std::nullopt, true);
  EXPECT_TENSOR_CLOSE(g[0], tensor({12.0, 3.0}));
  ASSERT_TRUE(g[0].requires_grad());
  auto gg = autograd::grad({g[0].sum()}, {x});
  EXPECT_TENSOR_CLOSE(gg[0], tensor({12.0, -6.0}));  // 6x
  // without create_graph the backward records nothing
  Tensor y2 = Cube::apply(x).sum();
  auto g2 = autograd::grad({y2}, {x});
  EXPECT_FALSE(g2[0].requires_grad());
}

TEST(AutogradFunction, NeedsInputGradAndNonTensorArguments) {
  Tensor x = ones({2}, kFloat64).requires_grad_();
  Tensor b = ones({2}, kFloat64);
  Tensor y = ScaleShift::apply(x, 3.0, b);
  EXPECT_EQ(ScaleShift::seen_needs, (std::vector<bool>{true, false, false}));
  EXPECT_EQ(y.grad_fn()->name(), "ScaleShiftBackward");
  // one edge per tensor argument
  EXPECT_EQ(y.grad_fn()->next_functions().size(), 2u);
  y.sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({3.0, 3.0}));
  Tensor b2 = ones({2}, kFloat64).requires_grad_();
  ScaleShift::apply(x.detach(), 3.0, b2).sum().backward();
  EXPECT_EQ(ScaleShift::seen_needs, (std::vector<bool>{false, false, true}));
  EXPECT_TENSOR_CLOSE(b2.grad(), tensor({1.0, 1.0}));
  AutogradContext ctx;
  EXPECT_THROW(ctx.needs_input_grad(0), Error);
}

TEST(AutogradFunction, ListInputsAndOutputs) {
  Tensor a = tensor({1.0, 2.0}, {}, kFloat64).requires_grad_();
  Tensor b = tensor({3.0, 5.0}, {}, kFloat64).requires_grad_();
  auto o = ProdSum::apply(TensorList{a, b});
  ASSERT_EQ(o.size(), 2u);
  EXPECT_TENSOR_CLOSE(o[0], tensor({3.0, 10.0}));
  EXPECT_TENSOR_CLOSE(o[1], tensor({4.0, 7.0}));
  EXPECT_EQ(o[0].grad_fn(), o[1].grad_fn());
  EXPECT_EQ(o[0].output_nr(), 0u);
  EXPECT_EQ(o[1].output_nr(), 1u);
  // only the first output used: the other's gradient arrives zero-filled
  o[0].sum().backward();
  EXPECT_TENSOR_CLOSE(a.grad(), tensor({3.0, 5.0}));
  EXPECT_TENSOR_CLOSE(b.grad(), tensor({1.0, 2.0}));
}

TEST(AutogradFunction, SavedOutputDoesNotLeakTheGraph) {
  Tensor x = tensor({1.0, 2.0}, {}, kFloat64).requires_grad_();
  Tensor y = SquareSavesOutput::apply(x);
  std::weak_ptr<autograd::Node> node = y.grad_fn();
  y.sum().backward(Tensor(), true);
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({2.0, 4.0}));
  y = Tensor();
  EXPECT_TRUE(node.expired());
}

TEST(AutogradFunction, ReturningAnInputMakesAnAlias) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor y = Identity::apply(x);
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE(y.is_same(x));
  EXPECT_EQ(y.raw_data(), x.raw_data());
  EXPECT_EQ(y.grad_fn()->name(), "IdentityBackward");
  (y * 3).sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({3.f, 3.f}));
}

TEST(AutogradFunction, NonDifferentiableOutputs) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  auto o = WithMask::apply(x);
  EXPECT_TRUE(o[0].requires_grad());
  EXPECT_FALSE(o[1].requires_grad());
  EXPECT_EQ(o[1].grad_fn(), nullptr);
  o[0].sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({2.f, 2.f}));
}

TEST(AutogradFunction, SavedTensorModifiedInPlaceIsAnError) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor h = x * 1.0f;
  Tensor y = Cube::apply(h);
  h.add_(1);
  expect_error([&] { y.sum().backward(); },
               {"modified by an inplace operation", "CubeBackward", "version 1", "expected version 0"});
  // the saved output, changed in place
  Tensor z = SquareSavesOutput::apply(x * 1.0f);
  z.mul_(2);
  expect_error([&] { z.sum().backward(); }, {"modified by an inplace operation", "SquareSavesOutputBackward"});
}

TEST(AutogradFunction, BackwardTwiceNeedsRetainGraph) {
  Tensor x = tensor({1.f, 2.f}).requires_grad_();
  Tensor y = Cube::apply(x).sum();
  y.backward();
  expect_error([&] { y.backward(); }, {"second time", "CubeBackward"});
}

TEST(AutogradFunction, BadBackwardResultsAreClearErrors) {
  Tensor x = ones({2, 3}).requires_grad_();
  Tensor y = ones({2, 3}).requires_grad_();
  expect_error([&] { WrongCount::apply(x, y).sum().backward(); },
               {"WrongCountBackward", "incorrect number of gradients", "expected 2, got 1"});
  expect_error([&] { WrongShape::apply(x).backward(); }, {"WrongShapeBackward", "shape ()", "(2,3)"});
  // a gradient of a shape the input broadcasts to is summed back (as in PyTorch); others are errors
  expect_error([&] { WrongShape2::apply(x).backward(); }, {"WrongShape2Backward", "shape (3,3)", "(2,3)"});
  expect_error([&] { GradForScalar::apply(x, 3).sum().backward(); },
               {"GradForScalarBackward", "position 1", "not a Tensor"});
  Tensor h = x * 1.0f;
  expect_error([&] { WritesInput::apply(h); }, {"WritesInputBackward", "in place"});
  Tensor plain = ones({2});
  EXPECT_TENSOR_CLOSE(WritesInput::apply(plain), tensor({2.f, 2.f}));  // no graph: allowed
}

// ---- DOT -------------------------------------------------------------------------------

TEST(AutogradGraphviz, DotContents) {
  Tensor w = ones({3, 4}).requires_grad_();
  Tensor b = ones({4}).requires_grad_();
  Tensor x = ones({3, 4}).requires_grad_();
  Tensor y = ((x * w + b) * x).sum();
  std::string dot = autograd::to_dot(y, {{"fc.weight", w}, {"fc.bias", b}});
  EXPECT_EQ(dot.rfind("digraph {", 0), 0u);
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  for (const char* s : {"SumBackward0", "MulBackward0", "AddBackward0", "AccumulateGrad", "lightblue",
                        "darkolivegreen1", "lightgrey", "fc.weight\\n (3, 4)", "fc.bias\\n (4)", "\"(3, 4)\"",
                        "\"()\""})
    EXPECT_NE(dot.find(s), std::string::npos) << s << " not in\n" << dot;
  auto count = [&](const std::string& s) {
    size_t n = 0;
    for (size_t p = dot.find(s); p != std::string::npos; p = dot.find(s, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("fillcolor=lightblue"), 3u);    // w, b, x: x is used twice but drawn once
  EXPECT_EQ(count("AccumulateGrad"), 3u);
  EXPECT_EQ(count("MulBackward0"), 2u);
  EXPECT_EQ(count("fillcolor=darkolivegreen1"), 1u);
  EXPECT_EQ(count("->"), 3u + 1u + 1u + 2u + 2u + 2u);  // leaf->acc, ->root, ->sum, ->mul, ->add, ->mul
  // quotes in names are escaped
  std::string q = autograd::to_dot(y, {{"a\"b", w}});
  EXPECT_NE(q.find("a\\\"b"), std::string::npos);
  // a leaf root: just the green node
  std::string leaf = autograd::to_dot(w);
  EXPECT_NE(leaf.find("darkolivegreen1"), std::string::npos);
  EXPECT_EQ(leaf.find("->"), std::string::npos);
  EXPECT_THROW(autograd::to_dot(Tensor()), Error);
}

TEST(AutogradGraphviz, DeepGraphAndFiles) {
  Tensor x = tensor({1.f}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 50000; ++i) y = y * 1.0f;
  std::string dot = autograd::to_dot(y);  // iterative: no stack overflow
  EXPECT_NE(dot.find("AccumulateGrad"), std::string::npos);

  auto dir = std::filesystem::temp_directory_path() / ("ember_dot_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Tensor w = ones({2, 2}).requires_grad_();
  Tensor z = (w * w + w).sum();
  std::string path = (dir / "g.dot").string();
  autograd::write_dot(z, path, {{"w", w}});
  std::ifstream f(path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, autograd::to_dot(z, {{"w", w}}));
  EXPECT_THROW(autograd::write_dot(z, (dir / "no/such/dir/g.dot").string()), Error);
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    std::filesystem::remove_all(dir);
    GTEST_SKIP() << "graphviz `dot` not installed";
  }
  std::string png = (dir / "g.png").string();
  int rc = std::system(("dot -Tpng '" + path + "' -o '" + png + "' 2>&1").c_str());
  EXPECT_EQ(rc, 0);
  EXPECT_GT(std::filesystem::file_size(png), 100u);
  std::filesystem::remove_all(dir);
}

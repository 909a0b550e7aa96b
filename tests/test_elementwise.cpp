// Elementwise math, activations, pow/minimum/maximum, where, comparisons and logic:
// values against torch 1.13, node names, gradients (float64 finite differences on contiguous,
// transposed, broadcast and sliced inputs), double backward, in-place forms and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {

using UFn = std::function<Tensor(const Tensor&)>;
using BFn = std::function<Tensor(const Tensor&, const Tensor&)>;

// A float64 leaf with values uniform in [lo, hi).
Tensor leaf(const Shape& s, double lo, double hi, uint64_t seed = 7) {
  manual_seed(seed);
  Tensor t = rand(s, kFloat64) * (hi - lo) + lo;
  return t.detach().requires_grad_();
}

// A layout of a (3,4) operand: the leaf shape it comes from and the view applied to it.
struct Layout4 {
  const char* name;
  Shape leaf;
  UFn view;
};
const std::vector<Layout4>& layouts() {
  static const std::vector<Layout4> ls = {
      {"contiguous", {3, 4}, [](const Tensor& x) { return x; }},
      {"transposed", {4, 3}, [](const Tensor& x) { return x.t(); }},
      {"broadcast", {4}, [](const Tensor& x) { return x.expand({3, 4}); }},
      {"sliced", {3, 9}, [](const Tensor& x) { return x.slice(1, 1, 9, 2); }},  // offset 1, stride 2
  };
  return ls;
}

// gradcheck (and gradgradcheck) of f on every layout; also checks that the strided forward
// equals the forward on a contiguous copy.
void check_unary(const UFn& f, double lo, double hi, bool second_order) {
  uint64_t seed = 11;
  for (const auto& l : layouts()) {
    SCOPED_TRACE(l.name);
    Tensor x = leaf(l.leaf, lo, hi, seed++);
    EXPECT_TENSOR_CLOSE(f(l.view(x)), f(l.view(x).contiguous()), 1e-12, 1e-12);
    auto fn = [&](const TensorList& in) { return f(l.view(in[0])); };
    EXPECT_TRUE(gradcheck(fn, {x}));
    if (second_order) EXPECT_TRUE(gradgradcheck(fn, {x}));
  }
}

// Both operands on each layout, plus natural broadcasting (3,1) op (4).
void check_binary(const BFn& f, double alo, double ahi, double blo, double bhi, bool second_order) {
  uint64_t seed = 21;
  for (const auto& l : layouts()) {
    SCOPED_TRACE(l.name);
    Tensor a = leaf(l.leaf, alo, ahi, seed++);
    Tensor b = leaf({3, 4}, blo, bhi, seed++);
    EXPECT_TENSOR_CLOSE(f(l.view(a), b), f(l.view(a).contiguous(), b), 1e-12, 1e-12);
    auto fa = [&](const TensorList& in) { return f(l.view(in[0]), in[1]); };
    auto fb = [&](const TensorList& in) { return f(in[1], l.view(in[0])); };
    EXPECT_TRUE(gradcheck(fa, {a, b}));
    EXPECT_TRUE(gradcheck(fb, {a, b}));
    if (second_order) {
      EXPECT_TRUE(gradgradcheck(fa, {a, b}));
      EXPECT_TRUE(gradgradcheck(fb, {a, b}));
    }
  }
  SCOPED_TRACE("implicit broadcast");
  Tensor a = leaf({3, 1}, alo, ahi, 31), b = leaf({4}, blo, bhi, 32);
  auto fn = [&](const TensorList& in) { return f(in[0], in[1]); };
  EXPECT_TRUE(gradcheck(fn, {a, b}));
  if (second_order) EXPECT_TRUE(gradgradcheck(fn, {a, b}));
}

std::string grad_fn_name(const Tensor& t) { return t.grad_fn() ? t.grad_fn()->name() : "<none>"; }

using ember::testing::error_of;

const Tensor& xs() {  // the inputs of the value tests
  static const Tensor x = tensor({-1.5f, -0.5f, 0.0f, 0.5f, 2.0f});
  return x;
}
const Tensor& ps() {  // positive inputs
  static const Tensor p = tensor({0.25f, 1.0f, 2.5f, 4.0f});
  return p;
}

}  // namespace

// ---- values (reference numbers from torch 1.13, float32) -------------------------------

TEST(Elementwise, UnaryValuesMatchTorch) {
  const Tensor &x = xs(), &p = ps();
  EXPECT_TENSOR_CLOSE(exp(x), tensor({0.22313016653060913f, 0.6065306663513184f, 1.0f, 1.6487212181091309f, 7.389056205749512f}));
  EXPECT_TENSOR_CLOSE(log(p), tensor({-1.3862943649291992f, 0.0f, 0.9162907600402832f, 1.3862943649291992f}));
  EXPECT_TENSOR_CLOSE(log1p(p), tensor({0.2231435477733612f, 0.6931471824645996f, 1.2527629137039185f, 1.6094379425048828f}));
  EXPECT_TENSOR_CLOSE(sqrt(p), tensor({0.5f, 1.0f, 1.5811388492584229f, 2.0f}));
  EXPECT_TENSOR_CLOSE(rsqrt(p), tensor({2.0f, 1.0f, 0.6324555277824402f, 0.5f}));
  EXPECT_TENSOR_CLOSE(abs(x), tensor({1.5f, 0.5f, 0.0f, 0.5f, 2.0f}));
  EXPECT_TENSOR_CLOSE(sign(x), tensor({-1.f, -1.f, 0.f, 1.f, 1.f}));
  EXPECT_TENSOR_CLOSE(square(x), tensor({2.25f, 0.25f, 0.f, 0.25f, 4.f}));
  EXPECT_EQ(exp(x).dtype(), kFloat32);
}

TEST(Elementwise, ActivationValuesMatchTorch) {
  const Tensor& x = xs();
  EXPECT_TENSOR_CLOSE(relu(x), tensor({0.f, 0.f, 0.f, 0.5f, 2.f}));
  EXPECT_TENSOR_CLOSE(sigmoid(x), tensor({0.18242552876472473f, 0.3775406777858734f, 0.5f, 0.622459352016449f, 0.8807970285415649f}));
  EXPECT_TENSOR_CLOSE(tanh(x), tensor({-0.9051482677459717f, -0.46211716532707214f, 0.0f, 0.46211716532707214f, 0.9640275835990906f}));
  EXPECT_TENSOR_CLOSE(gelu(x), tensor({-0.10021086037158966f, -0.1542687863111496f, 0.0f, 0.3457311987876892f, 1.9544999599456787f}));
  EXPECT_TENSOR_CLOSE(leaky_relu(x, 0.1), tensor({-0.15000000596046448f, -0.05000000074505806f, 0.0f, 0.5f, 2.0f}));
  EXPECT_TENSOR_CLOSE(elu(x, 0.7), tensor({-0.5438088774681091f, -0.27542853355407715f, 0.0f, 0.5f, 2.0f}));
  EXPECT_TENSOR_CLOSE(softplus(x, 2.0, 3.0), tensor({0.024293676018714905f, 0.15663084387779236f, 0.3465735912322998f, 0.65663081407547f, 2.0f}));
  EXPECT_TENSOR_CLOSE(softplus(x), tensor({0.20141328871250153f, 0.4740769863128662f, 0.6931471824645996f, 0.9740769863128662f, 2.1269280910491943f}));
  EXPECT_TENSOR_CLOSE(clamp(x, -0.5, 1.0), tensor({-0.5f, -0.5f, 0.0f, 0.5f, 1.0f}));
  EXPECT_TENSOR_CLOSE(clamp_min(x, 0.25), tensor({0.25f, 0.25f, 0.25f, 0.5f, 2.0f}));
  EXPECT_TENSOR_CLOSE(clamp_max(x, 0.25), tensor({-1.5f, -0.5f, 0.0f, 0.25f, 0.25f}));
  EXPECT_TENSOR_CLOSE(clamp(x, std::nullopt, 0.0), tensor({-1.5f, -0.5f, 0.0f, 0.0f, 0.0f}));
  // min > max: everything becomes max (torch.clamp(x, 2., 1.) -> all 1.)
  EXPECT_TENSOR_CLOSE(clamp(x, 2.0, 1.0), tensor({1.f, 1.f, 1.f, 1.f, 1.f}));
}

TEST(Elementwise, PowValuesMatchTorch) {
  const Tensor &x = xs(), &p = ps();
  EXPECT_TENSOR_CLOSE(pow(p, 2.5), tensor({0.03125f, 1.0f, 9.88211727142334f, 32.0f}));
  EXPECT_TENSOR_CLOSE(pow(p, x.slice(0, 0, 4)), tensor({8.0f, 1.0f, 1.0f, 2.0f}));
  EXPECT_TENSOR_CLOSE(pow(1.7, p), tensor({1.1418583393096924f, 1.7000000476837158f, 3.768099308013916f, 8.35210132598877f}));
  EXPECT_TENSOR_CLOSE(pow(2, x), tensor({0.35355339059f, 0.70710678118f, 1.f, 1.41421356237f, 4.f}));
  // fast paths agree with std::pow
  for (double e : {0.0, 0.5, -0.5, 1.0, 2.0, 3.0, -1.0, -2.0, 1.3}) {
    SCOPED_TRACE(e);
    Tensor want = empty({4});
    for (int i = 0; i < 4; ++i) want.data_ptr<float>()[i] = std::pow(p.data_ptr<float>()[i], static_cast<float>(e));
    EXPECT_TENSOR_CLOSE(pow(p, e), want);
  }
  // integers stay integers (torch: pow(int64, 3), pow(int64, int64), pow(3, int64))
  Tensor i = tensor({2, -3, 0, 5});
  Tensor c = pow(i, 3);
  EXPECT_EQ(c.dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(c, tensor({8, -27, 0, 125}));
  EXPECT_TENSOR_CLOSE(pow(i, tensor({0, 1, 2, 3})), tensor({1, -3, 0, 125}));
  EXPECT_TENSOR_CLOSE(pow(3, tensor({0, 1, 2, 4})), tensor({1, 3, 9, 81}));
  // torch.pow(tensor([2,1,-1,0]), tensor([-1,-2,-3,-1])) -> [0, 1, -1, 0]
  EXPECT_TENSOR_CLOSE(pow(tensor({2, 1, -1, 0}), tensor({-1, -2, -3, -1})), tensor({0, 1, -1, 0}));
  EXPECT_EQ(pow(i, 2.5).dtype(), kFloat32);
  EXPECT_EQ(pow(2.5, i).dtype(), kFloat32);
  EXPECT_EQ(pow(2, tensor({1, 2})).dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(p.pow(2), square(p));
  EXPECT_TENSOR_CLOSE(p.pow(tensor({2.f})), square(p));
}

TEST(Elementwise, IntegerInputs) {
  Tensor i = tensor({1, -2, 3});
  // float ops promote to float32 (torch.exp(int64) -> float32)
  EXPECT_EQ(exp(tensor({0, 1, 2})).dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(exp(tensor({0, 1, 2})), tensor({1.0f, 2.7182817459106445f, 7.389056205749512f}));
  EXPECT_TENSOR_CLOSE(sigmoid(i), tensor({0.7311f, 0.1192f, 0.9526f}), 1e-4);
  EXPECT_EQ(sqrt(tensor(std::vector<bool>{true, false})).dtype(), kFloat32);
  // abs, sign, relu, clamp keep integer dtypes
  EXPECT_EQ(abs(i).dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(abs(i), tensor({1, 2, 3}));
  EXPECT_TENSOR_CLOSE(sign(i), tensor({1, -1, 1}));
  EXPECT_TENSOR_CLOSE(relu(i), tensor({1, 0, 3}));
  EXPECT_EQ(relu(i).dtype(), kInt64);
  EXPECT_EQ(clamp(i, 0, 2).dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(clamp(i, 0, 2), tensor({1, 0, 2}));
  // torch.clamp(int64, min=1.5) -> float32 [1.5, 1.5, 3.]
  Tensor cf = clamp(i, 1.5);
  EXPECT_EQ(cf.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(cf, tensor({1.5f, 1.5f, 3.f}));
  // torch.abs(uint8 [1, 254]) -> [1, 254]; sign(bool) keeps bool
  Tensor u = tensor(std::vector<uint8_t>{1, 254});
  EXPECT_TENSOR_CLOSE(abs(u), u);
  Tensor sb = sign(tensor(std::vector<bool>{true, false}));
  EXPECT_EQ(sb.dtype(), kBool);
  EXPECT_TENSOR_CLOSE(sb, tensor(std::vector<bool>{true, false}));
}

TEST(Elementwise, NaNPropagates) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor n = tensor({nan, 1.f});
  Tensor m = tensor({0.f, nan});
  EXPECT_TRUE(std::isnan(maximum(n, m).data_ptr<float>()[0]));
  EXPECT_TRUE(std::isnan(maximum(n, m).data_ptr<float>()[1]));
  EXPECT_TRUE(std::isnan(minimum(n, m).data_ptr<float>()[1]));
  EXPECT_TRUE(std::isnan(clamp(n, 0, 1).data_ptr<float>()[0]));
  EXPECT_TRUE(std::isnan(relu(n).data_ptr<float>()[0]));
}

TEST(Elementwise, MinimumMaximum) {
  Tensor a = tensor({1.f, 5.f, 3.f});
  Tensor b = tensor({2.f, 4.f, 3.f});
  EXPECT_TENSOR_CLOSE(maximum(a, b), tensor({2.f, 5.f, 3.f}));
  EXPECT_TENSOR_CLOSE(minimum(a, b), tensor({1.f, 4.f, 3.f}));
  EXPECT_EQ(maximum(tensor({1, 2}), tensor({1.5f})).dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(maximum(tensor({1, 2}), tensor({1.5f})), tensor({1.5f, 2.f}));
  Tensor bt = tensor(std::vector<bool>{true, false, false}), bf = tensor(std::vector<bool>{false, true, false});
  EXPECT_TENSOR_CLOSE(maximum(bt, bf), tensor(std::vector<bool>{true, true, false}));
  EXPECT_TENSOR_CLOSE(minimum(bt, bf), tensor(std::vector<bool>{false, false, false}));
}

// ---- gradients against torch at the special points (ties, boundaries, zero) --------------

TEST(Elementwise, GradientsAtSpecialPointsMatchTorch) {
  auto grads = [](const std::function<Tensor(const Tensor&, const Tensor&)>& f) {
    Tensor x = tensor({-1.0, 0.0, 0.0, 2.0}).requires_grad_();
    Tensor y = tensor({0.5, 0.0, 1.0, 2.0}).requires_grad_();
    f(x, y).sum().backward();
    return std::make_pair(x.grad(), y.grad());
  };
  // ties split half/half
  auto [mx, my] = grads([](const Tensor& x, const Tensor& y) { return maximum(x, y); });
  EXPECT_TENSOR_CLOSE(mx, tensor({0.0, 0.5, 0.0, 0.5}));
  EXPECT_TENSOR_CLOSE(my, tensor({1.0, 0.5, 1.0, 0.5}));
  auto [nx, ny] = grads([](const Tensor& x, const Tensor& y) { return minimum(x, y); });
  EXPECT_TENSOR_CLOSE(nx, tensor({1.0, 0.5, 1.0, 0.5}));
  EXPECT_TENSOR_CLOSE(ny, tensor({0.0, 0.5, 0.0, 0.5}));
  // torch: pow(x, y) grads [nan, 0, 1, 4] and [nan, 0, 0, 4 ln 2]
  auto [px, py] = grads([](const Tensor& x, const Tensor& y) { return pow(x, y); });
  EXPECT_TENSOR_CLOSE(px, tensor({std::nan(""), 0.0, 1.0, 4.0}));
  EXPECT_TENSOR_CLOSE(py, tensor({std::nan(""), 0.0, 0.0, 2.772588722239781}));

  auto grad1 = [](const UFn& f) {
    Tensor x = tensor({-1.0, 0.0, 0.0, 2.0}).requires_grad_();
    f(x).sum().backward();
    return x.grad();
  };
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return clamp(x, -1.0, 0.0); }), tensor({1.0, 1.0, 1.0, 0.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return relu(x); }), tensor({0.0, 0.0, 0.0, 1.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return abs(x); }), tensor({-1.0, 0.0, 0.0, 1.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return sign(x); }), tensor({0.0, 0.0, 0.0, 0.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return pow(x, 0); }), tensor({0.0, 0.0, 0.0, 0.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return pow(0.0, x); }),
                      tensor({-std::numeric_limits<double>::infinity(), 0.0, 0.0, 0.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return softplus(x, 2.0, 1.0); }),
                      tensor({0.11920292202211755, 0.5, 0.5, 1.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return elu(x, 0.7); }).slice(0, 0, 2), tensor({0.2575156088200096, 0.7}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return leaky_relu(x, 0.1); }), tensor({0.1, 0.1, 0.1, 1.0}));
  EXPECT_TENSOR_CLOSE(grad1([](const Tensor& x) { return gelu(x); }),
                      tensor({-0.08331547058768635, 0.5, 0.5, 1.085231801078197}));
  // second derivative of gelu (torch: autograd.grad twice)
  Tensor x = tensor({-1.0, 0.0, 2.0}).requires_grad_();
  auto g = autograd::grad({gelu(x).sum()}, {x}, {}, std::nullopt, true);
  auto gg = autograd::grad({g[0].sum()}, {x});
  EXPECT_TENSOR_CLOSE(gg[0], tensor({0.24197072451914337, 0.7978845608028654, -0.10798193302637613}));
}

TEST(Elementwise, NodeNamesFollowPyTorch) {
  Tensor x = tensor({0.5f, 1.5f}).requires_grad_();
  Tensor y = tensor({1.f, 2.f}).requires_grad_();
  Tensor c = tensor(std::vector<bool>{true, false});
  EXPECT_EQ(grad_fn_name(exp(x)), "ExpBackward0");
  EXPECT_EQ(grad_fn_name(log(x)), "LogBackward0");
  EXPECT_EQ(grad_fn_name(log1p(x)), "Log1PBackward0");
  EXPECT_EQ(grad_fn_name(sqrt(x)), "SqrtBackward0");
  EXPECT_EQ(grad_fn_name(rsqrt(x)), "RsqrtBackward0");
  EXPECT_EQ(grad_fn_name(abs(x)), "AbsBackward0");
  EXPECT_EQ(grad_fn_name(sign(x)), "SignBackward0");
  EXPECT_EQ(grad_fn_name(square(x)), "PowBackward0");
  EXPECT_EQ(grad_fn_name(pow(x, 3)), "PowBackward0");
  EXPECT_EQ(grad_fn_name(pow(x, y)), "PowBackward1");
  EXPECT_EQ(grad_fn_name(pow(2.0, x)), "PowBackward2");
  EXPECT_EQ(grad_fn_name(minimum(x, y)), "MinimumBackward0");
  EXPECT_EQ(grad_fn_name(maximum(x, y)), "MaximumBackward0");
  EXPECT_EQ(grad_fn_name(clamp(x, 0.0, 1.0)), "ClampBackward1");
  EXPECT_EQ(grad_fn_name(clamp(x, 0.0)), "ClampBackward1");
  EXPECT_EQ(grad_fn_name(clamp_min(x, 0.0)), "ClampMinBackward0");
  EXPECT_EQ(grad_fn_name(clamp_max(x, 0.0)), "ClampMaxBackward0");
  EXPECT_EQ(grad_fn_name(relu(x)), "ReluBackward0");
  EXPECT_EQ(grad_fn_name(sigmoid(x)), "SigmoidBackward0");
  EXPECT_EQ(grad_fn_name(tanh(x)), "TanhBackward0");
  EXPECT_EQ(grad_fn_name(gelu(x)), "GeluBackward0");
  EXPECT_EQ(grad_fn_name(leaky_relu(x)), "LeakyReluBackward0");
  EXPECT_EQ(grad_fn_name(elu(x)), "EluBackward0");
  EXPECT_EQ(grad_fn_name(softplus(x)), "SoftplusBackward0");
  EXPECT_EQ(grad_fn_name(where(c, x, y)), "WhereBackward0");
  EXPECT_EQ(grad_fn_name(where(c, x, 0.0)), "WhereBackward0");
  // comparisons carry no gradient
  EXPECT_FALSE((x > y).requires_grad());
  EXPECT_EQ((x > y).dtype(), kBool);
  {
    NoGradGuard g;
    EXPECT_FALSE(exp(x).requires_grad());
  }
}

// ---- finite-difference gradients on every layout ----------------------------------------

TEST(ElementwiseGrad, ExpLogFamily) {
  check_unary([](const Tensor& x) { return exp(x); }, -2, 2, true);
  check_unary([](const Tensor& x) { return log(x); }, 0.5, 3, true);
  check_unary([](const Tensor& x) { return log1p(x); }, -0.5, 3, true);
  check_unary([](const Tensor& x) { return sqrt(x); }, 0.5, 3, true);
  check_unary([](const Tensor& x) { return rsqrt(x); }, 0.5, 3, true);
  check_unary([](const Tensor& x) { return x.exp().log1p(); }, -1, 1, true);  // method forms
}

TEST(ElementwiseGrad, AbsSignSquare) {
  check_unary([](const Tensor& x) { return abs(x); }, -2, 2, true);
  check_unary([](const Tensor& x) { return square(x); }, -2, 2, true);
  check_unary([](const Tensor& x) { return sign(x) * x; }, -2, 2, true);
}

TEST(ElementwiseGrad, Activations) {
  check_unary([](const Tensor& x) { return relu(x); }, -2, 2, true);
  check_unary([](const Tensor& x) { return sigmoid(x); }, -3, 3, true);
  check_unary([](const Tensor& x) { return tanh(x); }, -2, 2, true);
  check_unary([](const Tensor& x) { return gelu(x); }, -3, 3, true);
  check_unary([](const Tensor& x) { return leaky_relu(x, 0.2); }, -2, 2, true);
  check_unary([](const Tensor& x) { return elu(x, 0.7); }, -2, 2, true);
  check_unary([](const Tensor& x) { return softplus(x); }, -3, 3, true);
  check_unary([](const Tensor& x) { return softplus(x, 2.0, 1.0); }, -2, 2, true);  // crosses the threshold
}

TEST(ElementwiseGrad, Clamp) {
  check_unary([](const Tensor& x) { return clamp(x, -0.5, 0.5); }, -1, 1, true);
  check_unary([](const Tensor& x) { return clamp(x, std::nullopt, 0.3); }, -1, 1, true);
  check_unary([](const Tensor& x) { return clamp_min(x, -0.3); }, -1, 1, true);
  check_unary([](const Tensor& x) { return clamp_max(x, 0.3) * x; }, -1, 1, true);
}

TEST(ElementwiseGrad, Pow) {
  check_unary([](const Tensor& x) { return pow(x, 3); }, -2, 2, true);
  check_unary([](const Tensor& x) { return pow(x, 2.5); }, 0.5, 2, true);
  check_unary([](const Tensor& x) { return pow(x, -1.5); }, 0.5, 2, true);
  check_unary([](const Tensor& x) { return pow(1.7, x); }, -2, 2, true);
  check_unary([](const Tensor& x) { return x.pow(0.5); }, 0.5, 2, true);
  check_binary([](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0.5, 2, 0.5, 2, true);
}

TEST(ElementwiseGrad, MinimumMaximumWhere) {
  check_binary([](const Tensor& a, const Tensor& b) { return maximum(a, b); }, -1, 1, -1, 1, true);
  check_binary([](const Tensor& a, const Tensor& b) { return minimum(a, b) * a; }, -1, 1, -1, 1, true);
  check_binary([](const Tensor& a, const Tensor& b) { return where(a > b, a * a, b); }, -1, 1, -1, 1, true);
  // a broadcast condition (3,1) against (4) values
  Tensor a = leaf({4}, -1, 1, 41), b = leaf({3, 1}, -1, 1, 42);
  Tensor cond = tensor(std::vector<bool>{true, false, true}, {3, 1});
  EXPECT_TRUE(gradcheck([&](const TensorList& in) { return where(cond, in[0], in[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([&](const TensorList& in) { return where(cond, in[0], 2.0); }, {a}));
  EXPECT_TRUE(gradcheck([&](const TensorList& in) { return where(cond, -1.0, in[0] * in[0]); }, {b}));
  EXPECT_TRUE(gradgradcheck([&](const TensorList& in) { return where(cond, in[0] * in[1], in[1]); }, {a, b}));
}

TEST(ElementwiseGrad, MulBasedCompositions) {
  check_unary([](const Tensor& x) { return x * exp(x) * sigmoid(x); }, -2, 2, true);
  check_unary([](const Tensor& x) { return tanh(x) * x + pow(x, 3) * log1p(x * x); }, -1, 1, true);
  check_unary([](const Tensor& x) { return gelu(x) * softplus(x) / (1 + x * x); }, -2, 2, true);
  check_binary([](const Tensor& a, const Tensor& b) { return sigmoid(a * b) * pow(b, 2) + exp(a - b); }, -1, 1, -1, 1,
               true);
}

TEST(ElementwiseGrad, DoubleBackwardOfSigmoidValue) {
  // d2/dx2 sigmoid(x) = s (1 - s) (1 - 2 s); at x = 0.5: s = 0.6224593312
  Tensor x = tensor({0.5}).requires_grad_();
  auto g = autograd::grad({sigmoid(x).sum()}, {x}, {}, std::nullopt, true);
  auto gg = autograd::grad({g[0].sum()}, {x});
  double s = 1 / (1 + std::exp(-0.5));
  EXPECT_NEAR(gg[0].item<double>(), s * (1 - s) * (1 - 2 * s), 1e-12);
}

// ---- in-place forms -------------------------------------------------------------------------

TEST(Elementwise, InplaceForms) {
  Tensor a = tensor({-1.f, 0.25f, 4.f});
  uint64_t v0 = a._version();
  Tensor& r = a.relu_();
  EXPECT_TRUE(r.is_same(a));
  EXPECT_GT(a._version(), v0);
  EXPECT_TENSOR_CLOSE(a, tensor({0.f, 0.25f, 4.f}));
  a.sqrt_();
  EXPECT_TENSOR_CLOSE(a, tensor({0.f, 0.5f, 2.f}));
  a.pow_(2);
  EXPECT_TENSOR_CLOSE(a, tensor({0.f, 0.25f, 4.f}));
  a.exp_();
  EXPECT_TENSOR_CLOSE(a, tensor({1.f, 1.2840254166877414f, 54.598150033144236f}));
  a.clamp_(1.1, 2.0);
  EXPECT_TENSOR_CLOSE(a, tensor({1.1f, 1.2840254166877414f, 2.f}));
  // integer in-place that stays integer
  Tensor i = tensor({-3, 2});
  i.clamp_(-1, 1);
  EXPECT_TENSOR_CLOSE(i, tensor({-1, 1}));
  i.pow_(2);
  EXPECT_TENSOR_CLOSE(i, tensor({1, 1}));
  i.relu_();
  EXPECT_EQ(i.dtype(), kInt64);
  // through a strided view: writes into the base
  Tensor m = tensor({-1.f, 2.f, -3.f, 4.f}, {2, 2});
  m.t().relu_();
  EXPECT_TENSOR_CLOSE(m, tensor({0.f, 2.f, 0.f, 4.f}, {2, 2}));
  m.slice(1, 1, 2).clamp_(std::nullopt, 3.0);
  EXPECT_TENSOR_CLOSE(m, tensor({0.f, 2.f, 0.f, 3.f}, {2, 2}));
}

TEST(Elementwise, InplaceWithAutograd) {
  Tensor x = tensor({0.5, -1.0, 2.0}).requires_grad_();
  Tensor y = x * 1.0;
  y.exp_();
  EXPECT_EQ(grad_fn_name(y), "ExpBackward0");
  y.sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), exp(x.detach()));

  Tensor x2 = tensor({0.5, -1.0, 2.0}).requires_grad_();
  Tensor z = x2 * 2.0;
  z.clamp_(-1.0, 1.0).relu_().pow_(2);
  z.sum().backward();
  // d/dx (relu(clamp(2x, -1, 1)))^2 = 2 * relu(..) * 2 where 0 < 2x <= 1
  EXPECT_TENSOR_CLOSE(x2.grad(), tensor({4.0, 0.0, 0.0}));

  Tensor x3 = tensor({4.0, 9.0}).requires_grad_();
  Tensor w = x3 + 0.0;
  w.sqrt_();
  w.sum().backward();
  EXPECT_TENSOR_CLOSE(x3.grad(), tensor({0.25, 1.0 / 6}));

  // a saved tensor changed in place invalidates the backward
  Tensor x4 = tensor({1.0, 2.0}).requires_grad_();
  Tensor s = x4 * 1.0;
  Tensor t = log(s);
  s.exp_();
  EXPECT_NE(error_of([&] { t.sum().backward(); }).find("modified by an inplace operation"), std::string::npos);
}

// ---- comparisons and logic ---------------------------------------------------------------

TEST(Compare, TensorAndScalarComparisons) {
  Tensor a = tensor({1.f, 2.f, 3.f});
  Tensor b = tensor({1.f, 2.5f}, {2, 1});
  // torch: (a < b), (a <= b), (a == b) with broadcasting to (2,3)
  auto B = [](std::vector<bool> v) { return tensor(v, {2, 3}); };
  EXPECT_TENSOR_CLOSE(a < b, B({false, false, false, true, true, false}));
  EXPECT_TENSOR_CLOSE(lt(a, b), B({false, false, false, true, true, false}));
  EXPECT_TENSOR_CLOSE(a <= b, B({true, false, false, true, true, false}));
  EXPECT_TENSOR_CLOSE(a == b, B({true, false, false, false, false, false}));
  EXPECT_TENSOR_CLOSE(a != b, B({false, true, true, true, true, true}));
  EXPECT_TENSOR_CLOSE(a > b, B({false, true, true, false, false, true}));
  EXPECT_TENSOR_CLOSE(ge(a, b), B({true, true, true, false, false, true}));
  EXPECT_EQ((a < b).dtype(), kBool);
  EXPECT_EQ((a < b).sizes(), (Shape{2, 3}));
  auto V = [](std::vector<bool> v) { return tensor(v); };
  EXPECT_TENSOR_CLOSE(a == 2, V({false, true, false}));
  EXPECT_TENSOR_CLOSE(a != 2, V({true, false, true}));
  EXPECT_TENSOR_CLOSE(a < 2, V({true, false, false}));
  EXPECT_TENSOR_CLOSE(a <= 2, V({true, true, false}));
  EXPECT_TENSOR_CLOSE(a > 2, V({false, false, true}));
  EXPECT_TENSOR_CLOSE(a >= 2.5, V({false, false, true}));
  EXPECT_TENSOR_CLOSE(a.eq(3), V({false, false, true}));
  EXPECT_TENSOR_CLOSE(a.eq(tensor({1.f, 0.f, 3.f})), V({true, false, true}));
  // compared in the promoted dtype: torch.eq(tensor([1,-2,3]), 1.0) -> [T, F, F]; int 2 < 2.5
  EXPECT_TENSOR_CLOSE(eq(tensor({1, -2, 3}), 1.0), V({true, false, false}));
  EXPECT_TENSOR_CLOSE(lt(tensor({2, 3}), 2.5), V({true, false}));
  EXPECT_TENSOR_CLOSE(eq(tensor({1, 2}), tensor({1.f, 2.5f})), V({true, false}));
  // 0.1 compared in float32, as PyTorch does
  EXPECT_TENSOR_CLOSE(tensor({0.1f}) == 0.1, V({true}));
  // strided inputs
  Tensor m = arange(6, kFloat32).reshape({2, 3});
  EXPECT_TENSOR_CLOSE(m.t() > 2, tensor(std::vector<bool>{false, true, false, true, false, true}, {3, 2}));
}

TEST(Compare, Logic) {
  Tensor p = tensor(std::vector<bool>{true, true, false, false});
  Tensor q = tensor(std::vector<bool>{true, false, true, false});
  EXPECT_TENSOR_CLOSE(logical_and(p, q), tensor(std::vector<bool>{true, false, false, false}));
  EXPECT_TENSOR_CLOSE(p && q, tensor(std::vector<bool>{true, false, false, false}));
  EXPECT_TENSOR_CLOSE(logical_or(p, q), tensor(std::vector<bool>{true, true, true, false}));
  EXPECT_TENSOR_CLOSE(p || q, tensor(std::vector<bool>{true, true, true, false}));
  EXPECT_TENSOR_CLOSE(logical_not(p), tensor(std::vector<bool>{false, false, true, true}));
  EXPECT_TENSOR_CLOSE(!p, tensor(std::vector<bool>{false, false, true, true}));
  // non-bool inputs: nonzero is true (torch.logical_and(tensor([1., 0.]), tensor([2, 2])) -> [T, F])
  EXPECT_TENSOR_CLOSE(logical_and(tensor({1.f, 0.f}), tensor({2, 2})), tensor(std::vector<bool>{true, false}));
  EXPECT_TENSOR_CLOSE(!tensor({0.f, -3.f}), tensor(std::vector<bool>{true, false}));
  EXPECT_EQ(logical_or(tensor({1.f}), tensor({0, 0}, {2, 1})).sizes(), (Shape{2, 1}));
}

TEST(Compare, EqualAndAllclose) {
  Tensor a = tensor({1.f, 2.f, 3.f});
  EXPECT_TRUE(equal(a, tensor({1.f, 2.f, 3.f})));
  EXPECT_TRUE(a.equal(a.clone()));
  EXPECT_FALSE(equal(a, tensor({1.f, 2.f, 3.5f})));
  EXPECT_FALSE(equal(a, tensor({1.f, 2.f, 3.f}, {3, 1})));  // shapes differ
  EXPECT_TRUE(equal(tensor({1, 2}), tensor({1.f, 2.f})));    // torch.equal promotes: True
  EXPECT_FALSE(equal(tensor({std::nanf("")}), tensor({std::nanf("")})));
  EXPECT_TRUE(equal(arange(6).reshape({2, 3}).t(), arange(6).reshape({2, 3}).t().contiguous()));
  // torch.allclose results: True, False, True, False (NaN), True (inf == inf)
  EXPECT_TRUE(allclose(tensor({1.0f, 2.0f}), tensor({1.0f + 1e-6f, 2.0f})));
  EXPECT_FALSE(allclose(tensor({1.0f, 2.0f}), tensor({1.0f + 1e-4f, 2.0f})));
  EXPECT_TRUE(allclose(tensor({1.0f, 10.0f}), tensor({1.0f, 10.001f}), 1e-3));
  EXPECT_FALSE(allclose(tensor({std::nanf("")}), tensor({std::nanf("")})));
  EXPECT_TRUE(allclose(tensor({INFINITY}), tensor({INFINITY})));
  EXPECT_FALSE(allclose(tensor({INFINITY}), tensor({-INFINITY})));
  EXPECT_TRUE(tensor({1.f, 2.f}).allclose(tensor({1.f, 2.f, 1.f, 2.f}, {2, 2})));  // broadcasts
  EXPECT_FALSE(allclose(tensor({0.0}), tensor({1e-7}), 0.0, 1e-8));
  EXPECT_TRUE(allclose(tensor({0.0}), tensor({1e-9}), 0.0, 1e-8));
  // rtol is relative to the second argument: |a-b| <= atol + rtol |b|
  EXPECT_TRUE(allclose(tensor({1.0}), tensor({2.0}), 0.5, 0.0));
  EXPECT_FALSE(allclose(tensor({2.0}), tensor({1.0}), 0.5, 0.0));
}

// ---- where -------------------------------------------------------------------------------

TEST(Where, ValuesAndPromotion) {
  Tensor c = tensor(std::vector<bool>{true, false, true});
  Tensor a = tensor({1.f, 2.f, 3.f}), b = tensor({10.f, 20.f, 30.f});
  EXPECT_TENSOR_CLOSE(where(c, a, b), tensor({1.f, 20.f, 3.f}));
  EXPECT_TENSOR_CLOSE(where(c, a, 0.0), tensor({1.f, 0.f, 3.f}));
  EXPECT_TENSOR_CLOSE(where(c, -1, b), tensor({-1.f, 20.f, -1.f}));
  // torch.where(tensor([T, F]), tensor([1, -2]), 2.5) -> float32 [1., 2.5]
  Tensor w = where(tensor(std::vector<bool>{true, false}), tensor({1, -2}), 2.5);
  EXPECT_EQ(w.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(w, tensor({1.f, 2.5f}));
  EXPECT_EQ(where(c, tensor({1, 2, 3}), tensor({1.0, 2.0, 3.0})).dtype(), kFloat64);
  EXPECT_EQ(where(c, tensor({1, 2, 3}), 0).dtype(), kInt64);
  // broadcasting all three: cond (3,1), a (1,2), b scalar-like (2)
  Tensor c2 = tensor(std::vector<bool>{true, false, true}, {3, 1});
  Tensor r = where(c2, tensor({1.f, 2.f}, {1, 2}), tensor({7.f, 8.f}));
  EXPECT_TENSOR_CLOSE(r, tensor({1.f, 2.f, 7.f, 8.f, 1.f, 2.f}, {3, 2}));
  // comparison masks feed where
  Tensor x = tensor({-2.f, 3.f});
  EXPECT_TENSOR_CLOSE(where(x > 0, x, x * 0.1), tensor({-0.2f, 3.f}));
}

// ---- errors ------------------------------------------------------------------------------

TEST(ElementwiseErrors, BadInputsThrow) {
  EXPECT_EQ(error_of([] { pow(tensor({2, 3}), -1); }), "Integers to negative integer powers are not allowed.");
  EXPECT_THROW(tensor({2, 3}).pow_(-2), Error);
  EXPECT_NO_THROW(pow(tensor({2.f}), -1));
  std::string msg = error_of([] { where(tensor({1, 0}), tensor({1.f, 2.f}), tensor({3.f, 4.f})); });
  EXPECT_NE(msg.find("where"), std::string::npos) << msg;
  EXPECT_NE(msg.find("boolean"), std::string::npos) << msg;
  EXPECT_NE(msg.find("int64"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { clamp(tensor({1.f}), std::nullopt, std::nullopt); }).find("At least one of 'min' or 'max'"),
            std::string::npos);
  msg = error_of([] { (void)(tensor({1.f, 2.f, 3.f}) < tensor({1.f, 2.f})); });
  EXPECT_NE(msg.find("(3)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("(2)"), std::string::npos) << msg;
  EXPECT_THROW(maximum(ones({2, 3}), ones({4})), Error);
  EXPECT_THROW(pow(ones({2, 3}), ones({2})), Error);
  EXPECT_THROW(where(tensor(std::vector<bool>{true, false}), ones({3}), ones({3})), Error);
  EXPECT_THROW(logical_and(ones({2}), ones({3})), Error);
  EXPECT_THROW(allclose(tensor({1, 2}), tensor({1.f, 2.f})), Error);  // torch: "Long did not match Float"
  EXPECT_THROW(abs(tensor(std::vector<bool>{true})), Error);
  EXPECT_THROW(relu(tensor(std::vector<bool>{true})), Error);
  EXPECT_THROW(gelu(tensor({1, 2})), Error);
  EXPECT_THROW(clamp(tensor(std::vector<bool>{true}), 0, 1), Error);
  EXPECT_THROW(exp(Tensor()), Error);
  // in-place: float result into an integer tensor, and a leaf that requires grad
  EXPECT_NE(error_of([] { tensor({1, 2}).exp_(); }).find("can't be cast"), std::string::npos);
  EXPECT_THROW(tensor({4, 9}).sqrt_(), Error);
  EXPECT_THROW(tensor({1, 2}).clamp_(0.5), Error);
  Tensor leaf_x = tensor({1.f}).requires_grad_();
  EXPECT_NE(error_of([&] { leaf_x.relu_(); }).find("leaf Variable"), std::string::npos);
  EXPECT_THROW(leaf_x.exp_(), Error);
  EXPECT_THROW(leaf_x.clamp_(0.0), Error);
  EXPECT_THROW(leaf_x.pow_(2), Error);
  EXPECT_THROW(leaf_x.sqrt_(), Error);
}

// ---- large tensors: the parallel flat and strided loops agree with a double reference -------

TEST(Elementwise, LargeTensorsMatchReference) {
  manual_seed(3);
  Tensor x = randn({300, 500});  // float32, 150k elements (above the parallel grain)
  Tensor xt = x.t();
  Tensor want = exp(x.to(kFloat64)).to(kFloat32);
  EXPECT_TENSOR_CLOSE(exp(x), want, 1e-6, 1e-6);
  EXPECT_TENSOR_CLOSE(exp(xt), want.t(), 1e-6, 1e-6);
  EXPECT_TENSOR_CLOSE(sigmoid(xt), sigmoid(xt.contiguous()), 0, 0);
  EXPECT_TENSOR_CLOSE(gelu(x.slice(1, 1, 500, 3)), gelu(x.slice(1, 1, 500, 3).contiguous()), 0, 0);
  Tensor m = x > 0;
  EXPECT_TENSOR_CLOSE(where(m, x, 0), relu(x), 0, 0);
  EXPECT_TENSOR_CLOSE(maximum(xt, zeros({300})), relu(xt), 0, 0);
  EXPECT_TRUE(equal(xt > 0, m.t()));
  EXPECT_TRUE(allclose(pow(x, 2), x * x));
  Tensor y = x.clone();
  y.t().relu_();
  EXPECT_TRUE(equal(y, relu(x)));
}

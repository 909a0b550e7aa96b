// matmul (every torch.matmul shape rule), mm, bmm, addmm and F.linear: values against
// PyTorch 1.13 (numbers computed with torch and embedded), float32 (oneDNN) against float64
// (loops), strided operands, errors, primitive caching, and float64 finite-difference
// gradient checks on contiguous, transposed, broadcast and sliced inputs plus double backward.
#include <gtest/gtest.h>

#include <cmath>

#include <ember/ember.h>
#include <ember/nn/functional.h>

#include "support/testing.h"

namespace ember::cpu {
// internal counters exported by libember (backend/cpu/dnnl_cache.h, backend/cpu/matmul.h)
int64_t dnnl_cache_misses();
int64_t dnnl_matmul_calls();
}  // namespace ember::cpu

using namespace ember;
using ember::testing::error_of;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
namespace F = ember::nn::functional;

namespace {

// torch: (torch.arange(n, dtype=float64) * scale - off).reshape(shape)
Tensor seq(const Shape& s, double scale = 0.1, double off = 1.0, DType dt = kFloat64) {
  return (arange(shape_numel(s), kFloat64) * scale - off).reshape(s).to(dt);
}
Tensor seq_b(const Shape& s, DType dt = kFloat64) { return seq(s, 0.05, 0.5, dt); }

// sum(out * arange(numel).view(out.shape)), a checksum that sees every element's position
double weighted_sum(const Tensor& t) {
  return (t.to(kFloat64) * arange(t.numel(), kFloat64).reshape(t.sizes())).sum().item<double>();
}

Tensor leaf(const Shape& s, uint64_t seed) { return ember::testing::randn_leaf(s, seed); }

struct ShapeCase {
  Shape a, b, out;
  double sum, wsum;  // torch: (a @ b).sum(), weighted_sum(a @ b)
};

// /usr/bin/python3: a = seq(sa); b = seq(sb, 0.05, 0.5); o = a @ b
const ShapeCase kCases[] = {
    {{4}, {4}, {}, 1.47, 0},
    {{3, 4}, {4, 2}, {3, 2}, 3.81, 5.23},
    {{4}, {4, 2}, {2}, 2.31, 1.07},
    {{3, 4}, {4}, {3}, 2.37, 1.01},
    {{2, 3, 4}, {4, 2}, {2, 3, 2}, -1.74, -45.88},
    {{2, 3, 4}, {4}, {2, 3}, -1.38, -15.35},
    {{4}, {2, 4, 3}, {2, 3}, -1.08, -12.56},
    {{3, 4}, {2, 4, 5}, {2, 3, 5}, -21.9, -449.45},
    {{2, 1, 3, 4}, {5, 4, 2}, {2, 5, 3, 2}, 20.1, 1853},
    {{2, 3, 4}, {2, 4, 5}, {2, 3, 5}, 48.3, 1102.15},
    {{1, 3, 4}, {2, 4, 5}, {2, 3, 5}, -21.9, -449.45},
};

}  // namespace

TEST(Matmul, MmValuesMatchPyTorch) {
  // torch: seq((3,4)) @ seq((4,2), 0.05, 0.5)
  Tensor expected = tensor({1.24, 1.07, 0.68, 0.59, 0.12, 0.11}, {3, 2});
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor o = mm(seq({3, 4}, 0.1, 1.0, dt), seq_b({4, 2}, dt));
    EXPECT_EQ(o.dtype(), dt);
    EXPECT_TENSOR_CLOSE(o, expected, 1e-6, 1e-5);
  }
  // integers run on the loops
  Tensor ai = arange(6).view({2, 3}), bi = arange(6).view({3, 2});
  EXPECT_TRUE(equal(mm(ai, bi), tensor({10, 13, 28, 40}, {2, 2})));
}

TEST(Matmul, EveryShapeRuleMatchesPyTorch) {
  for (const auto& c : kCases) {
    for (DType dt : {kFloat32, kFloat64}) {
      SCOPED_TRACE(shape_str(c.a) + " @ " + shape_str(c.b) + " " + dtype_name(dt));
      Tensor o = matmul(seq(c.a, 0.1, 1.0, dt), seq_b(c.b, dt));
      EXPECT_EQ(o.sizes(), c.out);
      EXPECT_EQ(o.dtype(), dt);
      EXPECT_NEAR(o.sum().item<double>(), c.sum, 1e-4);
      EXPECT_NEAR(weighted_sum(o), c.wsum, 1e-3);
      // an independent route: broadcasting multiply and sum over the inner dim
      Tensor a = seq(c.a), b = seq_b(c.b);
      Tensor a2 = a.dim() == 1 ? a.unsqueeze(0) : a, b2 = b.dim() == 1 ? b.unsqueeze(1) : b;
      Tensor ref = (a2.unsqueeze(-1) * b2.unsqueeze(-3)).sum({-2});
      EXPECT_TENSOR_CLOSE(o, ref.reshape(c.out), 1e-5, 1e-5);
    }
  }
}

TEST(Matmul, StridedOperandsNeedNoCopyAndGiveTheSameValues) {
  manual_seed(3);
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor a = randn({6, 5}, dt), b = randn({7, 6}, dt);
    Tensor ref = mm(a.t().contiguous(), b.t().contiguous());  // (5,6) @ (6,7)
    EXPECT_TENSOR_CLOSE(mm(a.t(), b.t()), ref, 1e-5, 1e-5);
    // a slice with a step (neither row- nor column-major) and an offset
    Tensor big = randn({8, 12}, dt);
    Tensor s = big.slice(0, 1, 7).slice(1, 0, 12, 2);  // (6,6) strides (12,2)
    EXPECT_TENSOR_CLOSE(mm(s, b.t().slice(0, 0, 6)), mm(s.contiguous(), b.t().slice(0, 0, 6).contiguous()), 1e-5,
                        1e-5);
    // expanded (stride 0) operands
    Tensor row = randn({1, 6}, dt).expand({5, 6});
    EXPECT_TENSOR_CLOSE(mm(row, b.t()), mm(row.contiguous(), b.t().contiguous()), 1e-5, 1e-5);
    // batched with transposed matrices
    Tensor x = randn({3, 4, 5}, dt), y = randn({3, 6, 5}, dt);
    EXPECT_TENSOR_CLOSE(bmm(x, y.transpose(1, 2)), bmm(x, y.transpose(1, 2).contiguous()), 1e-5, 1e-5);
    EXPECT_TENSOR_CLOSE(bmm(x.transpose(1, 2).transpose(1, 2), y.transpose(1, 2)),
                        matmul(x, y.transpose(1, 2).contiguous()), 1e-5, 1e-5);
  }
}

TEST(Matmul, Float32RunsOnOneDnnAndBuildsEachPrimitiveOnce) {
  manual_seed(4);
  Tensor a = randn({17, 9}), b = randn({9, 5});
  const int64_t calls = cpu::dnnl_matmul_calls();
  Tensor first = mm(a, b);
  const int64_t misses = cpu::dnnl_cache_misses();
  for (int i = 0; i < 5; ++i) mm(a, b);
  EXPECT_EQ(cpu::dnnl_cache_misses(), misses);  // same shapes: no rebuild
  EXPECT_EQ(cpu::dnnl_matmul_calls(), calls + 6);
  EXPECT_TENSOR_CLOSE(first, mm(a.to(kFloat64), b.to(kFloat64)), 1e-5, 1e-5);
}

TEST(Matmul, EmptyAndZeroInnerDims) {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor o = mm(ones({3, 0}, dt), ones({0, 4}, dt));
    EXPECT_EQ(o.sizes(), (Shape{3, 4}));
    EXPECT_TRUE(equal(o, zeros({3, 4}, dt)));  // torch gives zeros
    EXPECT_EQ(mm(ones({0, 2}, dt), ones({2, 4}, dt)).sizes(), (Shape{0, 4}));
    EXPECT_EQ(matmul(ones({0, 3, 2}, dt), ones({2, 4}, dt)).sizes(), (Shape{0, 3, 4}));
    EXPECT_EQ(matmul(ones({1, 3, 2}, dt), ones({0, 2, 4}, dt)).sizes(), (Shape{0, 3, 4}));
  }
}

TEST(Matmul, ErrorsNameOpAndShapes) {
  std::string e = error_of([] { matmul(ones({3, 4}), ones({5, 6})); });
  EXPECT_NE(e.find("matmul: (3,4) @ (5,6): inner dimensions differ (4 vs 5)"), std::string::npos) << e;
  e = error_of([] { mm(ones({3, 4}), ones({5, 6})); });
  EXPECT_NE(e.find("mm: (3,4) @ (5,6): inner dimensions differ (4 vs 5)"), std::string::npos) << e;
  e = error_of([] { mm(ones({3, 4, 1}), ones({4, 6})); });
  EXPECT_NE(e.find("2-D"), std::string::npos) << e;
  e = error_of([] { bmm(ones({2, 3, 4}), ones({3, 4, 5})); });
  EXPECT_NE(e.find("batch sizes differ (2 vs 3)"), std::string::npos) << e;
  e = error_of([] { matmul(ones({2, 3, 4}), ones({3, 4, 5})); });
  EXPECT_NE(e.find("batch dimensions (2) and (3) cannot be broadcast"), std::string::npos) << e;
  e = error_of([] { matmul(ones({}), ones({3})); });
  EXPECT_NE(e.find("at least 1-D"), std::string::npos) << e;
  e = error_of([] { matmul(ones({3}), ones({3}, kFloat64)); });
  EXPECT_NE(e.find("same dtype"), std::string::npos) << e;
  e = error_of([] { matmul(ones({3}, kBool), ones({3}, kBool)); });
  EXPECT_NE(e.find("bool"), std::string::npos) << e;
  e = error_of([] { addmm(ones({7}), ones({3, 4}), ones({4, 6})); });
  EXPECT_NE(e.find("addmm: input of shape (7) cannot be broadcast to the product's shape (3,6)"), std::string::npos)
      << e;
  e = error_of([] { F::linear(ones({2, 3}), ones({5, 4})); });
  EXPECT_NE(e.find("linear: input (2,3) and weight (5,4): input features differ (3 vs 4)"), std::string::npos) << e;
  e = error_of([] { F::linear(ones({2, 4}), ones({5, 4}), ones({4})); });
  EXPECT_NE(e.find("bias of shape (4)"), std::string::npos) << e;
}

TEST(Matmul, AddmmMatchesPyTorch) {
  // torch.addmm(seq((2,), 0.3, 0.2), seq((3,4)), seq((4,2), 0.05, 0.5), ...)
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor in = seq({2}, 0.3, 0.2, dt), m1 = seq({3, 4}, 0.1, 1.0, dt), m2 = seq_b({4, 2}, dt);
    EXPECT_TENSOR_CLOSE(addmm(in, m1, m2), tensor({1.04, 1.17, 0.48, 0.69, -0.08, 0.21}, {3, 2}), 1e-6, 1e-5);
    EXPECT_TENSOR_CLOSE(addmm(in, m1, m2, 0.5, -2), tensor({-2.58, -2.09, -1.46, -1.13, -0.34, -0.17}, {3, 2}), 1e-6,
                        1e-5);
    // beta = 0 ignores input (even NaN in it)
    Tensor nan_in = full({3, 1}, std::nan(""), dt);
    EXPECT_TENSOR_CLOSE(addmm(nan_in, m1, m2, 0, 2), tensor({2.48, 2.14, 1.36, 1.18, 0.24, 0.22}, {3, 2}), 1e-6, 1e-5);
  }
}

TEST(Matmul, LinearMatchesPyTorch) {
  for (DType dt : {kFloat32, kFloat64}) {
    // torch: F.linear(seq((2,3,4)), seq((5,4), 0.05, 0.5), seq((5,), 0.2, 0.1))
    Tensor o = F::linear(seq({2, 3, 4}, 0.1, 1.0, dt), seq_b({5, 4}, dt), seq({5}, 0.2, 0.1, dt));
    EXPECT_EQ(o.sizes(), (Shape{2, 3, 5}));
    EXPECT_NEAR(o.sum().item<double>(), 9.3, 1e-4);
    EXPECT_NEAR(weighted_sum(o), 136.55, 1e-3);
    // 1-D input, no bias
    EXPECT_TENSOR_CLOSE(F::linear(seq({4}, 0.1, 1.0, dt), seq_b({5, 4}, dt)),
                        tensor({1.47, 0.79, 0.11, -0.57, -1.25}), 1e-6, 1e-5);
  }
  Tensor x = ones({2, 4}, requires_grad()), w = ones({3, 4}, requires_grad()), b = ones({3}, requires_grad());
  EXPECT_EQ(F::linear(x, w, b).grad_fn()->name(), "AddmmBackward0");
  EXPECT_EQ(F::linear(x, w).grad_fn()->name(), "MmBackward0");
}

TEST(Matmul, GradNames) {
  Tensor a = ones({2, 3}, requires_grad()), b = ones({3, 4}, requires_grad());
  EXPECT_EQ(matmul(a, b).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(bmm(ones({2, 2, 3}, requires_grad()), ones({2, 3, 4})).grad_fn()->name(), "BmmBackward0");
  EXPECT_EQ(addmm(ones({4}), a, b).grad_fn()->name(), "AddmmBackward0");
}

// ---- gradients ------------------------------------------------------------------------------

TEST(MatmulGrad, MmContiguousTransposedSliced) {
  Tensor a = leaf({3, 4}, 1), b = leaf({4, 5}, 2);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return mm(t[0], t[1]); }, {a, b}));
  Tensor at = leaf({4, 3}, 3), bt = leaf({5, 4}, 4);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return mm(t[0].t(), t[1].t()); }, {at, bt}));
  Tensor big = leaf({7, 9}, 5);  // offset and strided: rows 1..6 step 2, cols 2..9 step 2
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return mm(t[0].slice(0, 1, 7, 2).slice(1, 1, 9, 2), t[1]); },
                        {big, b}));
  Tensor row = leaf({1, 4}, 6);  // broadcast (expanded) operand
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return mm(t[0].expand({3, 4}), t[1]); }, {row, b}));
}

TEST(MatmulGrad, EveryMatmulShapeRule) {
  uint64_t seed = 10;
  for (const auto& c : kCases) {
    SCOPED_TRACE(shape_str(c.a) + " @ " + shape_str(c.b));
    Tensor a = leaf(c.a, seed++), b = leaf(c.b, seed++);
    EXPECT_TRUE(gradcheck([](const TensorList& t) { return matmul(t[0], t[1]); }, {a, b}));
  }
  // batch broadcast from an expanded batch dim and a transposed batched operand
  Tensor a = leaf({3, 1, 2, 4}, 40), b = leaf({2, 5, 4}, 41);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return matmul(t[0], t[1].transpose(1, 2)); }, {a, b}));
}

TEST(MatmulGrad, BmmAndAddmmAndLinear) {
  Tensor a = leaf({2, 3, 4}, 1), b = leaf({2, 4, 5}, 2);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return bmm(t[0], t[1]); }, {a, b}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return bmm(t[0], t[1].transpose(1, 2).transpose(1, 2)); }, {a, b}));
  Tensor in = leaf({5}, 3), m1 = leaf({3, 4}, 4), m2 = leaf({4, 5}, 5), in2 = leaf({3, 1}, 6);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return addmm(t[0], t[1], t[2]); }, {in, m1, m2}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return addmm(t[0], t[1], t[2], 0.5, -1.5); }, {in2, m1, m2}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return addmm(t[0], t[1].t().t(), t[2], 0, 2); }, {in, m1, m2}));
  Tensor x = leaf({2, 3, 4}, 7), w = leaf({5, 4}, 8), bias = leaf({5}, 9);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::linear(t[0], t[1], t[2]); }, {x, w, bias}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::linear(t[0].transpose(0, 1), t[1]); }, {x, w}));
}

TEST(MatmulGrad, DoubleBackward) {
  Tensor a = leaf({3, 4}, 1), b = leaf({4, 2}, 2);
  EXPECT_TRUE(gradgradcheck([](const TensorList& t) { return matmul(t[0], t[1]).pow(2); }, {a, b}));
  Tensor x = leaf({2, 3, 4}, 3), y = leaf({4, 5}, 4);
  EXPECT_TRUE(gradgradcheck([](const TensorList& t) { return matmul(t[0], t[1]).tanh(); }, {x, y}));
  Tensor p = leaf({2, 1, 3, 4}, 5), q = leaf({2, 4, 2}, 6);
  EXPECT_TRUE(gradgradcheck([](const TensorList& t) { return matmul(t[0], t[1]).pow(2); }, {p, q}));
  Tensor w = leaf({5, 4}, 7), bias = leaf({5}, 8), xin = leaf({3, 4}, 9);
  EXPECT_TRUE(gradgradcheck([](const TensorList& t) { return F::linear(t[0], t[1], t[2]).sigmoid(); }, {xin, w, bias}));
}

// A gradient penalty (WGAN-GP style): the norm of d out / d x is itself trained.
TEST(MatmulGrad, GradientPenaltyMatchesFiniteDifferences) {
  Tensor w = leaf({4, 3}, 11);
  Tensor x = leaf({5, 4}, 12);
  auto penalty = [&](const Tensor& wv) {
    Tensor out = matmul(x, wv).tanh().sum();
    Tensor gx = autograd::grad({out}, {x}, {}, std::nullopt, true)[0];
    return (gx * gx).sum();
  };
  Tensor gp = penalty(w);
  Tensor gw = autograd::grad({gp}, {w})[0];
  // central differences in w
  Tensor num = zeros({4, 3}, kFloat64);
  double* pw = w.data_ptr<double>();
  for (int64_t i = 0; i < w.numel(); ++i) {
    const double orig = pw[i], eps = 1e-6;
    pw[i] = orig + eps;
    double fp = penalty(w).item<double>();
    pw[i] = orig - eps;
    double fm = penalty(w).item<double>();
    pw[i] = orig;
    num.data_ptr<double>()[i] = (fp - fm) / (2 * eps);
  }
  EXPECT_TENSOR_CLOSE(gw, num, 1e-6, 1e-4);
}

// Pooling: max_pool2d (padding, dilation, ceil_mode, indices), avg_pool2d (count_include_pad,
// ceil_mode, divisor_override), adaptive_avg_pool2d against PyTorch's numbers; float64
// finite-difference gradients; oneDNN float32 against the loops; modules, reprs and errors.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"
#include "test_nn_util.h"

using namespace ember;
using namespace ember::nntest;
namespace F = ember::nn::functional;
using ember::testing::gradcheck;

TEST(NNPooling, MaxPool2dPaddingDilationCeilModeMatchesPyTorch) {
  // F.max_pool2d(x, (3, 2), stride=(2, 1), padding=1, dilation=2, ceil_mode=True, return_indices=True)
  Tensor x = wave({1, 2, 7, 6}, 0.0, 2.0, kFloat32, 2.3);
  auto [y, idx] = F::max_pool2d_with_indices(x, F::Size2(3, 2), F::Size2(2, 1), 1, 2, true);
  EXPECT_TENSOR_CLOSE(y, ref(
      {-0.557125211, 1.88739133, 1.92230546, 1.80357671, 1.92230546, 0.656626999, 1.63450956, 1.88739133,
       1.92230546, 1.80357671, 1.92230546, 0.666627884, 1.63450956, 1.80357671, 1.63450956, 1.80357671,
       0.971244991, 0.666627884, 1.75600159, 1.89087069, 1.75600159, 1.89087069, 1.16550791, 0.878663599,
       1.75600159, 1.89087069, 1.75600159, 1.89087069, 1.84213376, 0.878663599, 1.75600159, 1.57212198,
       1.75600159, 1.05218065, 1.84213376, 0.878663599},
      {1, 2, 3, 6}));
  EXPECT_TRUE(idx.equal(tensor(std::vector<int64_t>
      {19, 6, 9, 20, 9, 22, 31, 6, 9, 20, 9, 34, 31, 20, 31, 20, 23, 34, 19, 8, 19, 8, 11, 22, 19, 8, 19, 8, 35,
       22, 19, 30, 19, 32, 35, 22},
      {1, 2, 3, 6})));
  // the values path (oneDNN in float32) gives the same values
  EXPECT_TENSOR_CLOSE(F::max_pool2d(x, F::Size2(3, 2), F::Size2(2, 1), 1, 2, true), y, 0, 0);
}

TEST(NNPooling, AvgPool2dCeilModeAndPaddingCountMatchPyTorch) {
  Tensor x = wave({1, 2, 6, 7}, 0.4);
  // F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True / False)
  EXPECT_TENSOR_CLOSE(F::avg_pool2d(x, 3, 2, 1, true, true), ref(
      {0.113321252, 0.112548023, -0.00579016097, -0.0660288185, 0.0760985315, -0.00824033562, -0.156944484,
       -0.149273396, 0.153443471, 0.195998803, 0.0717785358, -0.0348213725, 0.270015925, 0.476911455,
       0.367363125, 0.103987455, -0.117778301, -0.133005753, -0.0232552085, 0.0485566072, -0.0973404273,
       -0.0292778239, 0.128044426, 0.141092837, -0.149985686, -0.21132949, -0.10622023, 0.00931501761,
       -0.235190436, -0.466436744, -0.413173527, -0.154466212},
      {1, 2, 4, 4}));
  EXPECT_TENSOR_CLOSE(F::avg_pool2d(x, 3, 2, 1, true, false), ref(
      {0.254972816, 0.168822035, -0.00868524145, -0.148564845, 0.114147805, -0.00824033562, -0.156944484,
       -0.223910093, 0.230165198, 0.195998803, 0.0717785358, -0.0522320569, 0.810047746, 0.953822911,
       0.73472625, 0.311962366, -0.265001178, -0.199508622, -0.0348828137, 0.109252363, -0.146010637,
       -0.0292778239, 0.128044426, 0.21163924, -0.224978521, -0.21132949, -0.10622023, 0.0139725255,
       -0.705571294, -0.932873487, -0.826347053, -0.463398635},
      {1, 2, 4, 4}));
  // F.avg_pool2d(x, (2, 3), (2, 2), (1, 1), divisor_override=5)
  EXPECT_TENSOR_CLOSE(F::avg_pool2d(x, F::Size2(2, 3), 2, 1, false, true, 5), ref(
      {0.217110708, 0.520584226, 0.545760334, 0.255266964, -0.207873583, -0.296910346, -0.154551536,
       0.00788146257, -0.0478208438, -0.219495922, -0.311634362, -0.187463418, 0.324019104, 0.572293758,
       0.440835774, 0.124784946, -0.159256488, -0.473261207, -0.567225814, -0.301666588, 0.196355984,
       0.30877474, 0.197692543, 0.0280028582, 0.0122543098, 0.17933102, 0.304611832, 0.202126473, -0.282228529,
       -0.559724092, -0.495808214, -0.185359448},
      {1, 2, 4, 4}));
}

TEST(NNPooling, AdaptiveAvgPool2dMatchesPyTorch) {
  // F.adaptive_avg_pool2d(x, (3, 4)) on a 5x7 input: overlapping, uneven bins
  Tensor x = wave({1, 2, 5, 7}, 0.9);
  EXPECT_TENSOR_CLOSE(F::adaptive_avg_pool2d(x, F::Size2(3, 4)), ref(
      {0.184710011, 0.0533385165, -0.132216439, -0.237122923, 0.00419075275, -0.114494033, -0.214277878,
       -0.222653672, -0.177543655, -0.249127328, -0.2342062, -0.143622652, 0.0987765342, -0.0457943864,
       -0.206410825, -0.26636228, -0.0823580921, -0.178181827, -0.222983897, -0.184209228, -0.23961173,
       -0.258902818, -0.174899399, -0.048641935},
      {1, 2, 3, 4}));
  Tensor g = F::adaptive_avg_pool2d(wave({2, 3, 4, 6}), 1);  // global average pooling
  EXPECT_EQ(g.sizes(), (Shape{2, 3, 1, 1}));
  EXPECT_TENSOR_CLOSE(g.reshape({6}), wave({2, 3, 4, 6}).reshape({6, 24}).sum({1}) / 24.0);
}

// ---- gradients --------------------------------------------------------------------------------------

TEST(NNPooling, MaxPool2dGradcheckWithPaddingDilationCeil) {
  // freq 2.3 makes every window's maximum unique, so the max is differentiable there
  Tensor x = wave({2, 2, 7, 6}, 0.0, 2.0, kFloat64, 2.3).requires_grad_(true);
  EXPECT_TRUE(gradcheck([](const TensorList& t) {
    return F::max_pool2d(t[0], F::Size2(3, 2), F::Size2(2, 1), 1, 2, true);
  }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::max_pool2d(t[0], 3, 2, 1); }, {x}));
}

TEST(NNPooling, AvgPool2dGradcheck) {
  Tensor x = leaf64({2, 2, 6, 7}, 0.4);
  for (bool include : {true, false})
    EXPECT_TRUE(gradcheck([include](const TensorList& t) { return F::avg_pool2d(t[0], 3, 2, 1, true, include); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::avg_pool2d(t[0], F::Size2(2, 3), 2, 1, false, true, 5); },
                        {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::adaptive_avg_pool2d(t[0], F::Size2(4, 3)); }, {x}));
}

// ---- oneDNN float32 against the float64 loops ----------------------------------------------------------

TEST(NNPooling, OneDnnFloat32MatchesFloat64Loops) {
  std::vector<std::function<Tensor(const Tensor&)>> cases = {
      [](const Tensor& x) { return F::max_pool2d(x, 2); },
      [](const Tensor& x) { return F::max_pool2d(x, 3, 2, 1); },
      [](const Tensor& x) { return F::max_pool2d(x, F::Size2(3, 2), F::Size2(2, 1), 1, 2, true); },
      [](const Tensor& x) { return F::avg_pool2d(x, 3, 2, 1); },
      [](const Tensor& x) { return F::avg_pool2d(x, 3, 2, 1, true, false); },
      [](const Tensor& x) { return F::avg_pool2d(x, 3, 2, 1, true, true); },  // ceil-cut windows: the loops
      [](const Tensor& x) { return F::adaptive_avg_pool2d(x.narrow(2, 0, 12), F::Size2(4, 11)); },  // tiles
      [](const Tensor& x) { return F::adaptive_avg_pool2d(x, F::Size2(5, 3)); },  // overlapping bins
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    Tensor x32 = wave({4, 16, 13, 11}, 0.0, 1.0, kFloat32, 2.3).requires_grad_(true);
    Tensor x64 = wave({4, 16, 13, 11}, 0.0, 1.0, kFloat64, 2.3).requires_grad_(true);
    Tensor y32 = cases[i](x32), y64 = cases[i](x64);
    EXPECT_TENSOR_CLOSE(y32, y64, 1e-6, 1e-5);
    Tensor up = wave(y64.sizes(), 1.0, 1.0, kFloat64);
    (y32 * up.to(kFloat32)).sum().backward();
    (y64 * up).sum().backward();
    EXPECT_TENSOR_CLOSE(x32.grad(), x64.grad(), 1e-6, 1e-5);
  }
}

TEST(NNPooling, MaxPoolPropagatesNaNInTheLoops) {
  Tensor x = wave({1, 1, 4, 4}, 0, 1, kFloat64);
  x.index_put_({0, 0, 1, 1}, std::nan(""));
  Tensor y = F::max_pool2d(x, 2);
  EXPECT_TRUE(std::isnan(y.index({0, 0, 0, 0}).item<double>()));
  EXPECT_FALSE(std::isnan(y.index({0, 0, 1, 1}).item<double>()));
}

// ---- modules -------------------------------------------------------------------------------------------

TEST(NNPooling, ModulesAndRepr) {
  nn::MaxPool2d mp(3, 2, 1);
  EXPECT_EQ(mp.forward(wave({2, 3, 9, 9})).sizes(), (Shape{2, 3, 5, 5}));
  EXPECT_EQ(mp.repr(), "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)");
  EXPECT_EQ(nn::MaxPool2d(2).repr(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(nn::MaxPool2d(F::Size2(3, 2), F::Size2(2, 1), 1, 2, true, true).repr(),
            "MaxPool2d(kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=2, ceil_mode=True)");
  EXPECT_EQ(nn::AvgPool2d(2).repr(), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(nn::AvgPool2d(3, 2, 1, true, false, 4).repr(), "AvgPool2d(kernel_size=3, stride=2, padding=1)");
  EXPECT_EQ(nn::AdaptiveAvgPool2d(F::Size2(2, 3)).repr(), "AdaptiveAvgPool2d(output_size=(2, 3))");
  EXPECT_EQ(nn::AdaptiveAvgPool2d(1).repr(), "AdaptiveAvgPool2d(output_size=1)");
  nn::MaxPool2d with_idx(2, std::nullopt, 0, 1, /*return_indices=*/true);
  auto [v, i] = with_idx.forward_with_indices(wave({1, 1, 4, 4}));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(v.sizes(), (Shape{1, 1, 2, 2}));
  EXPECT_ERROR_HAS(with_idx.forward(wave({1, 1, 4, 4})), "forward_with_indices");
  // unbatched (C,H,W)
  EXPECT_EQ(nn::AvgPool2d(2).forward(wave({3, 4, 6})).sizes(), (Shape{3, 2, 3}));
}

TEST(NNPooling, BadInputsRaiseClearErrors) {
  EXPECT_ERROR_HAS(F::max_pool2d(wave({1, 1, 5, 5}), 3, 1, 2), "pad should be at most half");
  EXPECT_ERROR_HAS(F::max_pool2d(wave({1, 1, 2, 2}), 3), "too small");
  EXPECT_ERROR_HAS(F::max_pool2d(wave({4, 4}), 2), "3D (C,H,W) or 4D");
  EXPECT_ERROR_HAS(F::max_pool2d(wave({1, 1, 4, 4}), 0), "kernel size should be greater than zero");
  EXPECT_ERROR_HAS(F::avg_pool2d(wave({1, 1, 4, 4}), 2, 2, 0, false, true, 0), "divisor");
  EXPECT_ERROR_HAS(F::adaptive_avg_pool2d(wave({1, 1, 4, 4}), 0), "output_size");
  EXPECT_ERROR_HAS(F::max_pool2d(tensor(std::vector<int64_t>(16, 1), {1, 1, 4, 4}), 2), "floating-point");
}

// Convolutions: conv1d / conv2d / conv_transpose2d against PyTorch's numbers, float64
// finite-difference gradients (stride, padding incl. "same", dilation, groups), the oneDNN
// float32 path against the float64 loops, primitive caching, the modules and their errors.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "../src/backend/cpu/dnnl_cache.h"
#include "support/testing.h"
#include "test_nn_util.h"

using namespace ember;
using namespace ember::nntest;
namespace F = ember::nn::functional;
using ember::testing::gradcheck;

// ---- forward values against PyTorch 1.13 -------------------------------------------------------

TEST(NNConv, Conv2dStridePaddingDilationGroupsMatchesPyTorch) {
  // F.conv2d(x, w, b, stride=2, padding=(1, 2), dilation=(2, 1), groups=2)
  Tensor x = wave({1, 4, 7, 6}), w = wave({6, 2, 3, 2}, 1.0), b = wave({6}, 2.0);
  Tensor y = F::conv2d(x, w, b, 2, F::ConvPadding(1, 2), F::Size2(2, 1), 2);
  Tensor expected = ref(
      {0.909297407,  4.54389429,   3.71611333,  1.42019105,   0.909297407, 0.909297407,  1.29504681,   2.37146711,
       2.68308067,   0.909297407,  0.909297407, -1.21883535,  1.13766849,  3.3747201,    0.909297407,  0.697277725,
       0.375735253,  1.57971489,   2.32212448,  0.697277725,  0.697277725, -3.16815639,  -1.29564524,  1.61928988,
       0.697277725,  0.697277725,  0.672248483, -1.23121953,  -2.12596154, 0.697277725,  0.390884787,  -3.07070088,
       -2.89074063,  -0.994283915, 0.390884787, 0.390884787,  2.08499503,  0.00103980303, -1.87900221, 0.390884787,
       0.390884787,  2.53248525,   1.20017266,  -0.555448174, 0.390884787, 0.0315873995, 2.45029616,   1.61438227,
       -0.0494328663, 0.0315873995, 0.0315873995, 2.80994344, 2.76002979,  1.28296924,   0.0315873995, 0.0315873995,
       -2.16958904,  0.351051748,  2.70459247,  0.0315873995, -0.331985176, 1.28008223,  2.42212272,   2.12359166,
       -0.331985176, -0.331985176, -4.22853804, -2.40096712,  0.508811593, -0.331985176, -0.331985176, -1.54702187,
       -2.02274132,  -1.61408901,  -0.331985176, -0.65062511, -3.93673277, -3.71531248,  -1.89086795,  -0.65062511,
       -0.65062511,  -1.33237779,  -2.26581836, -2.35441113,  -0.65062511, -0.65062511,  2.20432138,   -0.0603506565,
       -2.63377333,  -0.65062511},
      {1, 6, 3, 5});
  EXPECT_TENSOR_CLOSE(y, expected);
}

TEST(NNConv, Conv2dSamePaddingEvenKernelMatchesPyTorch) {
  // F.conv2d(x, w, padding='same', dilation=(1, 2)) with a 4x3 kernel: the odd extra row of
  // padding goes at the bottom, as PyTorch does.
  Tensor x = wave({1, 2, 5, 6}), w = wave({3, 2, 4, 3}, 0.5);
  Tensor y = F::conv2d(x, w, Tensor(), 1, "same", F::Size2(1, 2));
  Tensor expected = ref(
      {3.2739501,    3.6373713,    5.355093,     4.82795,      3.00142407,   1.98952413,  1.14597988,   0.11615704,
       -0.632858038, -2.08980155,  -1.8758918,   -2.53374696,  -2.79046488,  -2.35602903, -2.92109632,  -1.63443315,
       -0.594683945, 0.460364848,  1.17776108,   2.3887248,    4.13172197,   5.10798645,  3.63003206,   3.59168458,
       2.98286438,   2.28997755,   2.63591766,   1.02109635,   0.099331446,  -1.08604634, -3.7633009,   -3.4202013,
       -4.49434423,  -3.06362772,  -1.54919028,  -0.196973443, 0.439146042,  1.43756318,  2.74955845,   3.72238708,
       2.77884507,   2.90234303,   1.99928737,   1.11593235,   0.890567541,  -0.662326157, -0.993676424, -1.91522694,
       -2.72132182,  -3.40437365,  -5.17626524,  -5.11840725,  -3.25932002,  -2.5386827,  -1.82038546,  -0.720661879,
       -0.167657539, 1.56154358,   1.62693787,   2.53771973,   3.16311812,   2.21283126,  2.33241463,   0.412338912,
       -0.351557553, -1.6526041,   -1.8971318,   -2.57508707,  -4.07022047,  -4.2772851,  -2.87727976,  -2.43066669,
       -0.629285455, 0.447243571,  1.39779556,   2.76733208,   2.29435205,   2.81560135,  3.47701883,   3.43440437,
       4.72220087,   3.64697075,   1.94498539,   0.750693142,  0.130877495,  -1.05729616, -2.34914207,  -3.69209266,
       -2.88218355,  -3.25468493},
      {1, 3, 5, 6});
  EXPECT_TENSOR_CLOSE(y, expected);
}

TEST(NNConv, Conv1dMatchesPyTorch) {
  // F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=3)
  Tensor x = wave({2, 3, 9}), w = wave({6, 1, 3}, 0.3), b = wave({6}, 1.3);
  Tensor y = F::conv1d(x, w, b, 2, 1, 2, 3);
  Tensor expected = ref(
      {1.96057057,   2.45564699,   2.2771318,    1.57305861,   2.09842348,   3.03269339,   3.25811577,  2.45657659,
       0.873803139,  0.449069768,  0.150812566,  0.283673346,  1.97626328,   2.48639941,   2.13016701,  1.35576057,
       -0.989582479, -1.81422877,  -1.49806643,  -0.598684907, 0.249658421,  -0.117143914, -0.424209595, -0.352019608,
       -0.393874764, -0.464634299, 0.268966973,  0.77574867,   -0.624441624, -1.32797003,  -0.624913454, 0.352822006,
       1.0032959,    1.59482241,   1.60073149,   1.14035296,   -0.916191041, -0.962260664, 0.0200513005, 0.579496682,
       1.88290215,   2.38381386,   1.28174281,   0.34520638,   -0.215086341, 0.349916369,  0.500255823, 0.111321516},
      {2, 6, 4});
  EXPECT_TENSOR_CLOSE(y, expected);
}

TEST(NNConv, ConvTranspose2dMatchesPyTorch) {
  // F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)
  Tensor x = wave({1, 4, 2, 3}), w = wave({4, 1, 3, 3}, 0.7), b = wave({2}, 0.2);
  Tensor y = F::conv_transpose2d(x, w, b, 2, 1, 1, 2);
  Tensor expected = ref(
      {-0.357666731, -0.239403084, 0.129229292,  0.685481131,  0.625523746,  0.503851712,  1.42585754,   2.90584517,
       1.69616747,   3.25899172,   1.76379824,   1.73424613,   1.06404543,   2.2213254,    1.3854425,    2.62441635,
       1.54621542,   1.0488987,    0.00433088839, -0.13032113, -0.123686299, -0.401032448, -0.208074197, -0.797604978,
       -0.13408953,  -0.958757818, -0.272015631, -1.04223824,  -0.300089061, 0.325684845,  -0.395100057, -0.781630814,
       0.173399627,  0.392790496,  0.791467249,  1.31815195,   -0.214510143, -0.584581316, -0.026861608, -0.10538584,
       0.237459123,  0.52019006,   1.52746725,   2.32056189,   1.34574723,   1.93053746,   1.05492353,   1.2345525},
      {1, 2, 4, 6});
  EXPECT_TENSOR_CLOSE(y, expected);
}

TEST(NNConv, UnbatchedInputMatchesBatched) {
  Tensor x = wave({3, 6, 5}), w = wave({4, 3, 3, 3}, 1.0), b = wave({4}, 0.3);
  Tensor y = F::conv2d(x, w, b, 1, 1);
  ASSERT_EQ(y.sizes(), (Shape{4, 6, 5}));
  EXPECT_TENSOR_CLOSE(y, F::conv2d(x.unsqueeze(0), w, b, 1, 1).squeeze(0), 0, 0);
  Tensor x1 = wave({3, 8});
  EXPECT_EQ(F::conv1d(x1, wave({2, 3, 3}), Tensor()).sizes(), (Shape{2, 6}));
}

// ---- gradients: float64 finite differences ------------------------------------------------------

TEST(NNConv, Conv2dGradcheckStrideDilationGroups) {
  Tensor x = leaf64({2, 4, 7, 6}), w = leaf64({6, 2, 3, 2}, 1.0), b = leaf64({6}, 2.0);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::conv2d(t[0], t[1], t[2], F::Size2(2, 1), F::ConvPadding(1, 2),
                                                                     F::Size2(2, 1), 2); },
                        {x, w, b}));
}

TEST(NNConv, Conv2dGradcheckSamePaddingAndStridedInput) {
  Tensor x = leaf64({1, 2, 5, 6}), w = leaf64({3, 2, 4, 3}, 0.5);
  // the input is used transposed (a strided view) to test non-contiguous inputs too
  EXPECT_TRUE(gradcheck([](const TensorList& t) {
    return F::conv2d(t[0].transpose(2, 3), t[1], Tensor(), 1, "same", F::Size2(1, 2));
  }, {x, w}));
}

TEST(NNConv, Conv1dGradcheck) {
  Tensor x = leaf64({2, 3, 9}), w = leaf64({6, 1, 3}, 0.3), b = leaf64({6}, 1.3);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::conv1d(t[0], t[1], t[2], 2, 1, 2, 3); }, {x, w, b}));
}

TEST(NNConv, ConvTranspose2dGradcheck) {
  Tensor x = leaf64({2, 4, 3, 3}), w = leaf64({4, 2, 3, 2}, 0.7), b = leaf64({4}, 0.2);
  EXPECT_TRUE(gradcheck([](const TensorList& t) {
    return F::conv_transpose2d(t[0], t[1], t[2], F::Size2(2, 1), F::Size2(1, 0), F::Size2(1, 0), 2, F::Size2(1, 2));
  }, {x, w, b}));
}

// ---- oneDNN (float32) against the float64 loops, forward and backward ------------------------------

namespace {
// Runs fn in float32 (oneDNN) and float64 (loops) on the same values; compares y and every gradient.
void expect_f32_matches_f64(const std::function<Tensor(const TensorList&)>& fn, const std::vector<Shape>& shapes) {
  TensorList in32, in64;
  for (size_t i = 0; i < shapes.size(); ++i) {
    in64.push_back(wave(shapes[i], 0.3 * i, 1.0, kFloat64).requires_grad_(true));
    in32.push_back(wave(shapes[i], 0.3 * i, 1.0, kFloat32).requires_grad_(true));
  }
  Tensor y32 = fn(in32), y64 = fn(in64);
  EXPECT_TENSOR_CLOSE(y32, y64, 1e-4, 1e-4);
  Tensor up = wave(y64.sizes(), 2.0, 1.0, kFloat64);
  (y32 * up.to(kFloat32)).sum().backward();
  (y64 * up).sum().backward();
  for (size_t i = 0; i < shapes.size(); ++i) EXPECT_TENSOR_CLOSE(in32[i].grad(), in64[i].grad(), 1e-3, 1e-4);
}
}  // namespace

TEST(NNConv, OneDnnFloat32MatchesFloat64Loops) {
  expect_f32_matches_f64([](const TensorList& t) { return F::conv2d(t[0], t[1], t[2], 1, 1); },
                         {{4, 8, 12, 12}, {16, 8, 3, 3}, {16}});
  expect_f32_matches_f64([](const TensorList& t) {
    return F::conv2d(t[0], t[1], t[2], F::Size2(2, 3), F::ConvPadding(2, 1), F::Size2(2, 1), 4);
  }, {{3, 8, 11, 13}, {12, 2, 3, 3}, {12}});
  expect_f32_matches_f64([](const TensorList& t) { return F::conv1d(t[0], t[1], t[2], 1, "same", 3); },
                         {{2, 5, 20}, {7, 5, 4}, {7}});
  expect_f32_matches_f64([](const TensorList& t) {
    return F::conv_transpose2d(t[0], t[1], t[2], 2, 1, 1, 3);
  }, {{2, 6, 5, 4}, {6, 2, 3, 3}, {6}});
}

TEST(NNConv, TrainingLoopBuildsEachPrimitiveOnce) {
  auto conv = std::make_shared<nn::Conv2d>(3, 8, 3, 1, 1);
  Tensor x = wave({4, 3, 10, 10}).requires_grad_(true);
  auto step = [&] {
    conv->zero_grad();
    x.set_grad(Tensor());
    (conv->forward(x) * 0.5).sum().backward();
  };
  step();  // builds the forward, backward-data and backward-weights primitives
  const int64_t built = cpu::dnnl_cache_misses();
  for (int i = 0; i < 3; ++i) step();
  EXPECT_EQ(cpu::dnnl_cache_misses(), built);
  EXPECT_TRUE(conv->weight.grad().defined());
}

// ---- modules --------------------------------------------------------------------------------------

TEST(NNConv, ModulesHavePyTorchShapesAndInit) {
  nn::Conv2d c(6, 4, F::Size2(3, 5), 1, 0, 1, 2);
  EXPECT_EQ(c.weight.sizes(), (Shape{4, 3, 3, 5}));
  EXPECT_EQ(c.bias.sizes(), (Shape{4}));
  // kaiming_uniform(a=sqrt(5)) and the bias both give U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 3*3*5
  const double bound = 1.0 / std::sqrt(45.0);
  EXPECT_LE(max_abs(c.weight), bound);
  EXPECT_GT(max_abs(c.weight), 0.8 * bound);
  EXPECT_LE(max_abs(c.bias), bound);
  nn::Conv1d c1(4, 6, 5, 1, 0, 1, 2, false);
  EXPECT_EQ(c1.weight.sizes(), (Shape{6, 2, 5}));
  EXPECT_FALSE(c1.bias.defined());
  EXPECT_EQ(c1.named_parameters().size(), 1u);
  nn::ConvTranspose2d t(4, 6, 3, 2, 1, 1, 2);
  EXPECT_EQ(t.weight.sizes(), (Shape{4, 3, 3, 3}));  // (in, out/groups, kh, kw)
  EXPECT_EQ(t.forward(wave({1, 4, 5, 5})).sizes(), (Shape{1, 6, 10, 10}));
  EXPECT_EQ(c.forward(wave({2, 6, 7, 9})).sizes(), (Shape{2, 4, 5, 5}));
}

TEST(NNConv, ModuleReprLikePyTorch) {
  EXPECT_EQ(nn::Conv2d(3, 5, 3, 1, 1).repr(), "Conv2d(3, 5, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
  EXPECT_EQ(nn::Conv2d(3, 6, F::Size2(3, 5), F::Size2(2, 1), F::ConvPadding(1, 2), 2, 3, false).repr(),
            "Conv2d(3, 6, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(2, 2), groups=3, bias=False)");
  EXPECT_EQ(nn::Conv2d(3, 6, 3, 1, "same").repr(), "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), padding=same)");
  EXPECT_EQ(nn::Conv2d(3, 6, 3, 1, "valid").repr(), "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), padding=valid)");
  EXPECT_EQ(nn::Conv1d(3, 4, 3).repr(), "Conv1d(3, 4, kernel_size=(3,), stride=(1,))");
  EXPECT_EQ(nn::Conv1d(4, 8, 5, 2, 2, 2, 2, false).repr(),
            "Conv1d(4, 8, kernel_size=(5,), stride=(2,), padding=(2,), dilation=(2,), groups=2, bias=False)");
  EXPECT_EQ(nn::ConvTranspose2d(4, 6, 3, 2, 1, 1, 2).repr(),
            "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2)");
  EXPECT_EQ(nn::ConvTranspose2d(4, 6, 3).repr(), "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(1, 1))");
}

TEST(NNConv, BadInputsRaiseClearErrors) {
  Tensor w = wave({4, 3, 3, 3});
  EXPECT_ERROR_HAS(F::conv2d(wave({2, 5, 8, 8}), w), "has 5 channels but weight");
  EXPECT_ERROR_HAS(F::conv2d(wave({8, 8}), w), "expected 3D (unbatched) or 4D");
  EXPECT_ERROR_HAS(F::conv2d(wave({1, 3, 2, 2}), w), "smaller than the");
  EXPECT_ERROR_HAS(F::conv2d(wave({1, 3, 8, 8}), w, wave({5})), "bias");
  EXPECT_ERROR_HAS(F::conv2d(wave({1, 3, 8, 8}), w, Tensor(), 2, "same"), "strided");
  EXPECT_ERROR_HAS(F::conv2d(wave({1, 3, 8, 8}), w, Tensor(), 1, "full"), "'full'");
  EXPECT_ERROR_HAS(F::conv2d(wave({1, 3, 8, 8}, 0, 1, kFloat64), w), "same dtype");
  EXPECT_ERROR_HAS(nn::Conv2d(3, 4, 3, 1, 0, 1, 2), "divisible by groups");
  EXPECT_ERROR_HAS(nn::Conv2d(3, 4, 3, 2, "same"), "strided");
  EXPECT_ERROR_HAS(nn::ConvTranspose2d(4, 4, 3, 1, 0, 1), "output padding");
}

TEST(NNConv, DoubleBackwardIsReportedNotWrong) {
  Tensor x = leaf64({1, 2, 5, 5}), w = leaf64({3, 2, 3, 3});
  Tensor y = F::conv2d(x, w);
  EXPECT_ERROR_HAS(autograd::grad({y.sum()}, {x}, {}, true, /*create_graph=*/true), "double backward through conv2d is not supported");
}

// An empty weight reached oneDNN, whose dnnl::error (not an ember::Error) escaped; PyTorch
// rejects it ("expected weight to be at least 1 at dimension 0").
TEST(ConvBadInput, EmptyWeightIsAnError) {
  EXPECT_ERROR_HAS(F::conv2d(randn({1, 3, 5, 5}), randn({0, 3, 3, 3})), "conv2d", "non-empty weight", "(0,3,3,3)");
  EXPECT_ERROR_HAS(F::conv1d(randn({1, 3, 5}), randn({0, 3, 3})), "conv1d", "non-empty weight");
  EXPECT_ERROR_HAS(F::conv_transpose2d(randn({1, 3, 5, 5}), randn({3, 0, 3, 3})), "conv_transpose2d",
                   "non-empty weight", "(3,0,3,3)");
}

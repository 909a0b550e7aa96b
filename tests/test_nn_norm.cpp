// Normalisation layers: batch norm (training/eval, running statistics with momentum and the
// cumulative average, num_batches_tracked, state_dict keys), layer norm and group norm against
// PyTorch's numbers and float64 finite differences; oneDNN float32 against the loops.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"
#include "test_nn_util.h"

using namespace ember;
using namespace ember::nntest;
namespace F = ember::nn::functional;
using ember::testing::gradcheck;

namespace {
std::vector<std::string> keys(const nn::StateDict& sd) {
  std::vector<std::string> k;
  for (auto& [n, t] : sd) k.push_back(n);
  return k;
}
}  // namespace

// ---- batch norm ----------------------------------------------------------------------------------

TEST(NNBatchNorm, FunctionalTrainingMatchesPyTorchAndUpdatesRunningStats) {
  Tensor x = wave({4, 3, 2, 2}, 0.1, 2.0) + 0.5;
  Tensor rm = wave({3}, 0.5), rv = wave({3}, 0.8).abs() + 0.5;
  Tensor w = wave({3}, 1.1), b = wave({3}, 2.2);
  // F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3, eps=1e-3)
  Tensor y = F::batch_norm(x, rm, rv, w, b, true, 0.3, 1e-3);
  EXPECT_TENSOR_CLOSE(y, ref(
      {0.773830235, 1.20959198, 1.56969798, 1.80540967, 1.86717713, 1.76395357, 1.47793067, 1.04782069,
       0.464571357, -0.0353176817, -0.482618332, -0.816790462, -0.565364003, -0.559637785, -0.390110344,
       -0.0797263533, 0.0350985602, 0.56834352, 1.08060956, 1.50256395, 1.63462138, 1.71914351, 1.61879587,
       1.34716034, 1.18166196, 0.742819071, 0.291496038, -0.111222766, -0.836975813, -1.02067316, -1.01028335,
       -0.80721277, -0.447578669, 0.00683189649, 0.50812614, 0.988456249, 1.58084059, 1.81124091, 1.8845551,
       1.79086041, 1.46433663, 1.02993309, 0.512076616, -0.0191432554, -0.497267187, -0.826292276, -0.995674253,
       -0.982488036},
      {4, 3, 2, 2}));
  // running_var uses the unbiased batch variance (n/(n-1)), as PyTorch
  EXPECT_TENSOR_CLOSE(rm, ref({0.562349796, 0.737701595, 0.74484843}, {3}));
  EXPECT_TENSOR_CLOSE(rv, ref({1.51917183, 1.59361315, 1.68671918}, {3}));
}

TEST(NNBatchNorm, FunctionalEvalUsesRunningStats) {
  Tensor x = wave({4, 3, 2, 2}, 0.1, 2.0) + 0.5;
  Tensor rm = wave({3}, 0.5), rv = wave({3}, 0.8).abs() + 0.5;
  Tensor rm0 = rm.clone(), rv0 = rv.clone();
  Tensor y = F::batch_norm(x, rm, rv, wave({3}, 1.1), wave({3}, 2.2), false, 0.1, 1e-3);
  EXPECT_TENSOR_CLOSE(y, ref(
      {0.986320436, 1.55643392, 2.02756596, 2.33595109, 1.98915887, 1.87067664, 1.5423733, 1.04868376,
       -0.0223037172, -0.59823823, -1.11358428, -1.49859226, -0.765767217, -0.758275509, -0.536480248,
       -0.1304003, -0.113740802, 0.498329341, 1.08631945, 1.57064795, 1.32573974, 1.42311978, 1.3075068,
       0.994548798, 1.51989269, 0.945748091, 0.355275482, -0.171607509, -1.11472678, -1.32557857, -1.31365299,
       -1.08056414, -1.07321429, -0.549676657, 0.0278768074, 0.581276953, 2.04214406, 2.34358001, 2.43949819,
       2.31691599, 1.52676976, 1.02815187, 0.433744967, -0.176000744, -1.13046157, -1.5095396, -1.70468867,
       -1.68949652},
      {4, 3, 2, 2}));
  EXPECT_TRUE(rm.equal(rm0));  // eval leaves the statistics alone
  EXPECT_TRUE(rv.equal(rv0));
}

TEST(NNBatchNorm, CumulativeAverageWithMomentumNone) {
  // m = nn.BatchNorm1d(3, momentum=None); three training batches (N,C,L); then eval
  nn::BatchNorm1d m(3, 1e-5, std::nullopt);
  for (int k = 0; k < 3; ++k) m.forward(wave({5, 3, 4}, 0.3 * k, 1.0 + k));
  EXPECT_EQ(m.num_batches_tracked.item<int64_t>(), 3);
  EXPECT_EQ(m.num_batches_tracked.dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(m.running_mean, ref({0.178487569, 0.423589677, -0.101672456}, {3}));
  EXPECT_TENSOR_CLOSE(m.running_var, ref({2.3567946, 2.29094911, 2.37018013}, {3}));
  m.eval();
  EXPECT_TENSOR_CLOSE(m.forward(wave({2, 3, 4}, 1.7)), ref(
      {0.529691994, 0.455628961, 0.30416283, 0.0957939252, -0.305226088, -0.542245328, -0.743751585,
       -0.882471859, -0.582611918, -0.551015615, -0.435903668, -0.252855867, -0.209214732, 0.030216068,
       0.249821424, 0.41987884, 0.362820059, 0.374720782, 0.298027396, 0.143120006, 0.273309052, 0.0366770253,
       -0.195980772, -0.393175215},
      {2, 3, 4}));
  EXPECT_EQ(m.num_batches_tracked.item<int64_t>(), 3);  // eval does not count
}

TEST(NNBatchNorm, TrainEvalAndTrackRunningStatsFalse) {
  Tensor x = wave({6, 4, 3, 3}, 0.2, 3.0) + 1.0;
  nn::BatchNorm2d bn(4);
  Tensor y_train = bn.forward(x);
  // normalised per channel: mean 0, biased variance 1 (up to eps)
  Tensor per_channel = y_train.transpose(0, 1).reshape({4, 54});
  EXPECT_TENSOR_CLOSE(per_channel.sum({1}) / 54.0, zeros({4}), 1e-5, 0);
  EXPECT_TENSOR_CLOSE((per_channel * per_channel).sum({1}) / 54.0, ones({4}), 1e-3, 0);
  bn.eval();
  Tensor y_eval = bn.forward(x);
  EXPECT_FALSE(y_eval.allclose(y_train, 1e-3, 1e-3));  // eval normalises with the running statistics
  // without running statistics, eval still uses the batch statistics
  nn::BatchNorm2d nostats(4, 1e-5, 0.1, true, false);
  EXPECT_FALSE(nostats.running_mean.defined());
  EXPECT_EQ(keys(nostats.state_dict()), (std::vector<std::string>{"weight", "bias"}));
  nostats.eval();
  EXPECT_TENSOR_CLOSE(nostats.forward(x), y_train, 1e-6, 1e-5);
  nn::BatchNorm2d noaffine(4, 1e-5, 0.1, false);
  EXPECT_EQ(keys(noaffine.state_dict()),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_TENSOR_CLOSE(noaffine.forward(x), y_train, 1e-6, 1e-5);  // weight 1, bias 0 by default
}

TEST(NNBatchNorm, StateDictKeysAndReprLikePyTorch) {
  nn::Sequential net({std::make_shared<nn::Conv2d>(3, 5, 3, 1, 1), std::make_shared<nn::BatchNorm2d>(5),
                      std::make_shared<nn::ReLU>()});
  EXPECT_EQ(keys(net.state_dict()),
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                      "1.num_batches_tracked"}));
  EXPECT_EQ(keys(net.named_parameters()).size(), 4u);
  EXPECT_EQ(net.repr(),
            "Sequential(\n"
            "  (0): Conv2d(3, 5, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (1): BatchNorm2d(5, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
            "  (2): ReLU()\n"
            ")");
  EXPECT_EQ(nn::BatchNorm2d(3, 1e-3, std::nullopt, false, false).repr(),
            "BatchNorm2d(3, eps=0.001, momentum=None, affine=False, track_running_stats=False)");
  EXPECT_EQ(nn::BatchNorm1d(4, 1e-5, 0.2).repr(),
            "BatchNorm1d(4, eps=1e-05, momentum=0.2, affine=True, track_running_stats=True)");
  // a named child: bn1.running_mean, bn1.num_batches_tracked
  struct Net : nn::Module {
    std::shared_ptr<nn::BatchNorm1d> bn1;
    Net() : nn::Module("Net") { bn1 = register_module("bn1", std::make_shared<nn::BatchNorm1d>(3)); }
  } named;
  auto k = keys(named.state_dict());
  EXPECT_NE(std::find(k.begin(), k.end(), "bn1.running_mean"), k.end());
  EXPECT_NE(std::find(k.begin(), k.end(), "bn1.num_batches_tracked"), k.end());
  // round trip: load another module's statistics
  named.bn1->forward(wave({4, 3}, 0.5, 2.0));
  Net other;
  other.load_state_dict(named.state_dict());
  EXPECT_TRUE(other.bn1->running_mean.equal(named.bn1->running_mean));
  EXPECT_EQ(other.bn1->num_batches_tracked.item<int64_t>(), 1);
}

TEST(NNBatchNorm, GradcheckTrainingAndEval) {
  Tensor x = leaf64({4, 3, 2, 3}, 0.1, 2.0), w = leaf64({3}, 1.1), b = leaf64({3}, 2.2);
  Tensor rm = wave({3}, 0.5, 1.0, kFloat64), rv = wave({3}, 0.8, 1.0, kFloat64).abs() + 0.5;
  EXPECT_TRUE(gradcheck([&](const TensorList& t) {
    Tensor m = rm.clone(), v = rv.clone();  // each evaluation starts from the same statistics
    return F::batch_norm(t[0], m, v, t[1], t[2], true, 0.1, 1e-3);
  }, {x, w, b}));
  EXPECT_TRUE(gradcheck([&](const TensorList& t) { return F::batch_norm(t[0], rm, rv, t[1], t[2], false, 0.1, 1e-3); },
                        {x, w, b}));
  Tensor x2 = leaf64({5, 4}, 0.3, 2.0);  // (N,C), no affine
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::batch_norm(t[0], Tensor(), Tensor(), Tensor(), Tensor(),
                                                                          true, 0.1, 1e-5); }, {x2}));
}

TEST(NNBatchNorm, Float32MatchesFloat64) {
  for (bool training : {true, false}) {
    SCOPED_TRACE(training ? "training" : "eval");
    TensorList in32, in64;
    for (auto dt : {kFloat32, kFloat64}) {
      TensorList& in = dt == kFloat32 ? in32 : in64;
      in.push_back(wave({8, 16, 5, 7}, 0.1, 2.0, dt).requires_grad_(true));
      in.push_back(wave({16}, 1.1, 1.0, dt).requires_grad_(true));
      in.push_back(wave({16}, 2.2, 1.0, dt).requires_grad_(true));
      in.push_back(wave({16}, 0.5, 1.0, dt));
      in.push_back(wave({16}, 0.8, 1.0, dt).abs() + 0.5);
    }
    Tensor y32 = F::batch_norm(in32[0], in32[3], in32[4], in32[1], in32[2], training, 0.1, 1e-5);
    Tensor y64 = F::batch_norm(in64[0], in64[3], in64[4], in64[1], in64[2], training, 0.1, 1e-5);
    EXPECT_TENSOR_CLOSE(y32, y64, 1e-5, 1e-4);
    EXPECT_TENSOR_CLOSE(in32[3], in64[3], 1e-6, 1e-5);
    EXPECT_TENSOR_CLOSE(in32[4], in64[4], 1e-6, 1e-5);
    Tensor up = wave(y64.sizes(), 0.7, 1.0, kFloat64);
    (y32 * up.to(kFloat32)).sum().backward();
    (y64 * up).sum().backward();
    for (int i = 0; i < 3; ++i) EXPECT_TENSOR_CLOSE(in32[i].grad(), in64[i].grad(), 1e-4, 1e-3);
  }
}

TEST(NNBatchNorm, BadInputsRaiseClearErrors) {
  nn::BatchNorm2d bn(3);
  EXPECT_ERROR_HAS(bn.forward(wave({2, 3, 4})), "expected 4D input (got 3D input");
  EXPECT_ERROR_HAS(nn::BatchNorm1d(3).forward(wave({2, 3, 4, 4})), "expected 2D or 3D input");
  EXPECT_ERROR_HAS(nn::BatchNorm1d(3).forward(wave({1, 3})), "more than 1 value per channel");
  EXPECT_ERROR_HAS(bn.forward(wave({2, 4, 3, 3})), "should have shape (4)");
  EXPECT_ERROR_HAS(F::batch_norm(wave({2, 3}), Tensor(), Tensor(), Tensor(), Tensor(), false), "evaluation mode");
}

// ---- layer norm and group norm ---------------------------------------------------------------------

TEST(NNLayerNorm, MatchesPyTorch) {
  // F.layer_norm(x, (4, 5), weight, bias, eps=1e-4)
  Tensor x = wave({2, 3, 4, 5}, 0.2, 1.5);
  Tensor y = F::layer_norm(x, {4, 5}, wave({4, 5}, 0.6), wave({4, 5}, 1.6), 1e-4);
  EXPECT_TENSOR_CLOSE(y, ref(
      {1.09902322, 1.47761869, 1.75602317, 1.7033658, 1.23007238, 0.450568497, -0.358552307, -0.885455489,
       -0.931099415, -0.502983928, 0.193018407, 0.857903063, 1.24712729, 1.28454924, 1.08500564, 0.876053035,
       0.862269342, 1.10535049, 1.48446548, 1.7586031, 1.63345206, 1.87586904, 1.70040596, 1.10895967,
       0.293250471, -0.449535906, -0.854671299, -0.811599076, -0.408044279, 0.124695912, 0.535470605,
       0.68092078, 0.590786874, 0.438030839, 0.431337535, 0.688528955, 1.15946317, 1.64084041, 1.87671876,
       1.69294798, 1.50765264, 1.27129781, 0.603238404, -0.229824528, -0.908979535, -1.21410322, -1.12071109,
       -0.794476748, -0.488763779, -0.400903374, -0.563913405, -0.830978751, -0.960575402, -0.756585658,
       -0.188248277, 0.575146317, 1.23548341, 1.50806141, 1.2622937, 0.588390887, 0.760620117, 0.212740302,
       -0.409827232, -0.851749778, -0.997298539, -0.915260077, -0.803342819, -0.863811553, -1.17823827,
       -1.64951324, -2.04352379, -2.10993171, -1.71910536, -0.942768037, -0.0344435684, 0.682506144, 0.96348089,
       0.752933443, 0.201050773, -0.420224845, 0.330927551, 0.00262395758, -0.125843406, -0.0551663712,
       0.0625365153, 0.0188720822, -0.321952254, -0.930630267, -1.6079241, -2.07275319, -2.09931207, -1.6328342,
       -0.823772073, 0.0382392555, 0.657802939, 0.867226839, 0.693071842, 0.323838055, -0.0018159803,
       -0.126068667, 0.60730052, 0.783639908, 1.09527504, 1.30209994, 1.17973781, 0.652630568, -0.147550762,
       -0.931283236, -1.38516784, -1.32279074, -0.775327086, 0.02456907, 0.757188857, 1.16963923, 1.19048548,
       0.947584569, 0.682427585, 0.608336031, 0.788780928, 1.10083759},
      {2, 3, 4, 5}));
}

TEST(NNLayerNorm, GradcheckAndModule) {
  Tensor x = leaf64({3, 4, 6}, 0.2, 1.5), w = leaf64({4, 6}, 0.6), b = leaf64({4, 6}, 1.6);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::layer_norm(t[0], {4, 6}, t[1], t[2], 1e-5); }, {x, w, b}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::layer_norm(t[0].transpose(0, 1), {3, 6}); }, {x}));
  nn::LayerNorm ln({6});
  EXPECT_TRUE(ln.weight.equal(ones({6})));
  EXPECT_TRUE(ln.bias.equal(zeros({6})));
  EXPECT_EQ(ln.repr(), "LayerNorm((6,), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(nn::LayerNorm({4, 6}, 1e-6, false).repr(), "LayerNorm((4, 6), eps=1e-06, elementwise_affine=False)");
  EXPECT_TRUE(nn::LayerNorm({4, 6}, 1e-6, false).named_parameters().empty());
  Tensor y = ln.forward(wave({5, 6}, 0.1, 3.0));
  EXPECT_TENSOR_CLOSE(y.sum({1}), zeros({5}), 1e-5, 0);
  EXPECT_ERROR_HAS(ln.forward(wave({5, 7})), "normalized_shape=(6)");
}

TEST(NNGroupNorm, MatchesPyTorch) {
  // F.group_norm(x, 3, weight, bias, eps=1e-4)
  Tensor x = wave({2, 6, 3}, 0.25, 1.5);
  EXPECT_TENSOR_CLOSE(F::group_norm(x, 3, wave({6}, 0.6), wave({6}, 1.6), 1e-4), ref(
      {-0.0836347491, 0.637114644, 1.18797576, 1.64425099, 1.67419899, 1.28239822, 2.19052553, 1.6107676,
       0.95933491, 0.0174311232, -0.524291515, -0.888492763, -0.897725284, -0.782751799, -0.422137648,
       -0.2496676, 0.246174008, 0.763569593, 0.19809112, 1.10057676, 1.59792173, 1.83186018, 1.17309451,
       -0.0916397274, 2.33162546, 1.56432581, 0.818368495, -0.114492856, -0.538646519, -0.695104003, -1.0763011,
       -0.771190464, -0.302424669, -0.153804839, 0.278740734, 0.669690549},
      {2, 6, 3}));
}

TEST(NNGroupNorm, GradcheckAndModule) {
  Tensor x = leaf64({2, 6, 2, 3}, 0.25, 1.5), w = leaf64({6}, 0.6), b = leaf64({6}, 1.6);
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::group_norm(t[0], 2, t[1], t[2], 1e-5); }, {x, w, b}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return F::group_norm(t[0], 6); }, {x}));
  nn::GroupNorm gn(2, 4);
  EXPECT_EQ(gn.repr(), "GroupNorm(2, 4, eps=1e-05, affine=True)");
  EXPECT_EQ(nn::GroupNorm(3, 6, 1e-3, false).repr(), "GroupNorm(3, 6, eps=0.001, affine=False)");
  EXPECT_EQ(gn.forward(wave({3, 4, 5})).sizes(), (Shape{3, 4, 5}));
  EXPECT_ERROR_HAS(nn::GroupNorm(4, 6), "divisible");
  EXPECT_ERROR_HAS(gn.forward(wave({3, 6, 5})), "(N, 4, *)");
  // group norm with one group per channel equals instance normalisation: compare to layer norm per (n, c)
  Tensor x2 = wave({2, 4, 5}, 0.3, 2.0);
  EXPECT_TENSOR_CLOSE(F::group_norm(x2, 4), F::layer_norm(x2, {5}), 1e-6, 1e-5);
}

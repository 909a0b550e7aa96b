// Linear, Embedding, activation modules, Identity / Flatten / Unflatten: values, gradients
// (float64 finite differences), PyTorch's reprs and errors.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"
#include "test_nn_util.h"

using namespace ember;
using namespace ember::nntest;
namespace F = ember::nn::functional;
using ember::testing::gradcheck;

// ---- Linear ------------------------------------------------------------------------------------------

TEST(NNLinear, ComputesXWtPlusBAndBackpropagates) {
  nn::Linear fc(5, 3);
  fc.to(kFloat64);
  Tensor x = leaf64({4, 2, 5}, 0.3);  // (*, in)
  Tensor y = fc.forward(x);
  ASSERT_EQ(y.sizes(), (Shape{4, 2, 3}));
  // y[..., o] = sum_i x[..., i] W[o, i] + b[o], written out with broadcasting
  Tensor expected = (x.unsqueeze(-2) * fc.weight).sum({-1}) + fc.bias;
  EXPECT_TENSOR_CLOSE(y, expected, 1e-12, 1e-12);
  EXPECT_TRUE(gradcheck([&](const TensorList& t) { return F::linear(t[0], t[1], t[2]); },
                        {x, fc.weight, fc.bias}));
  nn::Linear nobias(5, 3, false);
  EXPECT_FALSE(nobias.bias.defined());
  EXPECT_EQ(nobias.named_parameters().size(), 1u);
}

TEST(NNLinear, PyTorchInitAndRepr) {
  nn::Linear fc(784, 128);
  EXPECT_EQ(fc.weight.sizes(), (Shape{128, 784}));
  const double bound = 1.0 / std::sqrt(784.0);  // kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), +)
  EXPECT_LE(max_abs(fc.weight), bound);
  EXPECT_GT(max_abs(fc.weight), 0.99 * bound);
  EXPECT_LE(max_abs(fc.bias), bound);
  // U(-b, b) has standard deviation b / sqrt(3)
  Tensor w = fc.weight.to(kFloat64);
  const double var = (w * w).sum().item<double>() / static_cast<double>(w.numel());
  EXPECT_NEAR(std::sqrt(var), bound / std::sqrt(3.0), 0.02 * bound);
  EXPECT_EQ(fc.repr(), "Linear(in_features=784, out_features=128, bias=True)");
  EXPECT_EQ(nn::Linear(3, 2, false).repr(), "Linear(in_features=3, out_features=2, bias=False)");
}

// ---- Embedding --------------------------------------------------------------------------------------

TEST(NNEmbedding, PaddingIdxRowIsZeroAndGetsNoGradient) {
  manual_seed(3);
  nn::Embedding emb(10, 4, -1);  // negative padding_idx counts from the end, stored as 9
  ASSERT_TRUE(emb.padding_idx.has_value());
  EXPECT_EQ(*emb.padding_idx, 9);
  EXPECT_TRUE(emb.weight.select(0, 9).equal(zeros({4})));
  Tensor w = emb.weight.to(kFloat64);  // N(0, 1) elsewhere
  EXPECT_NEAR((w * w).sum().item<double>() / 36.0, 1.0, 0.6);
  Tensor idx = tensor(std::vector<int64_t>{1, 9, 1, 3, 9}, {5});
  Tensor y = emb.forward(idx);
  ASSERT_EQ(y.sizes(), (Shape{5, 4}));
  EXPECT_TRUE(y.select(0, 1).equal(zeros({4})));
  (y * wave({5, 4})).sum().backward();
  Tensor g = emb.weight.grad();
  EXPECT_TRUE(g.select(0, 9).equal(zeros({4})));
  EXPECT_TENSOR_CLOSE(g.select(0, 1), wave({5, 4}).select(0, 0) + wave({5, 4}).select(0, 2));
  EXPECT_TRUE(g.select(0, 0).equal(zeros({4})));
  EXPECT_EQ(emb.repr(), "Embedding(10, 4, padding_idx=9)");
}

TEST(NNEmbedding, Gradcheck) {
  Tensor w = leaf64({7, 3}, 0.2);
  Tensor idx = tensor(std::vector<int64_t>{1, 4, 1, 6, 0, 2, 4, 4}, {2, 4});
  EXPECT_TRUE(gradcheck([&](const TensorList& t) { return F::embedding(idx, t[0]); }, {w}));
  // (with padding_idx the padding row's gradient is zero by definition, not the derivative)
}

TEST(NNEmbedding, MaxNormRenormalisesLookedUpRowsLikePyTorch) {
  Tensor idx = tensor(std::vector<int64_t>{1, 4, 1, 5, 0, 2}, {2, 3});
  // F.embedding(idx, w, max_norm=1.5): the rows 0, 1, 2, 4, 5 with norm > 1.5 are rescaled in place
  Tensor w = wave({6, 3}, 0.0, 2.0);
  Tensor y = F::embedding(idx, w, std::nullopt, 1.5);
  EXPECT_TENSOR_CLOSE(y, ref({0.814929605, 0.906077921, 0.874592841, -0.876791239, -0.906021714, -0.812626421, 0.814929605, 0.906077921, 0.874592841, -1.32484961, -0.703271806, 0.0134904897, 0, 0.708925664, 1.32190168, 1.23124361, 0.810010314, 0.279145926}, {2, 3, 3}));
  EXPECT_TENSOR_CLOSE(w, ref({0, 0.708925664, 1.32190168, 0.814929605, 0.906077921, 0.874592841, 1.23124361, 0.810010314, 0.279145926, -0.374589324, -1.05967224, -1.60133362, -0.876791239, -0.906021714, -0.812626421, -1.32484961, -0.703271806, 0.0134904897}, {6, 3}));
  // norm_type=1, max_norm=2
  Tensor w1 = wave({6, 3}, 0.0, 2.0);
  F::embedding(idx, w1, std::nullopt, 2.0, 1.0);
  EXPECT_TENSOR_CLOSE(w1, ref({0, 0.698164344, 1.30183554, 0.627931476, 0.698164403, 0.673904061, 1.061234, 0.698164463, 0.240601569, -0.374589324, -1.05967224, -1.60133362, -0.675639927, -0.698164463, -0.626195669, -1.29784667, -0.688937783, 0.0132155269}, {6, 3}));
  nn::Embedding m(10, 3, 0, 1.0);
  EXPECT_EQ(m.repr(), "Embedding(10, 3, padding_idx=0, max_norm=1.0)");
  m.forward(tensor(std::vector<int64_t>{2, 3}, {2}));
  Tensor rows = m.weight.index_select(0, tensor(std::vector<int64_t>{2, 3}, {2})).to(kFloat64);
  EXPECT_LE(max_abs((rows * rows).sum({1}).sqrt()), 1.0 + 1e-6);
}

TEST(NNEmbedding, FromPretrainedAndErrors) {
  Tensor table = wave({4, 2});
  auto frozen = nn::Embedding::from_pretrained(table);
  EXPECT_TRUE(frozen->weight.equal(table));
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_TRUE(nn::Embedding::from_pretrained(table, false)->weight.requires_grad());
  nn::Embedding emb(4, 2);
  EXPECT_ERROR_HAS(emb.forward(tensor(std::vector<int64_t>{4}, {1})), "out of range");
  EXPECT_ERROR_HAS(emb.forward(wave({3})), "integer index tensor");
  EXPECT_ERROR_HAS(nn::Embedding(4, 2, 4), "padding_idx");
  EXPECT_EQ(nn::Embedding(10, 3).repr(), "Embedding(10, 3)");
}

// ---- activations ----------------------------------------------------------------------------------

TEST(NNActivation, ModulesForwardToTheirFunctions) {
  Tensor x = wave({3, 4}, 0.2, 3.0);
  EXPECT_TRUE(nn::ReLU().forward(x).equal(relu(x)));
  EXPECT_TRUE(nn::LeakyReLU(0.2).forward(x).equal(leaky_relu(x, 0.2)));
  EXPECT_TRUE(nn::ELU(0.5).forward(x).equal(elu(x, 0.5)));
  EXPECT_TRUE(nn::GELU().forward(x).equal(gelu(x)));
  EXPECT_TRUE(nn::Sigmoid().forward(x).equal(sigmoid(x)));
  EXPECT_TRUE(nn::Tanh().forward(x).equal(tanh(x)));
  EXPECT_TRUE(nn::Softplus(2, 10).forward(x).equal(softplus(x, 2, 10)));
  EXPECT_TRUE(nn::Softmax(1).forward(x).equal(softmax(x, 1)));
  EXPECT_TRUE(nn::LogSoftmax(0).forward(x).equal(log_softmax(x, 0)));
  // F:: names are the same functions
  EXPECT_TRUE(F::relu(x).equal(relu(x)));
  EXPECT_TRUE(F::softmax(x, 0).equal(softmax(x, 0)));
}

TEST(NNActivation, SoftmaxWithoutDimUsesPyTorchsLegacyChoice) {
  Tensor x3 = wave({2, 3, 4});
  EXPECT_TRUE(nn::Softmax().forward(x3).equal(softmax(x3, 0)));  // 0-D, 1-D, 3-D: dim 0
  Tensor x2 = wave({2, 3});
  EXPECT_TRUE(nn::Softmax().forward(x2).equal(softmax(x2, 1)));  // else dim 1
  EXPECT_TRUE(nn::LogSoftmax().forward(x2).equal(log_softmax(x2, 1)));
}

TEST(NNActivation, GradcheckThroughModules) {
  Tensor x = leaf64({3, 5}, 0.4, 2.0);
  std::vector<std::shared_ptr<nn::Module>> mods = {
      std::make_shared<nn::ReLU>(),  std::make_shared<nn::LeakyReLU>(0.1), std::make_shared<nn::ELU>(0.7),
      std::make_shared<nn::GELU>(),  std::make_shared<nn::Sigmoid>(),      std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Softplus>(1.5, 2.0), std::make_shared<nn::Softmax>(1), std::make_shared<nn::LogSoftmax>(0)};
  for (auto& m : mods) {
    SCOPED_TRACE(m->repr());
    EXPECT_TRUE(gradcheck([&](const TensorList& t) { return m->forward(t[0]); }, {x}));
  }
}

TEST(NNActivation, ReprLikePyTorch) {
  EXPECT_EQ(nn::ReLU().repr(), "ReLU()");
  EXPECT_EQ(nn::LeakyReLU().repr(), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(nn::LeakyReLU(0.2).repr(), "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(nn::ELU().repr(), "ELU(alpha=1.0)");
  EXPECT_EQ(nn::ELU(0.5).repr(), "ELU(alpha=0.5)");
  EXPECT_EQ(nn::GELU().repr(), "GELU(approximate='none')");
  EXPECT_EQ(nn::Sigmoid().repr(), "Sigmoid()");
  EXPECT_EQ(nn::Tanh().repr(), "Tanh()");
  EXPECT_EQ(nn::Softplus().repr(), "Softplus(beta=1, threshold=20)");
  EXPECT_EQ(nn::Softplus(2, 10).repr(), "Softplus(beta=2, threshold=10)");
  EXPECT_EQ(nn::Softmax(1).repr(), "Softmax(dim=1)");
  EXPECT_EQ(nn::Softmax().repr(), "Softmax(dim=None)");
  EXPECT_EQ(nn::LogSoftmax(-1).repr(), "LogSoftmax(dim=-1)");
}

TEST(NNActivation, PythonFloatRepr) {
  EXPECT_EQ(nn::repr_float(1e-5), "1e-05");
  EXPECT_EQ(nn::repr_float(0.001), "0.001");
  EXPECT_EQ(nn::repr_float(0.0001), "0.0001");
  EXPECT_EQ(nn::repr_float(1.0), "1.0");
  EXPECT_EQ(nn::repr_float(0.1), "0.1");
  EXPECT_EQ(nn::repr_float(-2.5), "-2.5");
  EXPECT_EQ(nn::repr_float(123456.0), "123456.0");
  EXPECT_EQ(nn::repr_float(1e16), "1e+16");
  EXPECT_EQ(nn::repr_float(1.5e-7), "1.5e-07");
  EXPECT_EQ(nn::repr_float(1.0 / 3.0), "0.3333333333333333");
  EXPECT_EQ(nn::repr_number(20), "20");
  EXPECT_EQ(nn::repr_number(0.5), "0.5");
}

// ---- Identity, Flatten, Unflatten -----------------------------------------------------------------

TEST(NNShapeLayers, IdentityFlattenUnflatten) {
  Tensor x = wave({2, 3, 4, 5});
  EXPECT_TRUE(nn::Identity().forward(x).is_same(x));
  EXPECT_EQ(nn::Flatten().forward(x).sizes(), (Shape{2, 60}));
  EXPECT_EQ(nn::Flatten(0, 2).forward(x).sizes(), (Shape{24, 5}));
  EXPECT_EQ(nn::Unflatten(1, {3, 4}).forward(wave({2, 12})).sizes(), (Shape{2, 3, 4}));
  EXPECT_EQ(nn::Identity().repr(), "Identity()");
  EXPECT_EQ(nn::Flatten().repr(), "Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(nn::Flatten(0, 2).repr(), "Flatten(start_dim=0, end_dim=2)");
  EXPECT_EQ(nn::Unflatten(1, {2, 3}).repr(), "Unflatten(dim=1, unflattened_size=(2, 3))");
  Tensor g = leaf64({2, 3, 4});
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return nn::Flatten().forward(t[0]) * 2.0; }, {g}));
  EXPECT_ERROR_HAS(nn::Unflatten(1, {5, 3}).forward(wave({2, 12})), "unflatten");
}

// ---- a whole CNN: printing and state_dict keys as PyTorch -----------------------------------------

TEST(NNModel, CifarStyleNetPrintsAndNamesLikePyTorch) {
  nn::Sequential net({std::make_shared<nn::Conv2d>(3, 8, 3, 1, 1), std::make_shared<nn::BatchNorm2d>(8),
                      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
                      std::make_shared<nn::Dropout>(0.25), std::make_shared<nn::Flatten>(),
                      std::make_shared<nn::Linear>(8 * 4 * 4, 10)});
  EXPECT_EQ(net.repr(),
            "Sequential(\n"
            "  (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
            "  (2): ReLU()\n"
            "  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
            "  (4): Dropout(p=0.25, inplace=False)\n"
            "  (5): Flatten(start_dim=1, end_dim=-1)\n"
            "  (6): Linear(in_features=128, out_features=10, bias=True)\n"
            ")");
  std::vector<std::string> k;
  for (auto& [n, t] : net.state_dict()) k.push_back(n);
  EXPECT_EQ(k, (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                         "1.running_var", "1.num_batches_tracked", "6.weight", "6.bias"}));
  Tensor out = net.forward(wave({2, 3, 8, 8}));
  EXPECT_EQ(out.sizes(), (Shape{2, 10}));
  out.sum().backward();
  for (auto& p : net.parameters()) EXPECT_TRUE(p.grad().defined());
}

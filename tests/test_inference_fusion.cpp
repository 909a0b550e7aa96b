// Sequential's inference fast path (nn/layers/inference_fusion.cpp): under no_grad, runs of
// Conv2d [BatchNorm2d eval] [ReLU] [MaxPool2d] execute as fused oneDNN blocks. The fused result
// must equal the module-by-module forward (float32 within rounding, and the float64 forward of
// the same model), and everything the fast path does not cover must run module by module.
#include <gtest/gtest.h>

#include <ember/ember.h>
#include <ember/models/fashion_cnn.h>

#include "support/testing.h"

namespace ember::nn::detail {
int64_t fused_inference_blocks();  // internal counter exported by libember
}  // namespace ember::nn::detail

using namespace ember;
using ember::nn::detail::fused_inference_blocks;

namespace {

// Batch norms with statistics and affine parameters far from the identity, so that folding them
// into the convolution matters.
void randomise_batch_norms(nn::Module& m, uint64_t seed) {
  manual_seed(seed);
  NoGradGuard ng;
  for (auto& [name, buf] : m.named_buffers()) {
    if (name.find("running_mean") != std::string::npos) buf.copy_(randn(buf.sizes()) * 0.5);
    if (name.find("running_var") != std::string::npos) buf.copy_(rand(buf.sizes()) * 2 + 0.1);
  }
  for (auto& [name, p] : m.named_parameters()) {
    if (name == "1.weight" || name == "5.weight") p.copy_(rand(p.sizes()) + 0.5);
    if (name == "1.bias" || name == "5.bias") p.copy_(randn(p.sizes()) * 0.3);
  }
}

// The model's forward three ways: fused (no_grad), module by module (grad mode on), and in float64.
struct Forwards {
  Tensor fused, unfused, reference;
  int64_t blocks = 0;
};

Forwards forwards(const std::shared_ptr<nn::Sequential>& model, const Tensor& x) {
  Forwards f;
  const int64_t before = fused_inference_blocks();
  {
    NoGradGuard ng;
    f.fused = model->forward(x);
  }
  f.blocks = fused_inference_blocks() - before;
  f.unfused = model->forward(x).detach();
  EXPECT_EQ(fused_inference_blocks() - before, f.blocks) << "grad mode on must not fuse";
  model->to(kFloat64);
  f.reference = model->forward(x.to(kFloat64)).detach();
  model->to(kFloat32);
  return f;
}

}  // namespace

TEST(InferenceFusion, FashionCnnEvalMatchesModuleByModule) {
  auto model = models::fashion_cnn(0.25);
  randomise_batch_norms(*model, 3);
  model->eval();
  manual_seed(4);
  Tensor x = randn({45, 1, 28, 28});  // 45: the chunked batch ends with a shorter chunk
  Forwards f = forwards(model, x);
  EXPECT_EQ(f.blocks, 2);  // conv-bn-relu-pool twice
  EXPECT_EQ(f.fused.sizes(), (Shape{45, 10}));
  EXPECT_TENSOR_CLOSE(f.fused, f.unfused, 1e-4, 1e-4);
  EXPECT_TENSOR_CLOSE(f.fused.to(kFloat64), f.reference, 1e-4, 1e-4);
}

TEST(InferenceFusion, OtherGeometriesAndPartialBlocks) {
  // stride 2 + padding 2 + no bias, relu, 3x3/2 pooling; then a dilated conv followed by a batch
  // norm only; then a lone conv with a rectangular kernel; then layers the fast path leaves alone.
  auto model = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(3, 8, 5, 2, 2, 1, 1, false), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(3, 2), std::make_shared<nn::Conv2d>(8, 6, 3, 1, 1, 2),
      std::make_shared<nn::BatchNorm2d>(6), std::make_shared<nn::Conv2d>(6, 4, nn::functional::Size2(1, 3)),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(4 * 6 * 3, 5)});
  {
    NoGradGuard ng;
    auto bn = std::static_pointer_cast<nn::BatchNorm2d>((*model)[4]);
    manual_seed(5);
    bn->running_mean.copy_(randn({6}));
    bn->running_var.copy_(rand({6}) + 0.5);
    bn->weight.copy_(rand({6}) + 0.5);
    bn->bias.copy_(randn({6}));
  }
  model->eval();
  manual_seed(6);
  Tensor x = randn({7, 3, 33, 31});  // conv -> (8,17,16), pool -> (8,8,7), conv -> (6,6,5), conv -> (4,6,3)
  Forwards f = forwards(model, x);
  EXPECT_EQ(f.blocks, 3);
  EXPECT_EQ(f.fused.sizes(), (Shape{7, 5}));
  EXPECT_TENSOR_CLOSE(f.fused, f.unfused, 1e-4, 1e-4);
  EXPECT_TENSOR_CLOSE(f.fused.to(kFloat64), f.reference, 1e-4, 1e-4);
}

TEST(InferenceFusion, TrainingModeFloat64AndSamePadding) {
  auto model = models::fashion_cnn(0.25);
  randomise_batch_norms(*model, 8);
  (*model)[11]->eval();  // the dropout: the same masks in both forwards
  manual_seed(7);
  Tensor x = randn({4, 1, 28, 28});
  // training mode: the batch norms use batch statistics and update their running ones, so they
  // run as modules; the convolutions alone still take the fast path, with the same result
  int64_t before = fused_inference_blocks();
  Tensor fused;
  {
    NoGradGuard ng;
    fused = model->forward(x);
  }
  EXPECT_EQ(fused_inference_blocks() - before, 2);
  EXPECT_EQ(model->named_buffers()[2].first, "1.num_batches_tracked");
  EXPECT_EQ(model->named_buffers()[2].second.item<int64_t>(), 1);
  EXPECT_TENSOR_CLOSE(fused, model->forward(x).detach(), 1e-4, 1e-4);
  // float64 models run module by module
  NoGradGuard ng;
  model->eval();
  model->to(kFloat64);
  before = fused_inference_blocks();
  model->forward(x.to(kFloat64));
  EXPECT_EQ(fused_inference_blocks(), before);
  // padding="same" is left to conv2d
  auto same = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(1, 2, 3, 1, nn::functional::ConvPadding("same")), std::make_shared<nn::ReLU>()});
  Tensor y = same->forward(x);
  EXPECT_EQ(fused_inference_blocks(), before);
  EXPECT_EQ(y.sizes(), (Shape{4, 2, 28, 28}));
}

TEST(InferenceFusion, BadInputsStillRaiseTheModulesErrors) {
  auto model = models::fashion_cnn(0.25);
  model->eval();
  NoGradGuard ng;
  // wrong channel count: not fused, conv2d's own message
  EXPECT_THROW(model->forward(randn({2, 3, 28, 28})), Error);
  // too small for the kernel after pooling
  auto net = std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(1, 2, 5)});
  EXPECT_THROW(net->forward(randn({1, 1, 3, 3})), Error);
}

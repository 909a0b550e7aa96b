// Sequential's fused conv blocks (nn/layers/block_fusion.cpp): runs of Conv2d [BatchNorm2d]
// [ReLU] [MaxPool2d] execute as fused oneDNN blocks, under no_grad (eval batch norm folded in)
// and in training (one autograd node, running statistics updated). Results, gradients and
// running statistics must equal the module-by-module ones (float32 within rounding, and the
// float64 run of the same model), and everything the fast path does not cover must run module
// by module.
#include <gtest/gtest.h>

#include <functional>

#include <ember/ember.h>
#include <ember/models/fashion_cnn.h>

#include "support/testing.h"

namespace ember::nn::detail {
// internal counters exported by libember
int64_t fused_inference_blocks();
int64_t fused_training_blocks();
}  // namespace ember::nn::detail

using namespace ember;
using ember::nn::detail::fused_inference_blocks;
using ember::nn::detail::fused_training_blocks;

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

// The model's children one by one (what Sequential::forward does without fusion).
Tensor forward_unfused(nn::Sequential& model, const Tensor& x) {
  Tensor h = x;
  for (auto& m : model.children()) h = m->forward(h);
  return h;
}

// One training step's observable results: loss, input and parameter gradients, buffers.
struct Step {
  Tensor loss, x_grad;
  nn::StateDict grads, buffers;
};

Step train_step(nn::Sequential& model, const Tensor& x_in, const Tensor& target, bool fused) {
  Tensor x = x_in.detach().clone().requires_grad_(true);
  for (auto& p : model.parameters()) p.mutable_grad() = Tensor();
  Tensor out = fused ? model.forward(x) : forward_unfused(model, x);
  Step s;
  s.loss = nn::functional::cross_entropy(out.flatten(1), target);
  s.loss.backward();
  s.x_grad = x.grad();
  for (auto& [name, p] : model.named_parameters()) s.grads.emplace_back(name, p.grad().defined() ? p.grad().clone() : Tensor());
  for (auto& [name, b] : model.named_buffers()) s.buffers.emplace_back(name, b.clone());
  return s;
}

void expect_same_step(const Step& a, const Step& b, double tol) {
  EXPECT_TENSOR_CLOSE(a.loss, b.loss, tol, tol);
  EXPECT_TENSOR_CLOSE(a.x_grad, b.x_grad, tol, tol);
  ASSERT_EQ(a.grads.size(), b.grads.size());
  for (size_t k = 0; k < a.grads.size(); ++k) {
    SCOPED_TRACE(a.grads[k].first);
    ASSERT_EQ(a.grads[k].second.defined(), b.grads[k].second.defined());
    if (a.grads[k].second.defined()) EXPECT_TENSOR_CLOSE(a.grads[k].second, b.grads[k].second, tol, tol);
  }
  ASSERT_EQ(a.buffers.size(), b.buffers.size());
  for (size_t k = 0; k < a.buffers.size(); ++k) {
    SCOPED_TRACE(a.buffers[k].first);
    EXPECT_TENSOR_CLOSE(a.buffers[k].second, b.buffers[k].second, tol, tol);
  }
}

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

// Training: the fused step (Sequential) against the module-by-module step from the same state,
// twice in a row (so the running statistics' second update is compared too).
void check_training(const std::function<std::shared_ptr<nn::Sequential>()>& make, const Tensor& x,
                    const Tensor& target, int64_t expected_blocks) {
  auto fused_model = make(), plain_model = make();
  plain_model->load_state_dict(fused_model->state_dict());
  for (int step = 0; step < 2; ++step) {
    SCOPED_TRACE(step);
    const int64_t before = fused_training_blocks();
    Step f = train_step(*fused_model, x, target, true);
    EXPECT_EQ(fused_training_blocks() - before, expected_blocks);
    Step p = train_step(*plain_model, x, target, false);
    EXPECT_EQ(fused_training_blocks() - before, expected_blocks);
    expect_same_step(f, p, 2e-4);
  }
}

TEST(TrainingFusion, FashionCnnStepMatchesModuleByModule) {
  manual_seed(9);
  Tensor x = randn({16, 1, 28, 28}), target = randint(0, 10, {16});
  check_training(
      [] {
        manual_seed(10);
        auto m = models::fashion_cnn(0.25);
        randomise_batch_norms(*m, 11);
        (*m)[11]->eval();  // the dropout: the same masks in both runs
        return m;
      },
      x, target, 2);
}

TEST(TrainingFusion, BlocksWithoutPoolingReluBiasOrAffine) {
  // conv (no bias) + batch norm without affine parameters and momentum=None; conv + batch norm +
  // relu (no pooling); conv + batch norm + 3x3/2 pooling (no relu); a non-square strided conv.
  manual_seed(12);
  Tensor x = randn({5, 3, 17, 15}), target = randint(0, 4, {5});
  check_training(
      [] {
        manual_seed(13);
        return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
            std::make_shared<nn::Conv2d>(3, 8, 3, 1, 1, 1, 1, false),
            std::make_shared<nn::BatchNorm2d>(8, 1e-3, std::nullopt, false),
            std::make_shared<nn::Conv2d>(8, 6, nn::functional::Size2(3, 2), nn::functional::Size2(2, 1), 1),
            std::make_shared<nn::BatchNorm2d>(6), std::make_shared<nn::ReLU>(),
            std::make_shared<nn::Conv2d>(6, 4, 1), std::make_shared<nn::BatchNorm2d>(4),
            std::make_shared<nn::MaxPool2d>(3, 2), std::make_shared<nn::Flatten>(),
            std::make_shared<nn::Linear>(4 * 4 * 7, 4)});
      },
      x, target, 3);
}

TEST(TrainingFusion, FrozenBatchNormFloat64AndDoubleBackward) {
  manual_seed(14);
  auto model = models::fashion_cnn(0.25);
  Tensor x = randn({4, 1, 28, 28});
  // a batch norm in eval mode inside a training model: module by module
  std::static_pointer_cast<nn::Module>((*model)[1])->eval();
  int64_t before = fused_training_blocks();
  model->forward(x);
  EXPECT_EQ(fused_training_blocks() - before, 1);  // only the second block
  model->train();
  // float64: module by module
  model->to(kFloat64);
  before = fused_training_blocks();
  model->forward(x.to(kFloat64));
  EXPECT_EQ(fused_training_blocks(), before);
  model->to(kFloat32);
  // create_graph through the fused block: a clear error, as for conv2d
  Tensor y = model->forward(x.requires_grad_(true)).sum();
  EXPECT_THROW(autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true), Error);
}

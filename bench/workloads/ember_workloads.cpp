// The ember side of issue 6's training workloads (see workloads.md beside this file), written as a
// user would: the built-in models, nn losses, optim, data::DataLoader over data::MNIST.
//
//   ember_workloads W1|W2|W3|W4|W5 [--data DIR] [--threads N] [--steps N] [--seed S]
//
// --steps N (for profilers) stops W2/W3 after N batches, W5 after N timed batches, W1 after N
// timed steps and W4 after one timed pass, and skips the test accuracy (-1); the JSON line then
// says "partial":true. --seed S (default 0) seeds the model's initialisation and the data order.
//
// Prints one JSON line, the same fields as libtorch_workloads: {"side":"ember","workload":"W2",
// "seconds":..., "<metric>":..., "max_rss_mb":...}. Each workload runs in its own process so max
// RSS is its own.
#include <memory>
#include <string>

#include <ember/ember.h>
#include <ember/models/fashion_cnn.h>
#include <ember/models/mlp.h>
#include <ember/models/ner_lstm.h>
#include <ember/train/metrics.h>

#include "harness.h"

using namespace ember;

namespace {

using namespace workloads;

// Fashion-MNIST held as uint8, served normalised with mean 0.2860 std 0.3530: x:(1,28,28) float.
std::shared_ptr<data::MNIST> fashion(const std::string& dir, bool train) {
  return std::make_shared<data::MNIST>(dir, train ? data::MNIST::Train : data::MNIST::Test,
                                       data::MNIST::Options{{data::MNIST::kFashionMean}, {data::MNIST::kFashionStd}});
}

double accuracy(nn::Module& model, const std::shared_ptr<data::MNIST>& test) {
  if (g_steps >= 0) return -1;  // a profiling run
  NoGradGuard ng;
  model.eval();
  int64_t correct = 0;
  data::DataLoader loader(test, {.batch_size = 1000});
  for (auto& batch : loader) correct += train::count_correct(model.forward(batch.data), batch.target);
  model.train();
  return 100.0 * static_cast<double>(correct) / static_cast<double>(test->size());
}

// One shuffled epoch with ember's DataLoader; returns seconds.
double train_epoch(nn::Module& model, optim::Optimizer& opt, const std::shared_ptr<data::MNIST>& train) {
  data::DataLoader loader(train, {.batch_size = 64, .shuffle = true});
  model.train();
  auto t0 = Clock::now();
  const int64_t batches = limit(loader.size());
  int64_t b = 0;
  for (auto& batch : loader) {
    if (b++ == batches) break;
    opt.zero_grad();
    Tensor loss = nn::functional::cross_entropy(model.forward(batch.data), batch.target);
    loss.backward();
    opt.step();
  }
  return seconds_since(t0);
}

// ---- the workloads -----------------------------------------------------------------------------
void w1() {
  // y = 1 + 2x + 0.1 noise, 100 points, the first 80 for training; 1000 full-batch steps.
  manual_seed(42 + g_seed);
  Tensor x = rand({100, 1});
  Tensor y = 1 + 2 * x + 0.1 * randn({100, 1});
  Tensor xt = x.narrow(0, 0, 80), yt = y.narrow(0, 0, 80);
  auto model = std::make_shared<nn::Linear>(1, 1);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  nn::MSELoss loss_fn;
  auto step = [&] {
    model->train();
    Tensor loss = loss_fn(model->forward(xt), yt);
    loss.backward();
    opt.step();
    opt.zero_grad();
  };
  for (int i = 0; i < 50; ++i) step();  // warm-up
  const int64_t steps = limit(1000);
  auto t0 = Clock::now();
  for (int64_t i = 0; i < steps; ++i) step();
  double s = seconds_since(t0);
  emit("W1", s, "us_per_step", s / steps * 1e6,
       ",\"bias\":" + std::to_string(model->bias.item<float>()) + ",\"weight\":" + std::to_string(model->weight.item<float>()));
}

void w2(const std::string& dir) {
  auto train = fashion(dir, true), test = fashion(dir, false);
  manual_seed(g_seed);
  auto model = models::mlp();
  optim::SGD opt(model->parameters(), {.lr = 0.05, .momentum = 0.9});
  double s = train_epoch(*model, opt, train);
  emit("W2", s, "test_accuracy", accuracy(*model, test));
}

void w3(const std::string& dir) {
  auto train = fashion(dir, true), test = fashion(dir, false);
  manual_seed(g_seed);
  auto model = models::fashion_cnn(0.25);
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  double s = train_epoch(*model, opt, train);
  emit("W3", s, "test_accuracy", accuracy(*model, test));
}

void w4(const std::string& dir) {
  auto test = fashion(dir, false);
  manual_seed(g_seed);
  auto model = models::fashion_cnn(0.25);
  model->eval();
  NoGradGuard ng;
  data::DataLoader loader(test, {.batch_size = 1000});
  // The test set as the loader serves it, held in memory like the LibTorch side's tensor.
  std::vector<Tensor> batches;
  for (auto& batch : loader) batches.push_back(batch.data.clone());
  auto run = [&] {
    for (const Tensor& xb : batches) {
      Tensor out = model->forward(xb);
      (void)out;
    }
  };
  run();  // warm-up
  auto t0 = Clock::now();
  const int reps = g_steps < 0 ? 3 : 1;
  for (int r = 0; r < reps; ++r) run();
  double s = seconds_since(t0) / reps;
  emit("W4", s, "images_per_s", static_cast<double>(test->size()) / s);
}

void w5() {
  const int64_t vocab = 20000, batch = 32, len = 40, tags = 9, batches = 200;
  manual_seed(g_seed);
  Tensor sentences = randint(1, vocab, {batches * batch, len});
  Tensor lengths = randint(5, len + 1, {batches * batch});
  Tensor labels = randint(0, tags, {batches * batch, len});
  Tensor pos = arange(len).unsqueeze(0);
  Tensor pad = ge(pos, lengths.unsqueeze(1));  // (B,T): true past each sentence's length
  sentences.masked_fill_(pad, 0);
  labels.masked_fill_(pad, -1);
  auto model = std::make_shared<models::NerLstm>(vocab, 50, 50, tags);
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  auto step = [&](int64_t b) {
    Tensor s = sentences.narrow(0, b * batch, batch), l = labels.narrow(0, b * batch, batch);
    Tensor loss = train::masked_nll_loss(model->forward(s), l);
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  for (int64_t b = 0; b < 5; ++b) step(b);  // warm-up
  auto t0 = Clock::now();
  const int64_t timed = limit(batches);
  for (int64_t b = 0; b < timed; ++b) step(b);
  double s = seconds_since(t0);
  emit("W5", s, "sequences_per_s", static_cast<double>(timed * batch) / s);
}

}  // namespace

int main(int argc, char** argv) {
  return workloads::main(argc, argv, "ember", [](int t) { set_num_threads(t); },
                         {[](const std::string&) { w1(); }, w2, w3, w4, [](const std::string&) { w5(); }});
}

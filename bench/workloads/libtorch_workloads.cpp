// The LibTorch 1.13 side of issue 6's training workloads (see workloads.md beside this file).
// Idiomatic LibTorch: torch::nn modules, torch::optim, torch::data's loader over a Dataset.
//
//   libtorch_workloads W1|W2|W3|W4|W5 [--data DIR] [--threads N] [--steps N] [--seed S]
//
// --steps N (for profilers) stops W2/W3 after N batches, W5 after N timed batches, W1 after N
// timed steps and W4 after one timed pass, and skips the test accuracy (-1); the JSON line then
// says "partial":true. --seed S (default 0) seeds the model's initialisation and the data order.
//
// Prints one JSON line: {"side":"libtorch","workload":"W2","seconds":..., "metric":..., ...,
// "max_rss_mb":...}. Each workload runs in its own process so max RSS is its own.
#include <torch/torch.h>
#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness.h"

namespace {

using namespace workloads;

// ---- Fashion-MNIST (IDX, gzipped or not) -------------------------------------------------------
std::vector<uint8_t> read_maybe_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) {
    f = gzopen((path + ".gz").c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open " + path + "[.gz]");
  }
  std::vector<uint8_t> out;
  uint8_t buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + n);
  gzclose(f);
  return out;
}

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

// images:(N,1,28,28) float normalised with mean 0.2860 std 0.3530; labels:(N) int64
std::pair<torch::Tensor, torch::Tensor> load_fashion(const std::string& dir, bool train) {
  const std::string pre = dir + (train ? "/train" : "/t10k");
  auto img = read_maybe_gz(pre + "-images-idx3-ubyte");
  auto lab = read_maybe_gz(pre + "-labels-idx1-ubyte");
  if (img.size() < 16 || be32(img.data()) != 2051) throw std::runtime_error("bad image file " + pre);
  if (lab.size() < 8 || be32(lab.data()) != 2049) throw std::runtime_error("bad label file " + pre);
  const int64_t n = be32(img.data() + 4);
  torch::Tensor x = torch::from_blob(img.data() + 16, {n, 1, 28, 28}, torch::kUInt8).to(torch::kFloat32).div_(255);
  x.sub_(0.2860).div_(0.3530);
  torch::Tensor y = torch::from_blob(lab.data() + 8, {n}, torch::kUInt8).to(torch::kInt64);
  return {x, y};
}

struct FashionDataset : torch::data::datasets::Dataset<FashionDataset> {
  torch::Tensor x, y;
  FashionDataset(torch::Tensor x_, torch::Tensor y_) : x(std::move(x_)), y(std::move(y_)) {}
  torch::data::Example<> get(size_t i) override { return {x[i], y[i]}; }
  torch::optional<size_t> size() const override { return x.size(0); }
};

// ---- models ----------------------------------------------------------------------------------
torch::nn::Sequential mlp() {
  return torch::nn::Sequential(torch::nn::Flatten(), torch::nn::Linear(784, 256), torch::nn::ReLU(),
                               torch::nn::Linear(256, 128), torch::nn::ReLU(), torch::nn::Linear(128, 10));
}

torch::nn::Sequential fashion_cnn(double dropout) {
  using namespace torch::nn;
  return Sequential(Conv2d(Conv2dOptions(1, 32, 3).padding(1)), BatchNorm2d(32), ReLU(), MaxPool2d(2),
                    Conv2d(Conv2dOptions(32, 64, 3).padding(1)), BatchNorm2d(64), ReLU(), MaxPool2d(2), Flatten(),
                    Linear(3136, 128), ReLU(), Dropout(dropout), Linear(128, 10));
}

double accuracy(torch::nn::Sequential& model, const torch::Tensor& x, const torch::Tensor& y) {
  if (g_steps >= 0) return -1;  // a profiling run
  torch::NoGradGuard ng;
  model->eval();
  int64_t correct = 0;
  for (int64_t i = 0; i < x.size(0); i += 1000) {
    auto xb = x.narrow(0, i, std::min<int64_t>(1000, x.size(0) - i));
    auto yb = y.narrow(0, i, xb.size(0));
    correct += model->forward(xb).argmax(1).eq(yb).sum().item<int64_t>();
  }
  model->train();
  return 100.0 * correct / x.size(0);
}

// One shuffled epoch with torch::data's loader; returns seconds.
template <class Opt>
double train_epoch(torch::nn::Sequential& model, Opt& opt, const torch::Tensor& x, const torch::Tensor& y) {
  auto ds = FashionDataset(x, y).map(torch::data::transforms::Stack<>());
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(ds), torch::data::DataLoaderOptions().batch_size(64).workers(0));
  model->train();
  const int64_t batches = limit((x.size(0) + 63) / 64);
  auto t0 = Clock::now();
  int64_t b = 0;
  for (auto& batch : *loader) {
    if (b++ == batches) break;
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(model->forward(batch.data), batch.target);
    loss.backward();
    opt.step();
  }
  return seconds_since(t0);
}

// ---- the workloads -----------------------------------------------------------------------------
void w1() {
  // y = 1 + 2x + 0.1 noise, 100 points, the first 80 for training; 1000 full-batch steps.
  torch::manual_seed(42 + g_seed);
  auto x = torch::rand({100, 1});
  auto y = 1 + 2 * x + 0.1 * torch::randn({100, 1});
  auto xt = x.narrow(0, 0, 80), yt = y.narrow(0, 0, 80);
  torch::nn::Linear model(1, 1);
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.1));
  torch::nn::MSELoss loss_fn;
  auto step = [&] {
    model->train();
    auto loss = loss_fn(model(xt), yt);
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
  auto [xtr, ytr] = load_fashion(dir, true);
  auto [xte, yte] = load_fashion(dir, false);
  torch::manual_seed(g_seed);
  auto model = mlp();
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9));
  double s = train_epoch(model, opt, xtr, ytr);
  emit("W2", s, "test_accuracy", accuracy(model, xte, yte));
}

void w3(const std::string& dir) {
  auto [xtr, ytr] = load_fashion(dir, true);
  auto [xte, yte] = load_fashion(dir, false);
  torch::manual_seed(g_seed);
  auto model = fashion_cnn(0.25);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  double s = train_epoch(model, opt, xtr, ytr);
  emit("W3", s, "test_accuracy", accuracy(model, xte, yte));
}

void w4(const std::string& dir) {
  auto [xte, yte] = load_fashion(dir, false);
  torch::manual_seed(g_seed);
  auto model = fashion_cnn(0.25);
  model->eval();
  torch::NoGradGuard ng;
  auto run = [&] {
    for (int64_t i = 0; i < xte.size(0); i += 1000) {
      auto out = model->forward(xte.narrow(0, i, 1000));
      (void)out;
    }
  };
  run();  // warm-up
  auto t0 = Clock::now();
  const int reps = g_steps < 0 ? 3 : 1;
  for (int r = 0; r < reps; ++r) run();
  double s = seconds_since(t0) / reps;
  emit("W4", s, "images_per_s", xte.size(0) / s);
}

// The CS230 NER model: Embedding(V,50) -> LSTM(50,50, batch_first) -> Linear(50,T); masked loss
// over the padded positions (label -1), Adam 1e-3.
struct NerNet : torch::nn::Module {
  torch::nn::Embedding embedding{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear fc{nullptr};
  NerNet(int64_t vocab, int64_t emb, int64_t hidden, int64_t tags) {
    embedding = register_module("embedding", torch::nn::Embedding(vocab, emb));
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(emb, hidden).batch_first(true)));
    fc = register_module("fc", torch::nn::Linear(hidden, tags));
  }
  torch::Tensor forward(const torch::Tensor& s) {
    auto e = embedding(s);                        // (B,T,E)
    auto h = std::get<0>(lstm(e));                // (B,T,H)
    return torch::log_softmax(fc(h.reshape({-1, h.size(2)})), 1);  // (B*T, tags)
  }
};

void w5() {
  const int64_t vocab = 20000, batch = 32, len = 40, tags = 9, batches = 200;
  torch::manual_seed(g_seed);
  auto sentences = torch::randint(1, vocab, {batches * batch, len});
  auto lengths = torch::randint(5, len + 1, {batches * batch});
  auto labels = torch::randint(0, tags, {batches * batch, len});
  auto pos = torch::arange(len).unsqueeze(0);
  auto pad = pos.ge(lengths.unsqueeze(1));
  sentences.masked_fill_(pad, 0);
  labels.masked_fill_(pad, -1);
  auto model = std::make_shared<NerNet>(vocab, 50, 50, tags);
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  auto step = [&](int64_t b) {
    auto s = sentences.narrow(0, b * batch, batch), l = labels.narrow(0, b * batch, batch).reshape({-1});
    auto out = model->forward(s);
    auto mask = l.ge(0);
    auto picked = out.gather(1, l.clamp_min(0).unsqueeze(1)).squeeze(1);
    auto loss = -(picked * mask).sum() / mask.sum();
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  for (int64_t b = 0; b < 5; ++b) step(b);  // warm-up
  auto t0 = Clock::now();
  const int64_t timed = limit(batches);
  for (int64_t b = 0; b < timed; ++b) step(b);
  double s = seconds_since(t0);
  emit("W5", s, "sequences_per_s", timed * batch / s);
}

}  // namespace

int main(int argc, char** argv) {
  return workloads::main(argc, argv, "libtorch", [](int t) { torch::set_num_threads(t); },
                         {[](const std::string&) { w1(); }, w2, w3, w4, [](const std::string&) { w5(); }});
}

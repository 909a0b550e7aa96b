// The LibTorch peer of bench/bench_rnn.cpp: the same cases, same sizes, same names with "torch".
// Threads: EMBER_NUM_THREADS (default 2), applied with torch::set_num_threads.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

namespace {

constexpr int64_t kIn = 50, kHidden = 50;

template <class Layer, class Options>
void train_step(benchmark::State& state) {
  const int64_t B = state.range(0), T = state.range(1);
  torch::manual_seed(0);
  Layer layer(Options(kIn, kHidden).batch_first(true));
  torch::Tensor x = torch::randn({B, T, kIn}, torch::requires_grad());
  for (auto _ : state) {
    torch::Tensor out = std::get<0>(layer->forward(x));  // (B,T,50)
    out.sum().backward();
    layer->zero_grad();
    x.mutable_grad() = torch::Tensor();
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(T), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_torch_lstm_train(benchmark::State& state) { train_step<torch::nn::LSTM, torch::nn::LSTMOptions>(state); }
BENCHMARK(BM_torch_lstm_train)->Args({64, 35})->Args({32, 40})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_torch_gru_train(benchmark::State& state) { train_step<torch::nn::GRU, torch::nn::GRUOptions>(state); }
BENCHMARK(BM_torch_gru_train)->Args({64, 35})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_torch_lstm_infer(benchmark::State& state) {
  const int64_t B = state.range(0), T = state.range(1);
  torch::manual_seed(0);
  torch::nn::LSTM lstm(torch::nn::LSTMOptions(kIn, kHidden).batch_first(true));
  torch::Tensor x = torch::randn({B, T, kIn});
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    torch::Tensor out = std::get<0>(lstm->forward(x));
    benchmark::DoNotOptimize(out.data_ptr());
  }
}
BENCHMARK(BM_torch_lstm_infer)->Args({64, 35})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("EMBER_NUM_THREADS");
  torch::set_num_threads(env ? std::atoi(env) : 2);
  benchmark::AddCustomContext("torch_threads", std::to_string(torch::get_num_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

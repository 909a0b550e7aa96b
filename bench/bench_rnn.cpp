// Recurrent layers, forward + backward at training sizes (Google Benchmark). The LibTorch peer
// (bench/peer/rnn_libtorch.cpp) runs the same cases under the same names with "torch" for
// "ember". Threads: EMBER_NUM_THREADS (default 2).
//   lstm_train/64/35  LSTM 50->50, batch 64 x 35 steps (issue 3's size; LibTorch ~131 ms here)
//   lstm_train/32/40  the CS230 NER model's LSTM: embedding 50 -> hidden 50, batch 32 x 40 steps
//   gru_train/64/35   GRU at the first size
//   lstm_infer/64/35  forward only, no graph
#include <benchmark/benchmark.h>
#include <ember/ember.h>

#include <cstdlib>
#include <string>

using namespace ember;

namespace {

constexpr int64_t kIn = 50, kHidden = 50;

// x:(B,T,50) requiring grad (as an embedding's output would), loss = sum(output).
template <class Layer>
void train_step(benchmark::State& state) {
  const int64_t B = state.range(0), T = state.range(1);
  manual_seed(0);
  auto layer = std::make_shared<Layer>(kIn, kHidden, nn::RNNOptions{.batch_first = true});
  Tensor x = randn({B, T, kIn}, requires_grad());
  for (auto _ : state) {
    Tensor out = layer->forward(x).output;  // (B,T,50)
    out.sum().backward();
    layer->zero_grad();
    x.mutable_grad() = Tensor();
  }
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(T), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ember_lstm_train(benchmark::State& state) { train_step<nn::LSTM>(state); }
BENCHMARK(BM_ember_lstm_train)->Args({64, 35})->Args({32, 40})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ember_gru_train(benchmark::State& state) { train_step<nn::GRU>(state); }
BENCHMARK(BM_ember_gru_train)->Args({64, 35})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ember_lstm_infer(benchmark::State& state) {
  const int64_t B = state.range(0), T = state.range(1);
  manual_seed(0);
  auto lstm = std::make_shared<nn::LSTM>(kIn, kHidden, nn::RNNOptions{.batch_first = true});
  Tensor x = randn({B, T, kIn});
  NoGradGuard no_grad;
  for (auto _ : state) {
    Tensor out = lstm->forward(x).output;
    benchmark::DoNotOptimize(out.raw_data());
  }
}
BENCHMARK(BM_ember_lstm_infer)->Args({64, 35})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("EMBER_NUM_THREADS");
  set_num_threads(env ? std::atoi(env) : 2);
  benchmark::AddCustomContext("ember_threads", std::to_string(get_num_threads()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Layer benchmarks: forward + backward per layer at training sizes, ember next to LibTorch 1.13
// in one run (the LibTorch side is bench/peer/layers_libtorch.cpp, linked into this binary when
// LibTorch is installed). Threads: EMBER_NUM_THREADS (default 2) for both libraries.
//   Linear       x:(64,784)          -> 256
//   Conv2d       x:(64,1,28,28)      1 -> 32, 3x3, padding 1
//   Conv2d       x:(64,32,14,14)    32 -> 64, 3x3, padding 1   (also reported in GFLOP/s)
//   BatchNorm2d  x:(64,64,14,14)    training mode
//   MaxPool2d    x:(64,64,14,14)    kernel 2
// One iteration: zero the gradients, y = layer(x), y.backward(g) with a fixed upstream g; the
// input requires grad, so every layer also computes the gradient of its input.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include <ember/ember.h>

#include "bench_layers.h"

using namespace ember;

namespace {

void run_layer(benchmark::State& state, nn::Module& layer, const Shape& in_shape) {
  manual_seed(0);
  Tensor x = randn(in_shape).requires_grad_(true);
  Tensor g = randn(layer.forward(x).sizes());
  for (auto _ : state) {
    layer.zero_grad();
    x.set_grad(Tensor());
    Tensor y = layer.forward(x);
    y.backward(g);
    benchmark::DoNotOptimize(x.grad().raw_data());
  }
}

void BM_Linear_ember(benchmark::State& state) {
  nn::Linear m(784, 256);
  run_layer(state, m, {64, 784});
}
void BM_Conv2d_1to32_ember(benchmark::State& state) {
  nn::Conv2d m(1, 32, 3, 1, 1);
  run_layer(state, m, {64, 1, 28, 28});
}
void BM_Conv2d_32to64_ember(benchmark::State& state) {
  nn::Conv2d m(32, 64, 3, 1, 1);
  run_layer(state, m, {64, 32, 14, 14});
  bench::set_conv_gflops(state);
}
void BM_BatchNorm2d_ember(benchmark::State& state) {
  nn::BatchNorm2d m(64);
  run_layer(state, m, {64, 64, 14, 14});
}
void BM_MaxPool2d_ember(benchmark::State& state) {
  nn::MaxPool2d m(2);
  run_layer(state, m, {64, 64, 14, 14});
}

}  // namespace

BENCHMARK(BM_Linear_ember)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Conv2d_1to32_ember)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Conv2d_32to64_ember)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BatchNorm2d_ember)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MaxPool2d_ember)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
  const char* env = std::getenv("EMBER_NUM_THREADS");
  const int threads = env ? std::atoi(env) : 2;
  set_num_threads(threads);
  bench::peer_set_num_threads(threads);
  benchmark::AddCustomContext("threads", std::to_string(threads));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

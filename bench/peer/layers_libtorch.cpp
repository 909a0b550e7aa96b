// The LibTorch side of bench_layers.cpp: the same layers, sizes and loop in LibTorch 1.13.
#include <torch/torch.h>

#include "../bench_layers.h"

namespace bench {
void peer_set_num_threads(int n) { torch::set_num_threads(n); }
}  // namespace bench

namespace {

template <class M>
void run_layer(benchmark::State& state, M& layer, std::vector<int64_t> in_shape) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn(in_shape).requires_grad_(true);
  torch::Tensor g = torch::randn(layer->forward(x).sizes());
  for (auto _ : state) {
    layer->zero_grad();
    x.mutable_grad().reset();
    torch::Tensor y = layer->forward(x);
    y.backward(g);
    benchmark::DoNotOptimize(x.grad().data_ptr());
  }
}

void BM_Linear_libtorch(benchmark::State& state) {
  torch::nn::Linear m(784, 256);
  run_layer(state, m, {64, 784});
}
void BM_Conv2d_1to32_libtorch(benchmark::State& state) {
  torch::nn::Conv2d m(torch::nn::Conv2dOptions(1, 32, 3).padding(1));
  run_layer(state, m, {64, 1, 28, 28});
}
void BM_Conv2d_32to64_libtorch(benchmark::State& state) {
  torch::nn::Conv2d m(torch::nn::Conv2dOptions(32, 64, 3).padding(1));
  run_layer(state, m, {64, 32, 14, 14});
  bench::set_conv_gflops(state);
}
void BM_BatchNorm2d_libtorch(benchmark::State& state) {
  torch::nn::BatchNorm2d m(64);
  run_layer(state, m, {64, 64, 14, 14});
}
void BM_MaxPool2d_libtorch(benchmark::State& state) {
  torch::nn::MaxPool2d m(torch::nn::MaxPool2dOptions(2));
  run_layer(state, m, {64, 64, 14, 14});
}

}  // namespace

BENCHMARK(BM_Linear_libtorch)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Conv2d_1to32_libtorch)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Conv2d_32to64_libtorch)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BatchNorm2d_libtorch)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MaxPool2d_libtorch)->Unit(benchmark::kMillisecond)->UseRealTime();

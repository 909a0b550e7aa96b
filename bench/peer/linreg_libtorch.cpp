// The peer numbers: the same small workloads as bench_ember.cpp, in LibTorch 1.13.
// Threads: EMBER_NUM_THREADS (default 2), applied with torch::set_num_threads.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// On a shared machine the fastest of several repetitions is the best estimate of the cost:
// run with --benchmark_repetitions=10 and read the _min times (and the _max rates).
double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
#define EMBER_BENCHMARK(fn) BENCHMARK(fn)->ComputeStatistics("min", min_of)->ComputeStatistics("max", max_of)


void BM_torch_mm(benchmark::State& state) {
  const int64_t n = state.range(0);
  torch::manual_seed(0);
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  for (auto _ : state) {
    torch::Tensor c = torch::mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
EMBER_BENCHMARK(BM_torch_mm)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

constexpr int64_t kBig = 16 << 20;

void BM_torch_add(benchmark::State& state) {
  torch::Tensor a = torch::ones({kBig}), b = torch::ones({kBig});
  for (auto _ : state) {
    torch::Tensor c = torch::add(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GB/s"] = benchmark::Counter(3.0 * kBig * 4 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
EMBER_BENCHMARK(BM_torch_add)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_torch_add_inplace(benchmark::State& state) {
  torch::Tensor a = torch::ones({kBig}), b = torch::ones({kBig});
  for (auto _ : state) {
    a.add_(b);
    benchmark::ClobberMemory();
  }
  state.counters["GB/s"] = benchmark::Counter(3.0 * kBig * 4 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
EMBER_BENCHMARK(BM_torch_add_inplace)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_torch_tiny_add(benchmark::State& state) {
  const bool grad = state.range(0) != 0;
  torch::Tensor a = torch::ones({1}, torch::requires_grad(grad));
  torch::Tensor b = torch::ones({1}, torch::requires_grad(grad));
  for (auto _ : state) {
    torch::Tensor c = a + b;
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.SetLabel(grad ? "requires_grad" : "no grad");
}
EMBER_BENCHMARK(BM_torch_tiny_add)->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);

void BM_torch_linreg_step(benchmark::State& state) {
  const int64_t n = 80;
  torch::manual_seed(42);
  torch::Tensor x = torch::rand({n, 1});
  torch::Tensor y = 1.0 + 2.0 * x + 0.1 * torch::randn({n, 1});
  torch::Tensor a = torch::randn({1}, torch::requires_grad());
  torch::Tensor b = torch::randn({1}, torch::requires_grad());
  const double lr = 0.1;
  for (auto _ : state) {
    torch::Tensor yhat = a + b * x;
    torch::Tensor error = y - yhat;
    torch::Tensor loss = error.pow(2).mean();
    loss.backward();
    {
      torch::NoGradGuard no_grad;
      a -= lr * a.grad();
      b -= lr * b.grad();
    }
    a.mutable_grad().zero_();
    b.mutable_grad().zero_();
  }
  // Google Benchmark first runs a few iterations to size the run: check only long runs.
  const bool converged = std::abs(a.item<double>() - 1.0) < 0.2 && std::abs(b.item<double>() - 2.0) < 0.2;
  if (state.iterations() >= 1000 && !converged)
    state.SkipWithError("linear regression did not converge");
}
EMBER_BENCHMARK(BM_torch_linreg_step)->Unit(benchmark::kMicrosecond);

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

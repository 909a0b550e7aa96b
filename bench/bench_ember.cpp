// ember micro-benchmarks (Google Benchmark). Threads: EMBER_NUM_THREADS (default 2).
//   (a) matmul n x n float32: ember::mm next to oneDNN's dnnl_sgemm          -> GFLOP/s
//   (b) elementwise add of 16M floats: add, add_ next to memcpy of the bytes  -> GB/s
//   (c) one tiny op (1-element add) with and without requires_grad          -> time per op
//   (d) one full-batch linear-regression step (80 points): forward, backward, update
//   (e) softmax over C of (64,10) and (32,64,256): ember's kernel next to a oneDNN primitive
// On a shared machine run with --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
// and read the _min times and _max rates (the least disturbed run).
#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <ember/ember.h>

using namespace ember;

namespace {

// On a shared machine the fastest of several repetitions is the best estimate of the cost:
// run with --benchmark_repetitions=10 and read the _min times (and the _max rates).
double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double max_of(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
#define EMBER_BENCHMARK(fn) BENCHMARK(fn)->ComputeStatistics("min", min_of)->ComputeStatistics("max", max_of)


// ---- (a) matmul ----------------------------------------------------------------------
void set_gflops(benchmark::State& state, int64_t n) {
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ember_mm(benchmark::State& state) {
  const int64_t n = state.range(0);
  manual_seed(0);
  Tensor a = randn({n, n}), b = randn({n, n});  // (n,n) @ (n,n) -> (n,n)
  for (auto _ : state) {
    Tensor c = mm(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  set_gflops(state, n);
}
EMBER_BENCHMARK(BM_ember_mm)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_dnnl_sgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  manual_seed(0);
  Tensor a = randn({n, n}), b = randn({n, n}), c = empty({n, n});
  for (auto _ : state) {
    // Row-major C = A B, the same call ember's kernels can make, output preallocated.
    dnnl_sgemm('N', 'N', n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.0f,
               c.data_ptr<float>(), n);
    benchmark::ClobberMemory();
  }
  set_gflops(state, n);
}
EMBER_BENCHMARK(BM_dnnl_sgemm)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- (b) elementwise, memory bound ---------------------------------------------------
constexpr int64_t kBig = 16 << 20;  // 16M floats = 64 MiB per tensor

void set_gbs(benchmark::State& state, double bytes) {
  state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ember_add(benchmark::State& state) {  // c = a + b, c freshly allocated
  Tensor a = ones({kBig}), b = ones({kBig});
  for (auto _ : state) {
    Tensor c = add(a, b);
    benchmark::DoNotOptimize(c.raw_data());
  }
  set_gbs(state, 3.0 * kBig * sizeof(float));  // read a, b; write c
}
EMBER_BENCHMARK(BM_ember_add)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ember_add_inplace(benchmark::State& state) {  // a += b
  Tensor a = ones({kBig}), b = ones({kBig});
  for (auto _ : state) {
    a.add_(b);
    benchmark::ClobberMemory();
  }
  set_gbs(state, 3.0 * kBig * sizeof(float));  // read a, b; write a
}
EMBER_BENCHMARK(BM_ember_add_inplace)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_memcpy(benchmark::State& state) {  // the floor: copy one tensor's bytes
  Tensor a = ones({kBig}), c = zeros({kBig});
  for (auto _ : state) {
    std::memcpy(c.raw_data(), a.raw_data(), kBig * sizeof(float));
    benchmark::ClobberMemory();
  }
  set_gbs(state, 2.0 * kBig * sizeof(float));  // read a; write c
}
EMBER_BENCHMARK(BM_memcpy)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- (c) per-op overhead -------------------------------------------------------------
void BM_tiny_add(benchmark::State& state) {
  const bool grad = state.range(0) != 0;
  Tensor a = ones({1}, requires_grad(grad)), b = ones({1}, requires_grad(grad));
  for (auto _ : state) {
    Tensor c = a + b;  // with grad: allocates the output and records AddBackward0
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetLabel(grad ? "requires_grad" : "no grad");
}
EMBER_BENCHMARK(BM_tiny_add)->Arg(0)->Arg(1)->Unit(benchmark::kNanosecond);

// ---- (e) softmax: ember's kernel next to a oneDNN softmax primitive (built once) -----------
// Args: N, C, L; softmax over C. L == 1 is the classifier case (N, C).
Tensor softmax_input(benchmark::State& state) {
  manual_seed(0);
  const int64_t L = state.range(2);
  return L == 1 ? randn({state.range(0), state.range(1)}) : randn({state.range(0), state.range(1), L});
}

void BM_ember_softmax(benchmark::State& state) {
  Tensor x = softmax_input(state);
  for (auto _ : state) {
    Tensor y = softmax(x, 1);
    benchmark::DoNotOptimize(y.raw_data());
  }
}

void BM_dnnl_softmax(benchmark::State& state) {
  Tensor x = softmax_input(state), y = empty_like(x);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  dnnl::memory::dims dims(x.sizes().begin(), x.sizes().end());
  auto md = dnnl::memory::desc(dims, dnnl::memory::data_type::f32,
                               x.dim() == 2 ? dnnl::memory::format_tag::ab : dnnl::memory::format_tag::abc);
  dnnl::softmax_forward::primitive_desc pd({dnnl::prop_kind::forward_inference, md, 1}, eng);
  dnnl::softmax_forward prim(pd);
  dnnl::memory src(md, eng, x.raw_data()), dst(md, eng, y.raw_data());
  for (auto _ : state) {
    prim.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    strm.wait();
    benchmark::ClobberMemory();
  }
}
EMBER_BENCHMARK(BM_ember_softmax)->Args({64, 10, 1})->Args({32, 64, 256})->Unit(benchmark::kMicrosecond);
EMBER_BENCHMARK(BM_dnnl_softmax)->Args({64, 10, 1})->Args({32, 64, 256})->Unit(benchmark::kMicrosecond);

// ---- (d) linear regression step ------------------------------------------------------
void BM_linreg_step(benchmark::State& state) {
  const int64_t n = 80;
  manual_seed(42);
  Tensor x = rand({n, 1});
  Tensor y = 1.0 + 2.0 * x + 0.1 * randn({n, 1});
  Tensor a = randn({1}, requires_grad()), b = randn({1}, requires_grad());
  const double lr = 0.1;
  for (auto _ : state) {
    Tensor yhat = a + b * x;                       // forward
    Tensor error = y - yhat;
    Tensor loss = (error * error).sum() / n;       // MSE
    loss.backward();                               // backward
    {
      NoGradGuard no_grad;                         // update
      a -= lr * a.grad();
      b -= lr * b.grad();
    }
    a.grad().zero_();
    b.grad().zero_();
  }
  // Google Benchmark first runs a few iterations to size the run: check only long runs.
  const bool converged = std::abs(a.item<double>() - 1.0) < 0.2 && std::abs(b.item<double>() - 2.0) < 0.2;
  if (state.iterations() >= 1000 && !converged)
    state.SkipWithError("linear regression did not converge");
}
EMBER_BENCHMARK(BM_linreg_step)->Unit(benchmark::kMicrosecond);

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

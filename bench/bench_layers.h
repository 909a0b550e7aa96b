#pragma once
// Shared by bench_layers.cpp (ember) and peer/layers_libtorch.cpp (LibTorch).
#include <benchmark/benchmark.h>

namespace bench {

// The 32 -> 64 convolution (N=64, 14x14, 3x3, padding 1): forward, backward data and backward
// weights each take 2*N*O*OH*OW*C*KH*KW flops.
inline void set_conv_gflops(benchmark::State& state) {
  const double flops = 3.0 * 2.0 * 64 * 64 * 14 * 14 * 32 * 3 * 3;
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Sets LibTorch's thread count (a no-op when the peer is not linked in).
void peer_set_num_threads(int n);

}  // namespace bench

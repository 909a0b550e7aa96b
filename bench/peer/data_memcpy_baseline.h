#pragma once
// The bandwidth bound shared by bench_data.cpp and data_libtorch.cpp: one memcpy of the bytes
// of one Fashion-MNIST epoch as float32 (60,000 x 784 x 4).
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>

inline void memcpy_epoch_bytes(benchmark::State& state) {
  const size_t bytes = 60000ull * 784 * 4;
  std::unique_ptr<char[]> src(new char[bytes]), dst(new char[bytes]);
  std::memset(src.get(), 1, bytes);
  std::memset(dst.get(), 0, bytes);
  for (auto _ : state) {
    std::memcpy(dst.get(), src.get(), bytes);
    benchmark::ClobberMemory();
  }
  state.counters["samples/s"] = benchmark::Counter(60000.0, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GB/s"] = benchmark::Counter(static_cast<double>(bytes) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The machine's float32 FMA peak, measured: every thread runs a loop of independent fused
// multiply-adds on registers (16 accumulators: more than FMA latency x FMA ports on current x86
// cores), AVX-512 when the compiler targets it (-march=native), else AVX2+FMA.
//
//   fma_peak [--threads N] [--seconds S]     -> one JSON line {"fma_peak_gflops":..., ...}
//
// FLOPs: one FMA on a W-float vector counts 2*W. The best of 5 timed runs is reported.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kWidth = 16;
const char* const kIsa = "avx512";
inline Vec set1(float v) { return _mm512_set1_ps(v); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
inline Vec add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
inline float hsum(Vec v) { return _mm512_reduce_add_ps(v); }
#elif defined(__AVX2__) && defined(__FMA__)
using Vec = __m256;
constexpr int kWidth = 8;
const char* const kIsa = "avx2";
inline Vec set1(float v) { return _mm256_set1_ps(v); }
inline Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
inline Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
inline float hsum(Vec v) {
  alignas(32) float f[8];
  _mm256_store_ps(f, v);
  float s = 0;
  for (float x : f) s += x;
  return s;
}
#else
#error "fma_peak needs AVX2+FMA or AVX-512 (-march=native on an x86-64 machine that has them)"
#endif

constexpr int kAcc = 16;
using Clock = std::chrono::steady_clock;

// `iters` rounds of kAcc independent FMAs; returns a value that depends on all of them.
__attribute__((noinline)) float fma_loop(long iters, float seed) {
  Vec acc[kAcc];
  for (int i = 0; i < kAcc; ++i) acc[i] = set1(seed + static_cast<float>(i));
  const Vec a = set1(0.999999f), b = set1(1e-7f);
  for (long it = 0; it < iters; ++it) {
#pragma GCC unroll 16
    for (int i = 0; i < kAcc; ++i) acc[i] = fma(acc[i], a, b);
  }
  Vec s = acc[0];
  for (int i = 1; i < kAcc; ++i) s = add(s, acc[i]);
  return hsum(s);
}

// GFLOP/s of `threads` threads each running `iters` rounds.
double run(int threads, long iters, float& sink) {
  float total = 0;
  auto t0 = Clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : total)
  total += fma_loop(iters, static_cast<float>(omp_get_thread_num()));
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  sink += total;
  return 2.0 * kWidth * kAcc * static_cast<double>(iters) * threads / s * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  double seconds = 0.2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::stoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::stod(argv[i + 1]);
  }
  float sink = 0;
  // Calibrate the iteration count to about `seconds` per run (this also wakes the cores up).
  long iters = 1 << 20;
  for (;;) {
    auto t0 = Clock::now();
    sink += fma_loop(iters, 1.0f);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s > seconds / 4) {
      iters = static_cast<long>(static_cast<double>(iters) * seconds / s);
      break;
    }
    iters *= 2;
  }
  double best = 0, best1 = 0;
  for (int r = 0; r < 5; ++r) best1 = std::max(best1, run(1, iters, sink));
  for (int r = 0; r < 5; ++r) best = std::max(best, run(threads, iters, sink));
  std::printf("{\"fma_peak_gflops\":%.1f,\"one_thread_gflops\":%.1f,\"threads\":%d,\"isa\":\"%s\",\"sink\":%g}\n",
              best, best1, threads, kIsa, static_cast<double>(sink));
  return 0;
}

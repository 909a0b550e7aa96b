#pragma once
// Internal: split [0, n) over the OpenMP threads when the work is large enough.
// fn(begin, end) must not throw (exceptions cannot cross an OpenMP region).
#include <algorithm>
#include <cstdint>
#include <omp.h>

namespace ember::cpu {

constexpr int64_t kGrainSize = 32768;

// The thread count set by ember::set_num_threads (applied to the calling thread's OpenMP
// setting, so threads started by the user follow it too). Call before any parallel region.
int max_threads();

template <class F>
void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  int nt = max_threads();
  if (nt <= 1 || n <= grain || omp_in_parallel()) {
    fn(int64_t{0}, n);
    return;
  }
  int64_t chunks = std::min<int64_t>(nt, (n + grain - 1) / grain);
#pragma omp parallel num_threads(static_cast<int>(chunks))
  {
    int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
    int64_t per = (n + T - 1) / T;
    int64_t b = t * per, e = std::min(n, b + per);
    if (b < e) fn(b, e);
  }
}

}  // namespace ember::cpu

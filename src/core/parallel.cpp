#include "ember/core/parallel.h"

#include <atomic>
#include <cstdint>

#include <omp.h>

#include "ember/core/error.h"

namespace ember {

namespace {
std::atomic<int> g_threads{0};         // 0: OpenMP's default
std::atomic<uint64_t> g_generation{1};  // bumped by every set_num_threads
}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, "set_num_threads: expected a positive thread count, got ", n);
  g_threads.store(n);
  g_generation.fetch_add(1);
  omp_set_num_threads(n);  // oneDNN (OpenMP runtime) follows the same setting
}

int get_num_threads() {
  const int n = g_threads.load();
  return n > 0 ? n : omp_get_max_threads();
}

namespace cpu {

// OpenMP keeps the thread count per calling thread: apply the global setting to this thread
// the first time it runs a kernel after a set_num_threads (one atomic load otherwise).
int max_threads() {
  __attribute__((tls_model("initial-exec"))) static thread_local uint64_t seen = 0;
  const uint64_t gen = g_generation.load(std::memory_order_relaxed);
  if (seen != gen) {
    seen = gen;
    if (const int n = g_threads.load(); n > 0 && omp_get_max_threads() != n) omp_set_num_threads(n);
  }
  return omp_get_max_threads();
}

}  // namespace cpu
}  // namespace ember

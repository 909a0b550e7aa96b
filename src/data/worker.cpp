// The per-thread sample generator and worker identity (include/ember/data/worker.h).
#include "ember/data/worker.h"

#include "data/worker_internal.h"
#include "ember/core/error.h"

namespace ember::data {

namespace {
thread_local Generator* tl_generator = nullptr;
thread_local WorkerInfo tl_worker;
}  // namespace

Generator& sample_generator() { return tl_generator ? *tl_generator : default_generator(); }

SampleGeneratorGuard::SampleGeneratorGuard(Generator& gen) : previous_(tl_generator) { tl_generator = &gen; }
SampleGeneratorGuard::~SampleGeneratorGuard() { tl_generator = previous_; }

WorkerInfo get_worker_info() { return tl_worker; }

namespace detail {
void set_worker_info(WorkerInfo info) { tl_worker = info; }

uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  // splitmix64 of the pair: distinct (seed, stream) give unrelated seeds.
  uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
}  // namespace detail

uint64_t derive_seed(uint64_t seed, uint64_t stream) { return detail::mix_seed(seed, stream); }

uint64_t random_u64(Generator& gen) {
  uint32_t w[4];
  Generator::philox(gen.seed(), gen.reserve(1), w);
  return (uint64_t(w[0]) << 32) | w[1];
}

double random_uniform(Generator& gen) { return (random_u64(gen) >> 11) * (1.0 / 9007199254740992.0); }

int64_t random_int(Generator& gen, int64_t n) {
  EMBER_CHECK(n > 0, "random_int: n must be positive, got ", n);
  return static_cast<int64_t>((static_cast<unsigned __int128>(random_u64(gen)) * static_cast<uint64_t>(n)) >> 64);
}

}  // namespace ember::data

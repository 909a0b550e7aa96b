#pragma once
// Randomness and identity inside data loading.
//
// Random transforms (RandomCrop, RandomHorizontalFlip, ...) draw from sample_generator(). While
// a DataLoader or Pipeline produces batch b of an epoch, that is a generator seeded from
// (the epoch's seed, b) on the thread doing the work, so augmentations are the same whatever
// num_workers is, and the epoch's seed comes from the loader's seeded generator. Outside a
// loader it is ember's default generator (seed it with ember::manual_seed).
#include <cstdint>

#include "ember/core/rng.h"

namespace ember::data {

Generator& sample_generator();

// While alive, sample_generator() on this thread returns `gen`.
class SampleGeneratorGuard {
 public:
  explicit SampleGeneratorGuard(Generator& gen);
  ~SampleGeneratorGuard();
  SampleGeneratorGuard(const SampleGeneratorGuard&) = delete;
  SampleGeneratorGuard& operator=(const SampleGeneratorGuard&) = delete;

 private:
  Generator* previous_;
};

// torch.utils.data.get_worker_info(): which loader worker thread this is; id -1 (and
// num_workers 0) on a thread that is not a loader worker.
struct WorkerInfo {
  int id = -1;
  int num_workers = 0;
};
WorkerInfo get_worker_info();

// A seed for stream `stream` (a batch, an element, an epoch) derived from `seed` (splitmix64):
// distinct pairs give unrelated seeds.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

// Draws from a generator, one Philox counter per call.
uint64_t random_u64(Generator& gen);
double random_uniform(Generator& gen);           // [0, 1)
int64_t random_int(Generator& gen, int64_t n);  // [0, n)

}  // namespace ember::data

#pragma once
// Random numbers: a counter-based generator (Philox 4x32-10). Element i of a random
// tensor depends only on (seed, offset + i), so results do not depend on the thread count.
#include <cstdint>

namespace ember {

class Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ULL) : seed_(seed) {}
  void manual_seed(uint64_t seed) { seed_ = seed; offset_ = 0; }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t o) { offset_ = o; }
  // Reserve `n` counters (each gives four 32-bit words) and return the first.
  uint64_t reserve(uint64_t n) { uint64_t o = offset_; offset_ += n; return o; }

  // Four random 32-bit words for counter `ctr` under this generator's seed.
  static void philox(uint64_t seed, uint64_t ctr, uint32_t out[4]);
  static float to_unit_float(uint32_t x) { return (x >> 8) * (1.0f / 16777216.0f); }       // [0,1)
  static double to_unit_double(uint32_t hi, uint32_t lo) {
    return ((uint64_t(hi) << 21) ^ (lo >> 11)) * (1.0 / 9007199254740992.0);               // [0,1)
  }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The global generator used by every random op unless one is passed.
Generator& default_generator();
// torch.manual_seed: reseeds the default generator.
void manual_seed(uint64_t seed);

}  // namespace ember

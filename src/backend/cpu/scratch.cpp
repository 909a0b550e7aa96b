#include "backend/cpu/scratch.h"

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "ember/core/error.h"

namespace ember::cpu {

namespace {
struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
struct Slot {
  std::unique_ptr<void, FreeDeleter> data;
  size_t bytes = 0;
};
}  // namespace

void* scratch_buffer(int slot, size_t bytes) {
  thread_local Slot slots[kScratchSlots];
  EMBER_CHECK(slot >= 0 && slot < kScratchSlots, "scratch_buffer: slot ", slot, " out of range");
  Slot& s = slots[slot];
  if (s.bytes < bytes || !s.data) {
    const size_t rounded = (std::max<size_t>(bytes, 64) + 63) / 64 * 64;
    s.data.reset(std::aligned_alloc(64, rounded));
    EMBER_CHECK(s.data != nullptr, "scratch_buffer: out of memory allocating ", rounded, " bytes");
    s.bytes = rounded;
  }
  return s.data.get();
}

}  // namespace ember::cpu

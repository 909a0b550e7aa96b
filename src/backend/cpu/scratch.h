#pragma once
// Internal: per-thread reusable buffers for temporaries that live within one kernel call
// (oneDNN's blocked copies and scratchpads). glibc serves every same-sized large request with a
// fresh mmap, so a training loop would otherwise fault in new pages for each of them on every
// step; slot k's buffer instead grows to the largest request seen and is kept.
#include <cstddef>

namespace ember::cpu {

// The buffer of `slot` (0 <= slot < kScratchSlots) for this thread, at least `bytes` long and
// 64-byte aligned. Valid until the next call for the same slot on this thread.
constexpr int kScratchSlots = 8;
void* scratch_buffer(int slot, size_t bytes);

}  // namespace ember::cpu

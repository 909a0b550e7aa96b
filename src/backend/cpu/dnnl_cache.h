#pragma once
// Internal: counts of oneDNN primitive-cache misses (tests check that a training loop
// builds each primitive once). No oneDNN types here so tests can include it.
#include <cstdint>

namespace ember::cpu {

// Number of primitive sets built since the process started (all oneDNN-backed ops).
int64_t dnnl_cache_misses();
void note_dnnl_cache_miss();

}  // namespace ember::cpu

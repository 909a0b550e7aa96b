#pragma once
// Internal to src/data: worker identity and seed mixing.
#include <cstdint>

#include "ember/data/worker.h"

namespace ember::data::detail {

void set_worker_info(WorkerInfo info);
// A seed for stream `stream` (a batch number, an epoch) derived from `seed`.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

}  // namespace ember::data::detail

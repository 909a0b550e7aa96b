#pragma once
// Thread control. Kernels use OpenMP; oneDNN shares the same thread pool.
#include <cstdint>

namespace ember {

void set_num_threads(int n);
int get_num_threads();

}  // namespace ember

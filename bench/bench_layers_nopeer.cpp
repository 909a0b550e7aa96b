// bench_layers without LibTorch: the peer hook does nothing.
#include "bench_layers.h"

namespace bench {
void peer_set_num_threads(int) {}
}  // namespace bench

#include "ember/core/parallel.h"

#include <omp.h>

#include "ember/core/error.h"

namespace ember {

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, "set_num_threads: expected a positive thread count, got ", n);
  omp_set_num_threads(n);  // oneDNN (OpenMP runtime) follows the same setting
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace ember

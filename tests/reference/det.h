#pragma once
// Deterministic test inputs shared with the PyTorch scripts in tests/reference/*.py (their
// det()): the same values on both sides, so only PyTorch's results need embedding in a test.
#include <ember/ember.h>

#include <vector>

namespace ember::testing {

// ((k * 7919 + seed * 104729) % 2003 / 2003 - 0.5) * scale for k = 0..numel-1, float64.
inline Tensor det(const Shape& shape, int seed, double scale = 1.0) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> v(n);
  for (int64_t k = 0; k < n; ++k)
    v[k] = (static_cast<double>((k * 7919 + seed * 104729) % 2003) / 2003.0 - 0.5) * scale;
  return tensor(v).reshape(shape);  // (an empty shape is 0-d here, not 1-D)
}

}  // namespace ember::testing

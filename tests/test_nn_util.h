#pragma once
// Helpers shared by the tests/test_nn_*.cpp files.
#include <algorithm>
#include <cmath>
#include <vector>

#include <ember/ember.h>

namespace ember::nntest {

// A deterministic, irregular tensor: element i (row-major) is sin(freq i + phase) * scale.
// The PyTorch reference numbers in these tests were computed from the same values:
//   torch.tensor([math.sin(freq*i + phase) * scale for i in range(n)], dtype=torch.float64)
//        .to(dtype).reshape(shape)
inline Tensor wave(const Shape& shape, double phase = 0.0, double scale = 1.0, DType dtype = kFloat32,
                   double freq = 0.37) {
  const int64_t n = shape_numel(shape);
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = std::sin(freq * static_cast<double>(i) + phase) * scale;
  return tensor(v, shape).to(dtype);
}

// A float64 leaf that requires grad (for gradcheck).
inline Tensor leaf64(const Shape& shape, double phase = 0.0, double scale = 1.0) {
  return wave(shape, phase, scale, kFloat64).requires_grad_(true);
}

// Reference values (printed by PyTorch) as a float32 tensor of `shape`.
inline Tensor ref(const std::vector<double>& v, const Shape& shape) { return tensor(v, shape).to(kFloat32); }

// max |t| (computed here, so the tests do not depend on the reduction ops).
inline double max_abs(const Tensor& t) {
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  double m = 0;
  for (int64_t i = 0; i < c.numel(); ++i) m = std::max(m, std::fabs(p[i]));
  return m;
}

}  // namespace ember::nntest

// Uses the installed library: y = sum(w * x + w), dy/dw = x + 1.
#include <cmath>
#include <cstdio>
#include <ember/ember.h>

int main() {
  ember::Tensor x = ember::tensor({1.0f, 2.0f, 3.0f});
  ember::Tensor w = ember::tensor({0.5f, -1.0f, 2.0f}, {}, ember::requires_grad());
  ember::Tensor y = (w * x + w).sum();
  y.backward();
  const float expected_y = 0.5f * 2 + (-1.0f) * 3 + 2.0f * 4;  // 6
  if (std::abs(y.item<float>() - expected_y) > 1e-6f) {
    std::fprintf(stderr, "install test: y = %f, expected %f\n", y.item<float>(), expected_y);
    return 1;
  }
  const float* g = w.grad().data_ptr<float>();
  for (int i = 0; i < 3; ++i) {
    const float expected = static_cast<float>(i + 2);  // x + 1
    if (std::abs(g[i] - expected) > 1e-6f) {
      std::fprintf(stderr, "install test: grad[%d] = %f, expected %f\n", i, g[i], expected);
      return 1;
    }
  }
  std::printf("install test: ok (y = %g, grad = [%g, %g, %g])\n", y.item<float>(), g[0], g[1], g[2]);
  return 0;
}

// Backward kernels of activations that autograd runs every training step, fused into one pass
// (no bool mask tensor, no broadcast scalar).
#include "backend/cpu/dispatch.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/loops.h"

namespace ember::cpu {

void relu_backward(const Tensor& grad, const Tensor& y, Tensor& out) {
  dispatch_floating(out.dtype(), "relu_backward", [&](auto tag) {
    using T = decltype(tag);
    map<T, T, T>(out, [](T g, T v) { return v > T(0) ? g : T(0); }, grad, y);
  });
}

}  // namespace ember::cpu

// dropout and dropout2d: a keep-mask scaled by 1/(1-p), drawn from the default generator,
// multiplied into x (the backward is the same product, so double backward works).
#include "ember/nn/functional/dropout.h"

#include "backend/cpu/dispatch.h"
#include "backend/cpu/parallel_for.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

namespace ember::nn::functional {

namespace {

void check_p(const char* op, double p, const Tensor& x) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, op, ": dropout probability has to be between 0 and 1, but got ", p);
  EMBER_CHECK(x.defined(), op, ": input is undefined");
  EMBER_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", dtype_name(x.dtype()));
}

// A tensor of `shape` whose elements are 1/(1-p) with probability 1-p, else 0.
Tensor keep_mask(const Shape& shape, DType dtype, double p) {
  Tensor m = rand(shape, dtype);  // U[0,1), from the default generator
  const double scale = p < 1.0 ? 1.0 / (1.0 - p) : 0.0;
  cpu::dispatch_floating(dtype, "dropout", [&](auto tag) {
    using T = decltype(tag);
    T* mp = m.data_ptr<T>();
    const T keep = static_cast<T>(1.0 - p), s = static_cast<T>(scale);
    cpu::parallel_for(m.numel(), cpu::kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) mp[i] = mp[i] < keep ? s : T(0);
    });
  });
  return m;
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training) {
  check_p("dropout", p, x);
  if (!training || p == 0.0) return x;
  return mul(x, keep_mask(x.sizes(), x.dtype(), p));
}

// x:(N,C,H,W) or (N,C,L): one draw per (n, c) channel. (PyTorch 1.13 reads a 3-D input as
// (N,C,L), channel dim 1, and warns that this may change; ember keeps that reading.)
Tensor dropout2d(const Tensor& x, double p, bool training) {
  check_p("dropout2d", p, x);
  EMBER_CHECK(x.dim() == 3 || x.dim() == 4, "dropout2d: expected a 4D (N,C,H,W) or 3D (N,C,L) input, got ",
              shape_str(x.sizes()));
  if (!training || p == 0.0) return x;
  Shape mshape(x.dim(), 1);
  mshape[0] = x.size(0);
  mshape[1] = x.size(1);
  return mul(x, keep_mask(mshape, x.dtype(), p));
}

}  // namespace ember::nn::functional

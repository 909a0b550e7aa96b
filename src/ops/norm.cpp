// norm: the vector p-norm over all or chosen dims (p = 0, 1, 2, inf, -inf or any other),
// forward on the CPU kernel, backward with tensor ops as in PyTorch's norm_backward.
#include <cmath>

#include "autograd/record.h"
#include "backend/cpu/reduce.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "ops/reduce_util.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

// d||x||_p / dx times the upstream gradient; ge and nk are the gradient and the norm
// broadcast against x.
Tensor norm_backward(const Tensor& x, const Tensor& ge, const Tensor& nk, double p,
                     const std::vector<int64_t>& dims) {
  if (p == 0) return zeros_like(x);
  if (p == 1) return ge * sign(x);
  if (std::isinf(p)) {
    // the elements attaining max|x| (min|x|) share the gradient evenly
    Tensor mask = eq(abs(x), nk).to(x.dtype());
    return sign(x) * (ge / mask.sum(dims, true)) * mask;
  }
  Tensor scale = masked_fill(ge / pow(nk, p - 1), eq(nk, 0), 0);  // a zero norm gets a zero gradient
  if (p == 2) return x * scale;
  if (p < 1) return sign(x) * masked_fill(pow(abs(x), p - 1), eq(x, 0), 0) * ge * pow(nk, 1 - p);
  if (p < 2) return sign(x) * pow(abs(x), p - 1) * scale;
  return x * pow(abs(x), p - 2) * scale;
}

}  // namespace

Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dims_in, bool keepdim) {
  check_floating_input(x, "norm");
  auto dims = reduction_dims(dims_in, x.dim(), "norm");
  const Shape in = x.sizes();
  Tensor out = make_empty(reduced_shape(in, dims, keepdim), x.dtype(), x.device());
  cpu::norm_dims(x, p, dims, out);
  if (autograd::needs_grad(x)) {
    record("NormBackward1", {x}, {out}, {x, out},
           [in, dims, keepdim, p](const TensorList& g, const TensorList& s) -> TensorList {
             Tensor ge = keepdim_view(g[0], in, dims, keepdim), nk = keepdim_view(s[1], in, dims, keepdim);
             return {norm_backward(s[0], ge, nk, p, dims)};
           });
  }
  return out;
}

Tensor norm(const Tensor& x, double p) { return norm(x, p, {}, false); }
Tensor Tensor::norm(double p) const { return ember::norm(*this, p); }
Tensor Tensor::norm(double p, const std::vector<int64_t>& dims, bool keepdim) const {
  return ember::norm(*this, p, dims, keepdim);
}

}  // namespace ember

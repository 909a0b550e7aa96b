// logsumexp over chosen dims (max-shifted for stability); backward g * exp(x - result).
#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/reduce.h"
#include "ember/tensor/ops.h"
#include "ops/reduce_util.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

Tensor logsumexp(const Tensor& x_in, const std::vector<int64_t>& dims_in, bool keepdim) {
  EMBER_CHECK(x_in.defined(), "logsumexp: the input is undefined");
  // integer and bool inputs compute in float32
  Tensor x = is_floating(x_in.dtype()) ? x_in : cpu::convert(x_in, kFloat32);
  auto dims = reduction_dims(dims_in, x.dim(), "logsumexp");
  const Shape in = x.sizes();
  Tensor out = make_empty(reduced_shape(in, dims, keepdim), x.dtype(), x.device());
  cpu::logsumexp_dims(x, dims, out);
  if (autograd::needs_grad(x_in)) {
    record("LogsumexpBackward0", {x_in}, {out}, {x_in, out},
           [in, dims, keepdim](const TensorList& g, const TensorList& s) -> TensorList {
             return {keepdim_view(g[0], in, dims, keepdim) * exp(s[0] - keepdim_view(s[1], in, dims, keepdim))};
           });
  }
  return out;
}

Tensor Tensor::logsumexp(const std::vector<int64_t>& dims, bool keepdim) const {
  return ember::logsumexp(*this, dims, keepdim);
}

}  // namespace ember

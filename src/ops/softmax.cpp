// softmax and log_softmax along one dim, on the CPU kernel; backward with tensor ops:
//   softmax:     dx = y * (g - sum(g * y))
//   log_softmax: dx = g - exp(y) * sum(g)
#include "autograd/record.h"
#include "backend/cpu/reduce.h"
#include "ember/tensor/ops.h"
#include "ops/reduce_util.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

Tensor softmax_impl(const Tensor& x, int64_t dim, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_floating_input(x, op);
  const int64_t d = wrap_dim(dim, x.dim(), op);
  Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
  cpu::softmax(x, x.dim() == 0 ? 0 : d, log, out);
  if (autograd::needs_grad(x)) {
    const int64_t rd = x.dim() == 0 ? -1 : d;  // a 0-d tensor is its own (single-element) row
    record(log ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {x}, {out}, {out},
           [rd, log](const TensorList& g, const TensorList& s) -> TensorList {
             std::vector<int64_t> dims;
             if (rd >= 0) dims.push_back(rd);
             const Tensor& y = s[0];
             if (log) return {g[0] - exp(y) * g[0].sum(dims, true)};
             return {y * (g[0] - (g[0] * y).sum(dims, true))};
           });
  }
  return out;
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return softmax_impl(x, dim, true); }
Tensor Tensor::softmax(int64_t dim) const { return ember::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return ember::log_softmax(*this, dim); }

}  // namespace ember

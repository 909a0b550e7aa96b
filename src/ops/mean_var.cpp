// mean, var and std over all or chosen dims (floating inputs): forward on the CPU reduction
// kernels, backward with tensor ops so that double backward works.
#include "autograd/record.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/reduce.h"
#include "ember/tensor/ops.h"
#include "ops/reduce_util.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

// out /= n in place (out is fresh and contiguous).
void divide_by(Tensor& out, double n) {
  cpu::binary(cpu::BinaryOp::Div, out, cpu::convert(wrap_scalar(n), out.dtype()), out);
}

// var (or std with `is_std`) with divisor n - correction.
Tensor var_std(const char* op, const Tensor& x, const std::vector<int64_t>& dims_in, bool unbiased, bool keepdim,
               bool is_std) {
  check_floating_input(x, op);
  auto dims = reduction_dims(dims_in, x.dim(), op);
  const Shape in = x.sizes();
  Tensor out = make_empty(reduced_shape(in, dims, keepdim), x.dtype(), x.device());
  const double correction = unbiased ? 1 : 0;
  cpu::var_dims(x, dims, correction, out);
  if (is_std) cpu::unary(cpu::UnaryOp::Sqrt, out, out);
  if (autograd::needs_grad(x)) {
    const double denom = static_cast<double>(reduced_numel(in, dims)) - correction;
    // dvar/dx = 2 (x - mean) / (n - c);  dstd/dx = (x - mean) / ((n - c) std)
    record(is_std ? "StdBackward0" : "VarBackward0", {x}, {out}, {x, is_std ? out : Tensor()},
           [in, dims, keepdim, denom, is_std](const TensorList& g, const TensorList& s) -> TensorList {
             Tensor centered = s[0] - s[0].mean(dims, true);
             Tensor ge = expand_reduced(g[0], in, dims, keepdim);
             if (is_std) return {ge * centered / (keepdim_view(s[1], in, dims, keepdim) * denom)};
             return {ge * centered * (2.0 / denom)};
           });
  }
  return out;
}

}  // namespace

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  check_floating_input(x, "mean");
  auto dims = reduction_dims(dims_in, x.dim(), "mean");
  const Shape in = x.sizes();
  const int64_t n = reduced_numel(in, dims);
  Tensor out = make_empty(reduced_shape(in, dims, keepdim), x.dtype(), x.device());
  cpu::sum_dims(x, dims, out);
  divide_by(out, static_cast<double>(n));  // an empty reduction gives 0/0 = NaN, as in PyTorch
  if (autograd::needs_grad(x)) {
    record(dims_in.empty() ? "MeanBackward0" : "MeanBackward1", {x}, {out}, {},
           [in, dims, keepdim, n](const TensorList& g, const TensorList&) -> TensorList {
             return {expand_reduced(g[0], in, dims, keepdim) / static_cast<double>(n)};
           });
  }
  return out;
}
Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  return var_std("var", x, dims, unbiased, keepdim, false);
}
Tensor var(const Tensor& x, bool unbiased) { return var(x, {}, unbiased, false); }
Tensor std(const Tensor& x, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  return var_std("std", x, dims, unbiased, keepdim, true);
}
Tensor std(const Tensor& x, bool unbiased) { return ember::std(x, {}, unbiased, false); }

Tensor Tensor::mean() const { return ember::mean(*this); }
Tensor Tensor::mean(const std::vector<int64_t>& dims, bool keepdim) const { return ember::mean(*this, dims, keepdim); }
Tensor Tensor::var(bool unbiased) const { return ember::var(*this, unbiased); }
Tensor Tensor::var(const std::vector<int64_t>& dims, bool unbiased, bool keepdim) const {
  return ember::var(*this, dims, unbiased, keepdim);
}
Tensor Tensor::std(bool unbiased) const { return ember::std(*this, unbiased); }
Tensor Tensor::std(const std::vector<int64_t>& dims, bool unbiased, bool keepdim) const {
  return ember::std(*this, dims, unbiased, keepdim);
}

}  // namespace ember

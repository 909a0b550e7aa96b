// where(cond, a, b): pick a where cond is true, else b; broadcasting and type promotion.
#include "autograd/record.h"
#include "ember/tensor/ops.h"
#include "ops/pointwise.h"

namespace ember {

// cond:(*C) a:(*A) b:(*B) -> broadcast(C, A, B); da = g where cond, db = g where !cond
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(cond.defined() && a.defined() && b.defined(), "where: an input is undefined");
  EMBER_CHECK(cond.dtype() == kBool, "where: expected condition to be a boolean tensor, but got a tensor with dtype ",
              dtype_name(cond.dtype()));
  DType dt = result_type(a, b);
  Shape shape = broadcast_shapes(broadcast_shapes(cond.sizes(), a.sizes(), "where"), b.sizes(), "where");
  Tensor out = make_empty(shape, dt, a.device());
  cpu::where(cond, cpu::convert(a, dt), cpu::convert(b, dt), out);
  if (autograd::needs_grad(a, b)) {
    Shape sa = a.sizes(), sb = b.sizes();
    bool ra = a.requires_grad(), rb = b.requires_grad();
    autograd::record("WhereBackward0", {a, b}, {out}, {cond},
                     [sa, sb, ra, rb](const TensorList& g, const TensorList& s) -> TensorList {
                       return {ra ? sum_to(where(s[0], g[0], 0), sa) : Tensor(),
                               rb ? sum_to(where(s[0], 0, g[0]), sb) : Tensor()};
                     });
  }
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, Scalar b) { return where(cond, a, wrap_scalar(b)); }
Tensor where(const Tensor& cond, Scalar a, const Tensor& b) { return where(cond, wrap_scalar(a), b); }

}  // namespace ember

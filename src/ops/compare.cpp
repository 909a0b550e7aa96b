// Comparisons (eq ne lt le gt ge), logic (and or not), equal and allclose: bool results, no gradient.
#include "ember/tensor/ops.h"
#include "ops/pointwise.h"

namespace ember {

using cpu::CompareOp;

namespace {

// a (op) b computed in the promoted dtype.  a:(*A) b:(*B) -> bool broadcast(A, B)
Tensor compare_forward(CompareOp op, const char* name, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), name, ": an input is undefined");
  DType dt = result_type(a, b);
  Tensor out = make_empty(broadcast_shapes(a.sizes(), b.sizes(), name), kBool, a.device());
  cpu::compare(op, cpu::convert(a, dt), cpu::convert(b, dt), out);
  return out;
}

Tensor logical_forward(cpu::LogicalOp op, const char* name, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), name, ": an input is undefined");
  Tensor out = make_empty(broadcast_shapes(a.sizes(), b.sizes(), name), kBool, a.device());
  cpu::logical(op, a, b, out);
  return out;
}

}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare_forward(CompareOp::Eq, "eq", a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare_forward(CompareOp::Ne, "ne", a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare_forward(CompareOp::Lt, "lt", a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare_forward(CompareOp::Le, "le", a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare_forward(CompareOp::Gt, "gt", a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare_forward(CompareOp::Ge, "ge", a, b); }
Tensor eq(const Tensor& a, Scalar b) { return eq(a, wrap_scalar(b)); }
Tensor ne(const Tensor& a, Scalar b) { return ne(a, wrap_scalar(b)); }
Tensor lt(const Tensor& a, Scalar b) { return lt(a, wrap_scalar(b)); }
Tensor le(const Tensor& a, Scalar b) { return le(a, wrap_scalar(b)); }
Tensor gt(const Tensor& a, Scalar b) { return gt(a, wrap_scalar(b)); }
Tensor ge(const Tensor& a, Scalar b) { return ge(a, wrap_scalar(b)); }

Tensor logical_and(const Tensor& a, const Tensor& b) { return logical_forward(cpu::LogicalOp::And, "logical_and", a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical_forward(cpu::LogicalOp::Or, "logical_or", a, b); }
Tensor logical_not(const Tensor& a) {
  EMBER_CHECK(a.defined(), "logical_not: the input is undefined");
  Tensor out = make_empty(a.sizes(), kBool, a.device());
  cpu::logical_not(a, out);
  return out;
}

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, Scalar b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, Scalar b) { return ne(a, b); }
Tensor operator<(const Tensor& a, Scalar b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, Scalar b) { return le(a, b); }
Tensor operator>(const Tensor& a, Scalar b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, Scalar b) { return ge(a, b); }
Tensor operator&&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator||(const Tensor& a, const Tensor& b) { return logical_or(a, b); }
Tensor operator!(const Tensor& a) { return logical_not(a); }

// Same shape and same values (compared in the promoted dtype; NaN != NaN).
bool equal(const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), "equal: an input is undefined");
  if (a.sizes() != b.sizes()) return false;
  Tensor same = eq(a, b);
  const bool* p = static_cast<const bool*>(same.raw_data());  // contiguous (fresh)
  for (int64_t i = 0; i < same.numel(); ++i)
    if (!p[i]) return false;
  return true;
}

// |a - b| <= atol + rtol * |b| everywhere, with broadcasting; dtypes must match (PyTorch).
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  EMBER_CHECK(a.defined() && b.defined(), "allclose: an input is undefined");
  EMBER_CHECK(a.dtype() == b.dtype(), "allclose: ", dtype_name(a.dtype()), " did not match ", dtype_name(b.dtype()),
              " (shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()), ")");
  return cpu::allclose(a, b, rtol, atol);
}

Tensor Tensor::eq(const Tensor& o) const { return ember::eq(*this, o); }
Tensor Tensor::eq(Scalar o) const { return ember::eq(*this, o); }
bool Tensor::equal(const Tensor& o) const { return ember::equal(*this, o); }
bool Tensor::allclose(const Tensor& o, double rtol, double atol) const { return ember::allclose(*this, o, rtol, atol); }

}  // namespace ember

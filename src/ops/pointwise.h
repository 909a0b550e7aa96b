#pragma once
// Internal: small helpers shared by the pointwise op files (unary, activation, pow, where).
#include "backend/cpu/elementwise.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/tensor.h"
#include "tensor/make.h"

namespace ember {

// Floating ops compute in x's dtype when it is floating, else in float32 (as PyTorch does).
inline DType float_compute_dtype(DType d) { return is_floating(d) ? d : kFloat32; }

// op(x) in x's floating compute dtype; no autograd.  x:(*) -> (*)
inline Tensor unary_float_kernel(cpu::UnaryOp op, const char* name, const Tensor& x) {
  EMBER_CHECK(x.defined(), name, ": the input is undefined");
  DType dt = float_compute_dtype(x.dtype());
  Tensor out = make_empty(x.sizes(), dt, x.device());
  cpu::unary(op, cpu::convert(x, dt), out);
  return out;
}

// op(x) in x's own dtype; no autograd.  x:(*) -> (*)
inline Tensor unary_same_kernel(cpu::UnaryOp op, const char* name, const Tensor& x) {
  EMBER_CHECK(x.defined(), name, ": the input is undefined");
  EMBER_CHECK(x.dtype() != kBool || op == cpu::UnaryOp::Sign, name, ": not implemented for bool tensors");
  Tensor out = make_empty(x.sizes(), x.dtype(), x.device());
  cpu::unary(op, x, out);
  return out;
}

// True when an in-place op on `self` can write directly: no graph needed and the result
// dtype is self's. Checks the leaf rule and bumps the version when it returns true.
bool pointwise_fast_inplace(const Tensor& self, DType result_dtype, const char* op);

}  // namespace ember

#pragma once
// Internal helpers shared by the heavy nn functional ops (conv, pooling, batch norm).
#include "backend/cpu/kernels.h"
#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "tensor/make.h"

namespace ember::nn::functional {

// A contiguous tensor with t's data seen as `shape` (no autograd; copies only if t is strided).
// The result is not marked a view: use it for fresh outputs too.
inline Tensor reshaped(const Tensor& t, const Shape& shape) {
  Tensor c = cpu::contiguous(t);
  return make_tensor(c.storage(), Layout::contiguous(shape, c.storage_offset()), c.dtype());
}

// Backward of an op whose kernels are called directly: a graph of the backward cannot be built.
inline void check_no_double_backward(const char* op) {
  EMBER_CHECK(!GradMode::is_enabled(), "double backward through ", op,
              " is not supported (backward was called with create_graph=true)");
}

}  // namespace ember::nn::functional

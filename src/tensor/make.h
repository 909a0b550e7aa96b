#pragma once
// Internal: constructing tensor handles.
#include "ember/tensor/tensor.h"

namespace ember {

// A new, uninitialised, contiguous tensor.
Tensor make_empty(const Shape& shape, DType dtype, Device device = Device());
// A tensor over `storage` with `layout` (no autograd history).
Tensor make_tensor(Storage storage, Layout layout, DType dtype);
// A view of `t` with another layout over the same storage (no autograd history:
// view ops record their backward themselves); its view_base is t's base, or t.
Tensor make_view(const Tensor& t, Layout layout);

}  // namespace ember

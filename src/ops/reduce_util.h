#pragma once
// Internal helpers shared by the reductions.
#include <vector>
#include "ember/tensor/tensor.h"

namespace ember {

// Wrap, sort and de-duplicate `dims` for a tensor of `ndim` dims; empty means all dims.
std::vector<int64_t> reduction_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* op);
// The shape of a reduction's result.
Shape reduced_shape(const Shape& in, const std::vector<int64_t>& dims, bool keepdim);
// Broadcast a reduction's gradient `g` back to `in_shape` (re-inserting dropped dims).
Tensor expand_reduced(const Tensor& g, const Shape& in_shape, const std::vector<int64_t>& dims, bool keepdim);

}  // namespace ember

#pragma once
// Internal helpers shared by the reductions.
#include <vector>
#include "ember/tensor/tensor.h"

namespace ember {

// Wrap, sort and de-duplicate `dims` for a tensor of `ndim` dims; empty means all dims.
std::vector<int64_t> reduction_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* op);
// The shape of a reduction's result.
Shape reduced_shape(const Shape& in, const std::vector<int64_t>& dims, bool keepdim);
// Product of in's sizes over `dims` (sorted, unique): how many elements each result averages.
int64_t reduced_numel(const Shape& in, const std::vector<int64_t>& dims);
// A reduction result `r` reshaped to keepdim form (reduced dims of `in_shape` as 1), so it broadcasts against x.
Tensor keepdim_view(const Tensor& r, const Shape& in_shape, const std::vector<int64_t>& dims, bool keepdim);
// "<op>: expected a floating-point input, got <dtype>" unless x is float32 or float64.
void check_floating_input(const Tensor& x, const char* op);
// Broadcast a reduction's gradient `g` back to `in_shape` (re-inserting dropped dims).
Tensor expand_reduced(const Tensor& g, const Shape& in_shape, const std::vector<int64_t>& dims, bool keepdim);

}  // namespace ember

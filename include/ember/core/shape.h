#pragma once
// Shapes are vectors of int64 sizes; helpers for printing, broadcasting and dims.
#include <cstdint>
#include <string>
#include <vector>

namespace ember {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s);  // "(3,4)"; "()" for a scalar
int64_t shape_numel(const Shape& s);
// Broadcast two shapes with NumPy rules; `op` names the caller in the error.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op = "broadcast");
// Whether `from` broadcasts to `to` (torch's is_expandable_to).
bool is_expandable_to(const Shape& from, const Shape& to);
// Wrap a possibly negative dim into [0, ndim); ndim 0 accepts -1 and 0.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op = "dim");
// Contiguous (row-major) strides for `s`.
Shape contiguous_strides(const Shape& s);

}  // namespace ember

#pragma once
// Internal: CPU reduction and softmax kernels (no autograd here).
// `dims` are sorted, unique and wrapped (see reduction_dims in ops/reduce_util.h).
// `out` is a new contiguous tensor whose elements are the kept dims of `x` in order
// (its shape may or may not keep the reduced dims as 1: only the element order matters).
#include <vector>
#include "ember/tensor/tensor.h"

namespace ember::cpu {

// max/min values over `dims`; out has x's dtype. x must have no zero-size reduced dim.
void max_min_dims(const Tensor& x, const std::vector<int64_t>& dims, bool is_max, Tensor& out);
// max/min over one dim with the index of the first extreme (NaN wins, as in PyTorch).
// `values` (x's dtype) may be undefined when only the indices (int64) are wanted.
void max_min_with_indices(const Tensor& x, int64_t dim, bool is_max, Tensor* values, Tensor& indices);
// Variance over dims with divisor (n - correction); floating x, out same dtype. Two-pass, in double.
void var_dims(const Tensor& x, const std::vector<int64_t>& dims, double correction, Tensor& out);
// p-norm over dims: p = 0 (count of non-zeros), 1, 2, +-inf, or any other p; floating x.
void norm_dims(const Tensor& x, double p, const std::vector<int64_t>& dims, Tensor& out);
// log(sum(exp(x))) over dims, shifted by the max for stability; floating x.
void logsumexp_dims(const Tensor& x, const std::vector<int64_t>& dims, Tensor& out);
// all/any over dims; out is bool or uint8.
void all_any_dims(const Tensor& x, const std::vector<int64_t>& dims, bool is_all, Tensor& out);
// softmax (or log_softmax) of floating `x` along `dim` into contiguous `out` of x's shape.
void softmax(const Tensor& x, int64_t dim, bool log, Tensor& out);

}  // namespace ember::cpu

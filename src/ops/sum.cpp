// sum over all or chosen dims, and sum_to (the reverse of broadcasting).
#include <algorithm>

#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/ops.h"
#include "ops/reduce_util.h"
#include "tensor/make.h"

namespace ember {

std::vector<int64_t> reduction_dims(const std::vector<int64_t>& dims, int64_t ndim, const char* op) {
  std::vector<int64_t> r;
  if (dims.empty()) {
    for (int64_t d = 0; d < ndim; ++d) r.push_back(d);
    return r;
  }
  for (int64_t d : dims) r.push_back(wrap_dim(d, ndim, op));
  std::sort(r.begin(), r.end());
  EMBER_CHECK(std::adjacent_find(r.begin(), r.end()) == r.end(), op, ": dim appears multiple times in the list of dims ",
              shape_str(dims));
  if (ndim == 0) r.clear();
  return r;
}

Shape reduced_shape(const Shape& in, const std::vector<int64_t>& dims, bool keepdim) {
  Shape r;
  size_t k = 0;
  for (int64_t d = 0; d < static_cast<int64_t>(in.size()); ++d) {
    bool red = k < dims.size() && dims[k] == d;
    if (red) ++k;
    if (!red) r.push_back(in[d]);
    else if (keepdim) r.push_back(1);
  }
  return r;
}

int64_t reduced_numel(const Shape& in, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= in[d];
  return n;
}

Tensor keepdim_view(const Tensor& r, const Shape& in_shape, const std::vector<int64_t>& dims, bool keepdim) {
  return keepdim ? r : r.reshape(reduced_shape(in_shape, dims, true));
}

void check_floating_input(const Tensor& x, const char* op) {
  EMBER_CHECK(x.defined(), op, ": the input is undefined");
  EMBER_CHECK(is_floating(x.dtype()), op, ": expected a floating-point input, got ", dtype_name(x.dtype()));
}

Tensor expand_reduced(const Tensor& g, const Shape& in_shape, const std::vector<int64_t>& dims, bool keepdim) {
  if (!keepdim && dims.size() == in_shape.size()) return g.expand(in_shape);  // () -> in: no reshape needed
  return keepdim_view(g, in_shape, dims, keepdim).expand(in_shape);
}

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  auto dims = reduction_dims(dims_in, x.dim(), "sum");
  DType dt = is_floating(x.dtype()) ? x.dtype() : kInt64;  // integer sums widen, as in PyTorch
  Tensor src = cpu::convert(x, dt);
  Tensor out = make_empty(reduced_shape(x.sizes(), dims, keepdim), dt, x.device());
  cpu::sum_dims(src, dims, out);
  if (autograd::needs_grad(x)) {
    Shape in = x.sizes();
    autograd::record(dims_in.empty() ? "SumBackward0" : "SumBackward1", {x}, {out}, {}, [in, dims, keepdim](const TensorList& g, const TensorList&) -> TensorList {
      return {expand_reduced(g[0], in, dims, keepdim)};
    });
  }
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor Tensor::sum() const { return ember::sum(*this); }
Tensor Tensor::sum(const std::vector<int64_t>& dims, bool keepdim) const { return ember::sum(*this, dims, keepdim); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.sizes() == shape) return x;
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  EMBER_CHECK(lead >= 0, "sum_to: cannot sum shape ", shape_str(x.sizes()), " to ", shape_str(shape));
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < lead; ++d) dims.push_back(d);
  for (int64_t d = lead; d < x.dim(); ++d) {
    int64_t want = shape[d - lead];
    if (want == 1 && x.size(d) != 1) dims.push_back(d);
    else EMBER_CHECK(want == x.size(d), "sum_to: cannot sum shape ", shape_str(x.sizes()), " to ", shape_str(shape));
  }
  if (dims.empty()) return x.reshape(shape);
  // the kept elements come out in order: write them straight into `shape`
  DType dt = is_floating(x.dtype()) ? x.dtype() : kInt64;
  Tensor out = make_empty(shape, dt, x.device());
  cpu::sum_dims(cpu::convert(x, dt), dims, out);
  if (autograd::needs_grad(x)) {
    Shape in = x.sizes();
    autograd::record("SumBackward1", {x}, {out}, {}, [in](const TensorList& g, const TensorList&) -> TensorList {
      return {g[0].expand(in)};
    });
  }
  return out;
}

}  // namespace ember

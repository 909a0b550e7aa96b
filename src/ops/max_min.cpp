// max / min (of everything, or over one dim with indices) and argmax / argmin.
// Backward: over one dim the gradient goes to the index that won (scatter into zeros, whose
// own backward is gather, so double backward works); over everything it is shared evenly
// among the elements equal to the result, as in PyTorch.
#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/reduce.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "ops/reduce_util.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

const char* name_of(bool is_max) { return is_max ? "max" : "min"; }

Tensor max_min_all(const Tensor& x, bool is_max) {
  const char* op = name_of(is_max);
  EMBER_CHECK(x.defined(), op, ": the input is undefined");
  EMBER_CHECK(x.numel() > 0, op, "(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
              "reduction dim with the 'dim' argument.");
  Tensor out = make_empty({}, x.dtype(), x.device());
  std::vector<int64_t> all(static_cast<size_t>(x.dim()));
  for (int64_t d = 0; d < x.dim(); ++d) all[d] = d;
  cpu::max_min_dims(x, all, is_max, out);
  if (autograd::needs_grad(x)) {
    record(is_max ? "MaxBackward1" : "MinBackward1", {x}, {out}, {x, out},
           [](const TensorList& g, const TensorList& s) -> TensorList {
             // ties share the gradient evenly
             Tensor mask = eq(s[0], s[1]).to(s[0].dtype());
             return {g[0] * mask / mask.sum()};
           });
  }
  return out;
}

// (values, indices) over `dim`; `values_wanted` false computes only the indices.
std::tuple<Tensor, Tensor> max_min_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max, const char* op,
                                       bool values_wanted = true) {
  EMBER_CHECK(x.defined(), op, ": the input is undefined");
  const int64_t d = wrap_dim(dim, x.dim(), op);
  std::vector<int64_t> dims = x.dim() == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{d};
  if (x.dim() > 0)
    EMBER_CHECK(x.size(d) > 0, op, "(): Expected reduction dim ", d, " to have non-zero size (input shape ",
                shape_str(x.sizes()), ")");
  const Shape in = x.sizes();
  const Shape out_shape = reduced_shape(in, dims, keepdim);
  Tensor indices = make_empty(out_shape, kInt64, x.device());
  Tensor values = values_wanted ? make_empty(out_shape, x.dtype(), x.device()) : Tensor();
  if (indices.numel() > 0) cpu::max_min_with_indices(x, d, is_max, values_wanted ? &values : nullptr, indices);
  if (values_wanted && autograd::needs_grad(x)) {
    record(is_max ? "MaxBackward0" : "MinBackward0", {x}, {values}, {indices},
           [in, dims, keepdim](const TensorList& g, const TensorList& s) -> TensorList {
             if (dims.empty()) return {g[0]};  // a 0-d input is its own max
             const int64_t dd = dims[0];
             return {scatter_add(zeros(in, g[0].dtype()), dd, keepdim_view(s[0], in, dims, keepdim),
                                 keepdim_view(g[0], in, dims, keepdim))};
           });
  }
  return {values, indices};
}

Tensor arg_max_min(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  EMBER_CHECK(x.defined(), op, ": the input is undefined");
  if (dim) return std::get<1>(max_min_dim(x, *dim, keepdim, is_max, op, false));
  EMBER_CHECK(x.numel() > 0, op, "(): Expected reduction dim to be specified for input.numel() == 0.");
  // over everything: the index into the flattened tensor
  Tensor idx = std::get<1>(max_min_dim(x.detach().reshape({-1}), 0, false, is_max, op, false));
  return keepdim ? idx.reshape(Shape(static_cast<size_t>(x.dim()), 1)) : idx;
}

}  // namespace

Tensor max(const Tensor& x) { return max_min_all(x, true); }
Tensor min(const Tensor& x) { return max_min_all(x, false); }
std::tuple<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return max_min_dim(x, dim, keepdim, true, "max");
}
std::tuple<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return max_min_dim(x, dim, keepdim, false, "min");
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_max_min(x, dim, keepdim, true); }
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) { return arg_max_min(x, dim, keepdim, false); }

Tensor Tensor::max() const { return ember::max(*this); }
Tensor Tensor::min() const { return ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return ember::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return ember::min(*this, dim, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const { return ember::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const { return ember::argmin(*this, dim, keepdim); }

}  // namespace ember

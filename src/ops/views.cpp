// View ops: new layouts over the same storage, each with its backward.
#include <numeric>

#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

Tensor reshape_backward_fn(const Tensor& g, const Shape& in) { return g.reshape(in); }

// The gradient of a slice: zeros of the input's shape with g written into the slice.
Tensor slice_backward(const Tensor& g, const Shape& in, int64_t dim, int64_t start, int64_t end, int64_t step) {
  Tensor z = zeros(in, g.dtype());
  Tensor view = make_view(z, z.layout().slice(dim, start, end, step));
  cpu::copy_(view, g);
  if (autograd::needs_grad(g)) {
    record("SliceBackwardBackward0", {g}, {z}, {}, [dim, start, end, step](const TensorList& gg, const TensorList&) -> TensorList {
      return {gg[0].slice(dim, start, end, step)};
    });
  }
  return z;
}

Tensor select_backward(const Tensor& g, const Shape& in, int64_t dim, int64_t index) {
  Tensor z = zeros(in, g.dtype());
  Tensor view = make_view(z, z.layout().select(dim, index));
  cpu::copy_(view, g);
  if (autograd::needs_grad(g)) {
    record("SelectBackwardBackward0", {g}, {z}, {}, [dim, index](const TensorList& gg, const TensorList&) -> TensorList {
      return {gg[0].select(dim, index)};
    });
  }
  return z;
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  auto l = layout().view(shape);
  EMBER_CHECK(l.has_value(), "view: size ", shape_str(shape), " is not compatible with input tensor's size ",
              shape_str(sizes()), " and stride ", shape_str(strides()),
              " (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
  Tensor out = make_view(*this, *l);
  Shape in = sizes();
  record("ViewBackward0", {*this}, {out}, {}, [in](const TensorList& g, const TensorList&) -> TensorList {
    return {reshape_backward_fn(g[0], in)};
  });
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const {
  if (auto l = layout().view(shape)) {
    Tensor out = make_view(*this, *l);
    Shape in = sizes();
    record("ViewBackward0", {*this}, {out}, {}, [in](const TensorList& g, const TensorList&) -> TensorList {
      return {reshape_backward_fn(g[0], in)};
    });
    return out;
  }
  return clone().view(shape);  // copies only when it must
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  start_dim = wrap_dim(start_dim, dim(), "flatten");
  end_dim = wrap_dim(end_dim, dim(), "flatten");
  EMBER_CHECK(start_dim <= end_dim, "flatten: start_dim (", start_dim, ") cannot come after end_dim (", end_dim, ")");
  Shape s(sizes().begin(), sizes().begin() + start_dim);
  int64_t n = 1;
  for (int64_t d = start_dim; d <= end_dim; ++d) n *= sizes()[d];
  s.push_back(n);
  s.insert(s.end(), sizes().begin() + end_dim + 1, sizes().end());
  return reshape(s);
}

Tensor Tensor::unflatten(int64_t d, const Shape& new_sizes) const {
  d = wrap_dim(d, dim(), "unflatten");
  Shape inner = infer_size(new_sizes, sizes()[d], "unflatten");
  Shape s(sizes().begin(), sizes().begin() + d);
  s.insert(s.end(), inner.begin(), inner.end());
  s.insert(s.end(), sizes().begin() + d + 1, sizes().end());
  return view(s);
}

#define EMBER_SIMPLE_VIEW(NAME, GRADNAME, LAYOUT_EXPR)                                              \
  {                                                                                                 \
    Tensor out = make_view(*this, LAYOUT_EXPR);                                                     \
    Shape in = sizes();                                                                             \
    record(GRADNAME, {*this}, {out}, {}, [in](const TensorList& g, const TensorList&) -> TensorList { \
      return {g[0].reshape(in)};                                                                    \
    });                                                                                             \
    return out;                                                                                     \
  }

Tensor Tensor::squeeze() const EMBER_SIMPLE_VIEW(squeeze, "SqueezeBackward0", layout().squeeze())
Tensor Tensor::squeeze(int64_t d) const EMBER_SIMPLE_VIEW(squeeze, "SqueezeBackward1", layout().squeeze(d))
Tensor Tensor::unsqueeze(int64_t d) const EMBER_SIMPLE_VIEW(unsqueeze, "UnsqueezeBackward0", layout().unsqueeze(d))
#undef EMBER_SIMPLE_VIEW

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  Tensor out = make_view(*this, layout().transpose(d0, d1));
  record("TransposeBackward0", {*this}, {out}, {}, [d0, d1](const TensorList& g, const TensorList&) -> TensorList {
    return {g[0].transpose(d0, d1)};
  });
  return out;
}

Tensor Tensor::t() const {
  EMBER_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dimensions, but self is ", dim(), "D");
  if (dim() < 2) return transpose(0, 0);
  return transpose(0, 1);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  Tensor out = make_view(*this, layout().permute(dims));
  std::vector<int64_t> inv(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inv[wrap_dim(dims[i], dim(), "permute")] = static_cast<int64_t>(i);
  record("PermuteBackward0", {*this}, {out}, {}, [inv](const TensorList& g, const TensorList&) -> TensorList {
    return {g[0].permute(inv)};
  });
  return out;
}

Tensor Tensor::expand(const Shape& new_sizes) const {
  Tensor out = make_view(*this, layout().expand(new_sizes));
  Shape in = sizes();
  record("ExpandBackward0", {*this}, {out}, {}, [in](const TensorList& g, const TensorList&) -> TensorList {
    return {sum_to(g[0], in)};
  });
  return out;
}

Tensor Tensor::expand_as(const Tensor& other) const { return expand(other.sizes()); }

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) const {
  EMBER_CHECK(dim() > 0, "slice: cannot slice a 0-d tensor");
  d = wrap_dim(d, dim(), "slice");
  int64_t n = sizes()[d];
  int64_t s = start.value_or(0), e = end.value_or(n);
  // normalise like Python so the backward sees the same range
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = std::clamp<int64_t>(s, 0, n);
  e = std::clamp<int64_t>(e, s, n);
  Tensor out = make_view(*this, layout().slice(d, s, e, step));
  Shape in = sizes();
  record("SliceBackward0", {*this}, {out}, {}, [in, d, s, e, step](const TensorList& g, const TensorList&) -> TensorList {
    return {slice_backward(g[0], in, d, s, e, step)};
  });
  return out;
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  EMBER_CHECK(dim() > 0, "narrow: cannot narrow a 0-d tensor");
  d = wrap_dim(d, dim(), "narrow");
  int64_t n = sizes()[d];
  if (start < 0) start += n;
  EMBER_CHECK(start >= 0 && length >= 0 && start <= n && length <= n - start, "narrow: start (", start, ") + length (", length,
              ") exceeds dimension size (", n, ") of shape ", shape_str(sizes()));
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  Layout l = layout().select(d, index);
  d = wrap_dim(d, dim(), "select");
  if (index < 0) index += sizes()[d];
  Tensor out = make_view(*this, l);
  Shape in = sizes();
  record("SelectBackward0", {*this}, {out}, {}, [in, d, index](const TensorList& g, const TensorList&) -> TensorList {
    return {select_backward(g[0], in, d, index)};
  });
  return out;
}

// ---- copies and conversions ---------------------------------------------------------

Tensor Tensor::clone() const {
  Tensor out = make_empty(sizes(), dtype(), device());
  cpu::copy_(out, *this);
  record("CloneBackward0", {*this}, {out}, {}, [](const TensorList& g, const TensorList&) -> TensorList {
    return {g[0]};
  });
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::to(DType d, bool copy) const {
  if (d == dtype() && !copy) return *this;
  Tensor out = make_empty(sizes(), d, device());
  cpu::copy_(out, *this);
  if (is_floating(d)) {
    DType from = dtype();
    record("ToCopyBackward0", {*this}, {out}, {}, [from](const TensorList& g, const TensorList&) -> TensorList {
      return {g[0].to(from)};
    });
  }
  return out;
}

Tensor Tensor::to(Device d, bool copy) const {
  EMBER_CHECK(d.is_cpu(), "to: device ", d.str(), " is not available in this build");
  return copy ? clone() : *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  if (!autograd::needs_grad(src) && !autograd::needs_grad(*this)) {
    autograd::check_inplace(*this, "copy_");
    cpu::copy_(*this, src);
    return *this;
  }
  Shape shape = sizes();
  DType d = dtype();
  return autograd::inplace(*this, "copy_", [&](const Tensor&) { return src.to(d).expand(shape).clone(); });
}

// ---- free-function forms ------------------------------------------------------------

Tensor reshape(const Tensor& x, const Shape& shape) { return x.reshape(shape); }
Tensor flatten(const Tensor& x, int64_t s, int64_t e) { return x.flatten(s, e); }
Tensor squeeze(const Tensor& x) { return x.squeeze(); }
Tensor squeeze(const Tensor& x, int64_t d) { return x.squeeze(d); }
Tensor unsqueeze(const Tensor& x, int64_t d) { return x.unsqueeze(d); }
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1) { return x.transpose(d0, d1); }
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) { return x.permute(dims); }
Tensor narrow(const Tensor& x, int64_t d, int64_t start, int64_t length) { return x.narrow(d, start, length); }

}  // namespace ember

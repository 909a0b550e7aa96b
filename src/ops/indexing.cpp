// Python basic indexing: t.index({0, Slice(1, 7, 2), None, Ellipsis}) and assignment through it
// (index_put_). Indexing composes the view ops (select, slice, unsqueeze), so its gradient
// is theirs; index_put_ writes through the view and records CopySlices when autograd needs it.
#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/indexing.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

namespace {

const char* kind_name(TensorIndex::Kind k) {
  switch (k) {
    case TensorIndex::Kind::Integer: return "integer";
    case TensorIndex::Kind::Slice: return "slice";
    case TensorIndex::Kind::None: return "None";
    default: return "Ellipsis";
  }
}

std::string indices_str(const std::vector<TensorIndex>& indices) {
  std::string s = "[";
  for (size_t i = 0; i < indices.size(); ++i) {
    if (i) s += ", ";
    const TensorIndex& ix = indices[i];
    switch (ix.kind()) {
      case TensorIndex::Kind::Integer: s += std::to_string(ix.integer()); break;
      case TensorIndex::Kind::Slice: {
        const Slice& sl = ix.slice();
        if (sl.start) s += std::to_string(*sl.start);
        s += ":";
        if (sl.stop) s += std::to_string(*sl.stop);
        if (sl.step != 1) s.append(":").append(std::to_string(sl.step));
        break;
      }
      default: s += kind_name(ix.kind());
    }
  }
  return s + "]";
}

// Applies `indices` to `t` with the view ops.
Tensor apply_indices(const Tensor& t, const std::vector<TensorIndex>& indices, const char* op) {
  EMBER_CHECK(t.defined(), op, ": the tensor is undefined");
  int64_t consumed = 0, ellipses = 0;
  for (auto& ix : indices) {
    if (ix.kind() == TensorIndex::Kind::Integer || ix.kind() == TensorIndex::Kind::Slice) ++consumed;
    if (ix.kind() == TensorIndex::Kind::Ellipsis) ++ellipses;
  }
  EMBER_CHECK(ellipses <= 1, op, ": an index can only have a single ellipsis ('...'), got ", indices_str(indices));
  EMBER_CHECK(consumed <= t.dim(), op, ": too many indices for tensor of dimension ", t.dim(), " (shape ",
              shape_str(t.sizes()), "): got ", consumed, " in ", indices_str(indices));
  Tensor r = t;
  int64_t d = 0;    // current dim of r
  int64_t src = 0;  // dim of t that the next integer/slice refers to (for messages)
  for (auto& ix : indices) {
    switch (ix.kind()) {
      case TensorIndex::Kind::Integer: {
        int64_t n = r.size(d), i = ix.integer();
        EMBER_CHECK(i >= -n && i < n, op, ": index ", i, " is out of bounds for dimension ", src, " with size ", n,
                    " (tensor of shape ", shape_str(t.sizes()), ", indices ", indices_str(indices), ")");
        r = r.select(d, i);
        ++src;
        break;
      }
      case TensorIndex::Kind::Slice: {
        const Slice& sl = ix.slice();
        EMBER_CHECK(sl.step > 0, op, ": slice step must be positive, got ", sl.step, " in ", indices_str(indices));
        r = r.slice(d, sl.start, sl.stop, sl.step);
        ++d;
        ++src;
        break;
      }
      case TensorIndex::Kind::None:
        r = r.unsqueeze(d);
        ++d;
        break;
      case TensorIndex::Kind::Ellipsis: {
        int64_t skip = t.dim() - consumed;
        d += skip;
        src += skip;
        break;
      }
    }
  }
  return r;
}

// self with `value` written into self.index(indices): a new tensor. Differentiable in both.
Tensor index_put(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& value) {
  Tensor out = make_empty(self.sizes(), self.dtype(), self.device());
  cpu::copy_(out, self);
  {
    NoGradGuard ng;
    Tensor region = apply_indices(out, indices, "index_put_");
    cpu::copy_(region, value);
  }
  if (autograd::needs_grad(self, value)) {
    Shape vshape = value.sizes();
    autograd::record("CopySlices", {self, value}, {out}, {},
                     [indices, vshape](const TensorList& g, const TensorList&) -> TensorList {
                       Tensor gs = index_put(g[0], indices, zeros({}, g[0].dtype()));
                       Tensor gv = sum_to(apply_indices(g[0], indices, "index_put_"), vshape);
                       return {gs, gv};
                     });
  }
  return out;
}

}  // namespace

Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const {
  return apply_indices(*this, std::vector<TensorIndex>(indices), "index");
}

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const { return apply_indices(*this, indices, "index"); }

// Autograd: a leaf that requires grad cannot be written (as in PyTorch). A non-leaf, or a
// tensor receiving a value that requires grad, gets a CopySlices node; that works when the
// tensor is not itself a view (ember does not rebase views' history).
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& value) {
  EMBER_CHECK(value.defined(), "index_put_: the value tensor is undefined");
  Tensor region;
  {
    NoGradGuard ng;
    region = apply_indices(*this, indices, "index_put_");
  }
  EMBER_CHECK(value.dim() <= region.dim() && broadcast_shapes(region.sizes(), value.sizes(), "index_put_") == region.sizes(),
              "index_put_: shape mismatch: value tensor of shape ", shape_str(value.sizes()),
              " cannot be broadcast to indexing result of shape ", shape_str(region.sizes()), " (tensor of shape ",
              shape_str(sizes()), ", indices ", indices_str(indices), ")");
  if (!autograd::needs_grad(*this, value)) {
    autograd::check_inplace(*this, "index_put_");
    // a value that shares memory with self is copied first
    Tensor v = value;
    if (value.storage() == storage()) {
      v = make_empty(value.sizes(), value.dtype(), value.device());
      cpu::copy_(v, value);
    }
    cpu::copy_(region, v);
    return *this;
  }
  return autograd::inplace(*this, "index_put_", [&](const Tensor& s) { return index_put(s, indices, value); });
}

Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, Scalar value) {
  return index_put_(indices, scalar_tensor(value, TensorOptions(dtype())));
}

}  // namespace ember

// Joining and splitting along a dim: cat, stack (copies, with their backward) and
// chunk, split (narrow views, so their gradient comes from SliceBackward0).
#include <numeric>

#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

DType promoted_dtype(const std::vector<Tensor>& ts) {
  DType dt = ts[0].dtype();
  for (size_t i = 1; i < ts.size(); ++i) dt = promote_types(dt, ts[i].dtype());
  return dt;
}

// PyTorch (legacy) skips 1-D empty tensors of shape (0) in cat whatever the other shapes.
bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.numel() == 0; }

}  // namespace

// ---- cat: tensors (..., n_i, ...) -> (..., sum n_i, ...) ------------------------------

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "cat: expected a non-empty list of Tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), "cat: tensor ", i, " is undefined");
    EMBER_CHECK(tensors[i].dim() > 0, "cat: zero-dimensional tensor (at position ", i, ") cannot be concatenated");
  }
  // the first tensor that is not a skipped (0) defines the shape
  size_t ref = 0;
  while (ref < tensors.size() && skipped_in_cat(tensors[ref])) ++ref;
  DType dt = promoted_dtype(tensors);
  if (ref == tensors.size()) {  // all empty
    wrap_dim(dim, 1, "cat");
    Tensor out = make_empty({0}, dt, tensors[0].device());
    return out;
  }
  const Tensor& r = tensors[ref];
  const int64_t nd = r.dim();
  const int64_t d = wrap_dim(dim, nd, "cat");
  Shape shape = r.sizes();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped_in_cat(t)) continue;
    EMBER_CHECK(t.dim() == nd, "cat: Tensors must have same number of dimensions: got ", nd, " (tensor ", ref,
                " of shape ", shape_str(r.sizes()), ") and ", t.dim(), " (tensor ", i, " of shape ",
                shape_str(t.sizes()), ")");
    for (int64_t k = 0; k < nd; ++k)
      EMBER_CHECK(k == d || t.size(k) == r.size(k), "cat: Sizes of tensors must match except in dimension ", d,
                  ". Expected size ", r.size(k), " but got size ", t.size(k), " for tensor number ", i,
                  " in the list (tensor ", ref, " has shape ", shape_str(r.sizes()), ", tensor ", i, " has shape ",
                  shape_str(t.sizes()), ")");
    shape[d] += t.size(d);
  }
  Tensor out = make_empty(shape, dt, r.device());
  std::vector<int64_t> offsets(tensors.size(), 0), lengths(tensors.size(), -1);  // -1: skipped
  int64_t off = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (skipped_in_cat(tensors[i])) continue;
    int64_t n = tensors[i].size(d);
    offsets[i] = off;
    lengths[i] = n;
    Tensor view = make_view(out, out.layout().slice(d, off, off + n));
    cpu::copy_(view, tensors[i]);
    off += n;
  }
  if (autograd::any_needs_grad(tensors)) {
    record("CatBackward0", tensors, {out}, {}, [d, offsets, lengths](const TensorList& g, const TensorList&) -> TensorList {
      TensorList r(offsets.size());
      for (size_t i = 0; i < offsets.size(); ++i)
        if (lengths[i] >= 0) r[i] = g[0].narrow(d, offsets[i], lengths[i]);
      return r;
    });
  }
  return out;
}

// ---- stack: k tensors of shape S -> S with k inserted at dim -----------------------

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "stack: expects a non-empty TensorList");
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), "stack: tensor ", i, " is undefined");
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: expects each tensor to be equal size, but got ",
                shape_str(tensors[0].sizes()), " at entry 0 and ", shape_str(tensors[i].sizes()), " at entry ", i);
  }
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  Shape shape = tensors[0].sizes();
  shape.insert(shape.begin() + d, static_cast<int64_t>(tensors.size()));
  Tensor out = make_empty(shape, promoted_dtype(tensors), tensors[0].device());
  for (size_t i = 0; i < tensors.size(); ++i) {
    Tensor view = make_view(out, out.layout().select(d, static_cast<int64_t>(i)));
    cpu::copy_(view, tensors[i]);
  }
  if (autograd::any_needs_grad(tensors)) {
    size_t k = tensors.size();
    record("StackBackward0", tensors, {out}, {}, [d, k](const TensorList& g, const TensorList&) -> TensorList {
      TensorList r(k);
      for (size_t i = 0; i < k; ++i) r[i] = g[0].select(d, static_cast<int64_t>(i));
      return r;
    });
  }
  return out;
}

// ---- chunk / split: narrow views ---------------------------------------------------

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, "split: expects at least a 1-dimensional tensor");
  EMBER_CHECK(split_size >= 0, "split: split_size must be non-negative, but got split_size=", split_size);
  const int64_t d = wrap_dim(dim, this->dim(), "split");
  const int64_t n = size(d);
  EMBER_CHECK(split_size > 0 || n == 0, "split: split_size can only be 0 if dimension size is 0, but got dimension size of ",
              n, " (shape ", shape_str(sizes()), ")");
  int64_t pieces = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  std::vector<Tensor> r;
  r.reserve(pieces);
  for (int64_t i = 0; i < pieces; ++i) {
    int64_t start = i * split_size;
    r.push_back(narrow(d, start, std::min(split_size, n - start)));
  }
  return r;
}

std::vector<Tensor> Tensor::split(const std::vector<int64_t>& split_sizes, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, "split_with_sizes: expects at least a 1-dimensional tensor");
  const int64_t d = wrap_dim(dim, this->dim(), "split_with_sizes");
  const int64_t n = size(d);
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0, "split_with_sizes: expects split_sizes to have non-negative entries, but got split_sizes=",
                shape_str(split_sizes));
    total += s;
  }
  EMBER_CHECK(total == n, "split_with_sizes: expects split_sizes to sum exactly to ", n,
              " (input tensor's size at dimension ", d, "), but got split_sizes=", shape_str(split_sizes));
  std::vector<Tensor> r;
  r.reserve(split_sizes.size());
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    r.push_back(narrow(d, start, s));
    start += s;
  }
  return r;
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const {
  EMBER_CHECK(this->dim() > 0, "chunk: expects at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "chunk: expects `chunks` to be greater than 0, got: ", chunks);
  const int64_t d = wrap_dim(dim, this->dim(), "chunk");
  const int64_t n = size(d);
  const int64_t split_size = (n + chunks - 1) / chunks;
  if (split_size == 0 && n == 0) {
    // PyTorch: `chunks` empty pieces
    std::vector<Tensor> r;
    for (int64_t i = 0; i < chunks; ++i) r.push_back(narrow(d, 0, 0));
    return r;
  }
  return split(split_size, d);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) { return x.chunk(chunks, dim); }
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) { return x.split(split_size, dim); }

}  // namespace ember

// Integer-index ops: index_select, gather, scatter_add, masked_fill, embedding.
// Their gradients are each other: gather <-> scatter_add, index_select <-> index_add,
// so the backward formulas are Tensor ops and double backward works.
#include <array>
#include <cstring>

#include "autograd/record.h"
#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

// ---- index helpers ------------------------------------------------------------------

// A contiguous int64 copy of an int64/int32 index tensor.
Tensor index_int64(const Tensor& index, const char* op) {
  EMBER_CHECK(index.defined(), op, ": the index tensor is undefined");
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, op,
              ": expected an int64 (or int32) index tensor, got ", dtype_name(index.dtype()));
  return cpu::contiguous(cpu::convert(index, kInt64));
}

// Every index value must lie in [0, size). Checked before any parallel loop.
void check_index_range(const Tensor& idx64, int64_t size, int64_t dim, const char* op) {
  const int64_t* p = idx64.data_ptr<int64_t>();
  const int64_t n = idx64.numel();
  for (int64_t i = 0; i < n; ++i)
    EMBER_CHECK(p[i] >= 0 && p[i] < size, op, ": index ", p[i], " is out of bounds for dimension ", dim,
                " with size ", size);
}

// outer = prod(shape[:d]), inner = prod(shape[d+1:]).
std::pair<int64_t, int64_t> outer_inner(const Shape& shape, int64_t d) {
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= shape[k];
  for (int64_t k = d + 1; k < static_cast<int64_t>(shape.size()); ++k) inner *= shape[k];
  return {outer, inner};
}

// For every position of `shape` with dim `d` left out, calls body(offsets) where offsets[k]
// is that position's offset under strides[k]. Positions run in parallel: bodies that write
// only along dim `d` from their own position never race.
template <size_t K, class F>
void for_each_line(const Shape& shape, int64_t d, const std::array<Shape, K>& strides, F&& body) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  int64_t lines = 1;
  for (int64_t k = 0; k < nd; ++k)
    if (k != d) lines *= shape[k];
  if (lines == 0 || shape[d] == 0) return;
  const int64_t grain = std::max<int64_t>(1, cpu::kGrainSize / shape[d]);
  cpu::parallel_for(lines, grain, [&](int64_t b, int64_t e) {
    for (int64_t line = b; line < e; ++line) {
      std::array<int64_t, K> offs{};
      int64_t rem = line;
      for (int64_t k = nd - 1; k >= 0; --k) {
        if (k == d) continue;
        int64_t i = rem % shape[k];
        rem /= shape[k];
        for (size_t s = 0; s < K; ++s) offs[s] += i * strides[s][k];
      }
      body(offs);
    }
  });
}

// A 0-d tensor seen as shape (1) (gather/scatter treat scalars as 1-element vectors).
Tensor at_least_1d(const Tensor& t) { return t.dim() == 0 ? make_view(t, t.layout().unsqueeze(0)) : t; }

// ---- index_add into zeros: the adjoint of index_select ------------------------------

// zeros(shape) with out.select(d, index[j]) += src.select(d, j); differentiable in src.
// src:(..., k, ...) index:(k) -> (..., n, ...)
Tensor index_add_zeros(const Shape& shape, int64_t d, const Tensor& index, const Tensor& src) {
  Tensor idx = index_int64(index, "index_add");
  Tensor out = zeros(shape, src.dtype());
  Tensor s = cpu::contiguous(src);
  auto [outer, inner] = outer_inner(shape, d);
  const int64_t n = shape[d], k = idx.numel();
  const int64_t* ip = idx.data_ptr<int64_t>();
  cpu::dispatch_numeric(src.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    T* o = static_cast<T*>(out.raw_data());
    const T* sp = static_cast<const T*>(s.raw_data());
    auto rows = [&](int64_t ob, int64_t oe, int64_t cb, int64_t ce) {
      for (int64_t a = ob; a < oe; ++a)
        for (int64_t j = 0; j < k; ++j) {
          T* orow = o + (a * n + ip[j]) * inner;
          const T* srow = sp + (a * k + j) * inner;
          for (int64_t c = cb; c < ce; ++c) orow[c] += srow[c];
        }
    };
    if (outer > 1) {
      cpu::parallel_for(outer, std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, k * inner)),
                        [&](int64_t b, int64_t e) { rows(b, e, 0, inner); });
    } else {
      cpu::parallel_for(inner, std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, k)),
                        [&](int64_t b, int64_t e) { rows(0, outer, b, e); });
    }
  });
  if (autograd::needs_grad(src)) {
    record("IndexAddBackward0", {src}, {out}, {idx}, [d](const TensorList& g, const TensorList& sv) -> TensorList {
      return {index_select(g[0], d, sv[0])};
    });
  }
  return out;
}

}  // namespace

// ---- index_select: x:(..., n, ...) index:(k) -> (..., k, ...) ---------------------------

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  EMBER_CHECK(x.defined(), "index_select: input is undefined");
  Tensor idx = index_int64(index, "index_select");
  EMBER_CHECK(index.dim() <= 1, "index_select: index is supposed to be a vector, got shape ", shape_str(index.sizes()));
  if (x.dim() == 0) {
    wrap_dim(dim, 0, "index_select");
    EMBER_CHECK(idx.numel() == 1, "index_select: a 0-d input takes a one-element index, got ", idx.numel(), " elements");
    check_index_range(idx, 1, 0, "index_select");
    return x.clone();
  }
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  check_index_range(idx, x.size(d), d, "index_select");
  Shape shape = x.sizes();
  const int64_t n = shape[d], k = idx.numel();
  shape[d] = k;
  Tensor out = make_empty(shape, x.dtype(), x.device());
  if (out.numel() > 0) {
    Tensor xc = cpu::contiguous(x);
    auto [outer, inner] = outer_inner(shape, d);
    const size_t row = static_cast<size_t>(inner) * x.element_size();
    const char* xp = static_cast<const char*>(xc.raw_data());
    char* op = static_cast<char*>(out.raw_data());
    const int64_t* ip = idx.data_ptr<int64_t>();
    cpu::parallel_for(outer * k, std::max<int64_t>(1, cpu::kGrainSize / std::max<int64_t>(1, inner)),
                      [&](int64_t b, int64_t e) {
                        for (int64_t t = b; t < e; ++t) {
                          int64_t a = t / k, j = t % k;
                          std::memcpy(op + t * row, xp + (a * n + ip[j]) * row, row);
                        }
                      });
  }
  if (autograd::needs_grad(x)) {
    Shape in = x.sizes();
    record("IndexSelectBackward0", {x}, {out}, {idx}, [in, d](const TensorList& g, const TensorList& s) -> TensorList {
      return {index_add_zeros(in, d, s[0], g[0])};
    });
  }
  return out;
}

// ---- gather: out[i][j][k] = x[i][index[i][j][k]][k] (dim 1); out has index's shape -------

Tensor gather(const Tensor& x_in, int64_t dim, const Tensor& index) {
  EMBER_CHECK(x_in.defined(), "gather: input is undefined");
  Tensor idx = index_int64(index, "gather");
  EMBER_CHECK(std::max<int64_t>(index.dim(), 1) == std::max<int64_t>(x_in.dim(), 1),
              "gather: index tensor must have the same number of dimensions as input tensor, got index ",
              shape_str(index.sizes()), " and input ", shape_str(x_in.sizes()));
  Tensor x = at_least_1d(x_in);
  idx = at_least_1d(idx);
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  for (int64_t k = 0; k < x.dim(); ++k)
    EMBER_CHECK(k == d || idx.size(k) <= x.size(k), "gather: size does not match at dimension ", k,
                ": expected index ", shape_str(index.sizes()), " to be smaller than self ", shape_str(x_in.sizes()),
                " apart from dimension ", d);
  check_index_range(idx, x.size(d), d, "gather");
  Tensor out = make_empty(index.sizes(), x.dtype(), x.device());
  Tensor o1 = at_least_1d(out);
  const int64_t* ip = idx.data_ptr<int64_t>();
  const int64_t is = idx.stride(d), os = o1.stride(d), xs = x.stride(d), len = idx.size(d);
  cpu::dispatch_all(x.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = static_cast<const T*>(x.raw_data());
    T* op = static_cast<T*>(o1.raw_data());
    for_each_line<3>(idx.sizes(), d, {idx.strides(), o1.strides(), x.strides()}, [&](const std::array<int64_t, 3>& off) {
      for (int64_t j = 0; j < len; ++j) op[off[1] + j * os] = xp[off[2] + ip[off[0] + j * is] * xs];
    });
  });
  if (autograd::needs_grad(x_in)) {
    Shape in = x_in.sizes();
    record("GatherBackward0", {x_in}, {out}, {index}, [in, dim](const TensorList& g, const TensorList& s) -> TensorList {
      return {scatter_add(zeros(in, g[0].dtype()), dim, s[0], g[0])};
    });
  }
  return out;
}

// ---- scatter_add: out = x; out[i][index[i][j][k]][k] += src[i][j][k] (dim 1) ---------------

Tensor scatter_add(const Tensor& x_in, int64_t dim, const Tensor& index, const Tensor& src_in) {
  EMBER_CHECK(x_in.defined() && src_in.defined(), "scatter_add: an input is undefined");
  Tensor idx = index_int64(index, "scatter_add");
  EMBER_CHECK(x_in.dtype() == src_in.dtype(), "scatter_add: expected self.dtype to be equal to src.dtype, got ",
              dtype_name(x_in.dtype()), " and ", dtype_name(src_in.dtype()));
  const int64_t nd = std::max<int64_t>(x_in.dim(), 1);
  EMBER_CHECK(std::max<int64_t>(index.dim(), 1) == nd && std::max<int64_t>(src_in.dim(), 1) == nd,
              "scatter_add: index tensor must have the same number of dimensions as self and src, got self ",
              shape_str(x_in.sizes()), ", index ", shape_str(index.sizes()), ", src ", shape_str(src_in.sizes()));
  Tensor x = at_least_1d(x_in), src = at_least_1d(src_in);
  idx = at_least_1d(idx);
  const int64_t d = wrap_dim(dim, nd, "scatter_add");
  for (int64_t k = 0; k < nd; ++k)
    EMBER_CHECK(idx.size(k) <= src.size(k) && (k == d || idx.size(k) <= x.size(k)),
                "scatter_add: expected index ", shape_str(index.sizes()), " to be smaller than self ",
                shape_str(x_in.sizes()), " apart from dimension ", d, " and to be smaller size than src ",
                shape_str(src_in.sizes()));
  check_index_range(idx, x.size(d), d, "scatter_add");
  Tensor out = make_empty(x_in.sizes(), x.dtype(), x.device());
  cpu::copy_(out, x_in);
  Tensor o1 = at_least_1d(out);
  const int64_t* ip = idx.data_ptr<int64_t>();
  const int64_t is = idx.stride(d), ss = src.stride(d), os = o1.stride(d), len = idx.size(d);
  cpu::dispatch_numeric(x.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    const T* sp = static_cast<const T*>(src.raw_data());
    T* op = static_cast<T*>(o1.raw_data());
    // lines differ outside dim d, and so do the elements they write: no races
    for_each_line<3>(idx.sizes(), d, {idx.strides(), src.strides(), o1.strides()}, [&](const std::array<int64_t, 3>& off) {
      for (int64_t j = 0; j < len; ++j) op[off[2] + ip[off[0] + j * is] * os] += sp[off[1] + j * ss];
    });
  });
  if (autograd::needs_grad(x_in, src_in)) {
    Shape src_shape = src_in.sizes();
    record("ScatterAddBackward0", {x_in, src_in}, {out}, {index},
           [dim, src_shape](const TensorList& g, const TensorList& s) -> TensorList {
             Tensor gs = gather(g[0], dim, s[0]);
             // src may be larger than index: the uncovered part gets zero gradient
             for (int64_t k = 0; k < gs.dim(); ++k)
               if (gs.size(k) < src_shape[k]) {
                 Shape pad = gs.sizes();
                 pad[k] = src_shape[k] - gs.size(k);
                 gs = cat({gs, zeros(pad, gs.dtype())}, k);
               }
             return {g[0], gs};
           });
  }
  return out;
}

// ---- masked_fill: out = mask ? value : x (mask broadcasts) ---------------------------------

namespace {
void check_mask(const Tensor& mask, const char* op) {
  EMBER_CHECK(mask.defined(), op, ": mask is undefined");
  EMBER_CHECK(mask.dtype() == kBool || mask.dtype() == kUInt8, op, ": expected a bool mask, got ",
              dtype_name(mask.dtype()));
}

// out[...] = mask ? v : x, with x and mask broadcast to out's shape. out may be x itself.
void masked_fill_kernel(Tensor& out, const Tensor& x, const Tensor& mask, Scalar value) {
  Tensor m = cpu::convert(mask, kBool);
  cpu::dispatch_all(out.dtype(), "masked_fill", [&](auto tag) {
    using T = decltype(tag);
    T v = value.to<T>();
    cpu::map<T, T, bool>(out, [v](T a, bool mk) { return mk ? v : a; }, x, m);
  });
}
}  // namespace

Tensor masked_fill(const Tensor& x, const Tensor& mask, Scalar value) {
  EMBER_CHECK(x.defined(), "masked_fill: input is undefined");
  check_mask(mask, "masked_fill");
  Shape shape = broadcast_shapes(x.sizes(), mask.sizes(), "masked_fill");
  Tensor out = make_empty(shape, x.dtype(), x.device());
  masked_fill_kernel(out, x, mask, value);
  if (autograd::needs_grad(x)) {
    Shape in = x.sizes();
    record("MaskedFillBackward0", {x}, {out}, {mask}, [in](const TensorList& g, const TensorList& s) -> TensorList {
      return {sum_to(masked_fill(g[0], s[0], 0), in)};
    });
  }
  return out;
}

Tensor Tensor::masked_fill(const Tensor& mask, Scalar value) const { return ember::masked_fill(*this, mask, value); }

Tensor& Tensor::masked_fill_(const Tensor& mask, Scalar value) {
  check_mask(mask, "masked_fill_");
  EMBER_CHECK(broadcast_shapes(sizes(), mask.sizes(), "masked_fill_") == sizes(), "masked_fill_: mask of shape ",
              shape_str(mask.sizes()), " cannot be broadcast to the tensor's shape ", shape_str(sizes()));
  if (!autograd::needs_grad(*this)) {
    autograd::check_inplace(*this, "masked_fill_");
    Tensor m = mask.storage() == storage() ? mask.clone() : mask;  // the mask may alias self
    masked_fill_kernel(*this, *this, m, value);
    return *this;
  }
  return autograd::inplace(*this, "masked_fill_", [&](const Tensor& s) { return ember::masked_fill(s, mask, value); });
}

// ---- embedding: weight:(V,D) indices:(*) -> (*, D) ------------------------------------------

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx) {
  EMBER_CHECK(weight.defined(), "embedding: weight is undefined");
  EMBER_CHECK(weight.dim() == 2, "embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape ",
              shape_str(weight.sizes()));
  Tensor idx = index_int64(indices, "embedding");
  const int64_t V = weight.size(0), D = weight.size(1);
  const int64_t* ip = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i)
    EMBER_CHECK(ip[i] >= 0 && ip[i] < V, "embedding: index ", ip[i], " is out of range for a weight of ", V,
                " rows (num_embeddings), weight shape ", shape_str(weight.sizes()));
  Tensor flat = idx.reshape({idx.numel()});
  Tensor rows;
  {
    NoGradGuard ng;
    rows = index_select(weight, 0, flat);  // (N, D)
  }
  Shape out_shape = indices.sizes();
  out_shape.push_back(D);
  Tensor out = make_tensor(rows.storage(), Layout::contiguous(out_shape), rows.dtype());  // not a view: rows is private
  if (autograd::needs_grad(weight)) {
    // positions whose index is not padding_idx (all when there is none)
    std::vector<int64_t> keep_pos, keep_idx;
    bool has_pad = false;
    for (int64_t i = 0; i < flat.numel(); ++i) {
      if (padding_idx >= 0 && ip[i] == padding_idx) { has_pad = true; continue; }
      keep_pos.push_back(i);
      keep_idx.push_back(ip[i]);
    }
    Tensor pos = has_pad ? tensor(keep_pos, {static_cast<int64_t>(keep_pos.size())}) : Tensor();
    Tensor kept = has_pad ? tensor(keep_idx, {static_cast<int64_t>(keep_idx.size())}) : flat;
    const int64_t N = flat.numel();
    record("EmbeddingBackward0", {weight}, {out}, {kept, pos},
           [V, D, N, has_pad](const TensorList& g, const TensorList& s) -> TensorList {
             Tensor g2 = g[0].reshape({N, D});
             if (has_pad) g2 = index_select(g2, 0, s[1]);  // drop the padding rows' gradient
             return {index_add_zeros({V, D}, 0, s[0], g2)};
           });
  }
  return out;
}

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return ember::index_select(*this, dim, index); }
Tensor Tensor::gather(int64_t dim, const Tensor& index) const { return ember::gather(*this, dim, index); }

}  // namespace ember

#include "ember/tensor/layout.h"

#include <algorithm>

#include "ember/core/error.h"

namespace ember {

Layout Layout::contiguous(const Shape& sizes, int64_t offset) {
  return Layout{sizes, contiguous_strides(sizes), offset};
}

bool Layout::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = sizes.size(); i-- > 0;) {
    if (sizes[i] == 1) continue;
    if (sizes[i] == 0) return true;
    if (strides[i] != expected) return false;
    expected *= sizes[i];
  }
  return true;
}

int64_t Layout::storage_extent() const {
  int64_t hi = offset;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return 0;
    if (strides[i] > 0) hi += (sizes[i] - 1) * strides[i];
  }
  return hi + 1;
}

Layout Layout::transpose(int64_t d0, int64_t d1) const {
  d0 = wrap_dim(d0, dim(), "transpose");
  d1 = wrap_dim(d1, dim(), "transpose");
  Layout r = *this;
  if (dim() == 0) return r;
  std::swap(r.sizes[d0], r.sizes[d1]);
  std::swap(r.strides[d0], r.strides[d1]);
  return r;
}

Layout Layout::permute(const std::vector<int64_t>& dims) const {
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: got ", dims.size(), " dims for a ", dim(),
              "-d tensor of shape ", shape_str(sizes));
  Layout r = *this;
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], dim(), "permute");
    EMBER_CHECK(!seen[d], "permute: dimension ", dims[i], " repeats in ", shape_str(dims));
    seen[d] = true;
    r.sizes[i] = sizes[d];
    r.strides[i] = strides[d];
  }
  return r;
}

Layout Layout::expand(const Shape& new_sizes) const {
  EMBER_CHECK(new_sizes.size() >= sizes.size(), "expand: the number of sizes ", shape_str(new_sizes),
              " must be at least the tensor's dims ", shape_str(sizes));
  size_t lead = new_sizes.size() - sizes.size();
  Layout r;
  r.offset = offset;
  r.sizes.resize(new_sizes.size());
  r.strides.resize(new_sizes.size());
  for (size_t i = 0; i < new_sizes.size(); ++i) {
    if (i < lead) {
      EMBER_CHECK(new_sizes[i] >= 0, "expand: size -1 not allowed in a new leading dim ", shape_str(new_sizes));
      r.sizes[i] = new_sizes[i];
      r.strides[i] = 0;
      continue;
    }
    int64_t old = sizes[i - lead], want = new_sizes[i];
    if (want == -1) want = old;
    EMBER_CHECK(want >= 0, "expand: invalid size ", want, " at dim ", i, " (", shape_str(sizes), " -> ",
                shape_str(new_sizes), ")");
    EMBER_CHECK(old == want || old == 1, "expand: the expanded size ", want, " must match the existing size ", old,
                " at dim ", i, " (", shape_str(sizes), " -> ", shape_str(new_sizes), ")");
    r.sizes[i] = want;
    r.strides[i] = (old == want) ? strides[i - lead] : 0;
  }
  return r;
}

Layout Layout::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  d = wrap_dim(d, dim(), "slice");
  EMBER_CHECK(dim() > 0, "slice: cannot slice a 0-d tensor");
  EMBER_CHECK(step > 0, "slice: step must be positive, got ", step);
  int64_t n = sizes[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Layout r = *this;
  r.offset += start * strides[d];
  r.sizes[d] = end == start ? 0 : (end - start - 1) / step + 1;  // no overflow for a step near INT64_MAX
  // with one element (or none) the step never moves, so its stride need not be formed
  if (r.sizes[d] > 1)
    EMBER_CHECK(!__builtin_mul_overflow(strides[d], step, &r.strides[d]), "slice: step ", step,
                " times stride ", strides[d], " overflows");
  return r;
}

Layout Layout::select(int64_t d, int64_t index) const {
  EMBER_CHECK(dim() > 0, "select: cannot select on a 0-d tensor");
  d = wrap_dim(d, dim(), "select");
  int64_t n = sizes[d];
  EMBER_CHECK(index >= -n && index < n, "select: index ", index, " is out of bounds for dimension ", d,
              " with size ", n);
  if (index < 0) index += n;
  Layout r = *this;
  r.offset += index * strides[d];
  r.sizes.erase(r.sizes.begin() + d);
  r.strides.erase(r.strides.begin() + d);
  return r;
}

Layout Layout::squeeze() const {
  Layout r;
  r.offset = offset;
  for (size_t i = 0; i < sizes.size(); ++i)
    if (sizes[i] != 1) {
      r.sizes.push_back(sizes[i]);
      r.strides.push_back(strides[i]);
    }
  return r;
}

Layout Layout::squeeze(int64_t d) const {
  if (dim() == 0) {
    wrap_dim(d, 0, "squeeze");
    return *this;
  }
  d = wrap_dim(d, dim(), "squeeze");
  if (sizes[d] != 1) return *this;
  Layout r = *this;
  r.sizes.erase(r.sizes.begin() + d);
  r.strides.erase(r.strides.begin() + d);
  return r;
}

Layout Layout::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Layout r = *this;
  int64_t st = d < dim() ? sizes[d] * strides[d] : 1;
  r.sizes.insert(r.sizes.begin() + d, 1);
  r.strides.insert(r.strides.begin() + d, st);
  return r;
}

Shape infer_size(const Shape& sizes, int64_t numel, const char* op) {
  Shape r = sizes;
  int64_t known = 1, infer = -1;
  bool overflow = false;
  for (size_t i = 0; i < r.size(); ++i) {
    if (r[i] == -1) {
      EMBER_CHECK(infer < 0, op, ": only one dimension can be inferred in ", shape_str(sizes));
      infer = static_cast<int64_t>(i);
    } else {
      EMBER_CHECK(r[i] >= 0, op, ": invalid size ", r[i], " in ", shape_str(sizes));
      if (__builtin_mul_overflow(known, r[i], &known)) overflow = true;
    }
  }
  // a product past int64 matches no tensor, unless a 0 among the sizes makes it 0
  if (overflow) known = std::find(r.begin(), r.end(), 0) != r.end() ? 0 : -1;
  if (infer >= 0) {
    EMBER_CHECK(known > 0 && numel % known == 0, op, ": shape ", shape_str(sizes),
                " is invalid for input of size ", numel);
    r[infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, op, ": shape ", shape_str(sizes), " is invalid for input of size ", numel);
  }
  return r;
}

// PyTorch's computeStride: strides for viewing (sizes, strides) as new_sizes without a copy.
std::optional<Layout> Layout::view(const Shape& new_sizes_in) const {
  Shape new_sizes = infer_size(new_sizes_in, numel(), "view");
  const int64_t n = numel();
  Layout r;
  r.offset = offset;
  r.sizes = new_sizes;
  if (n == 0 || sizes.empty()) {
    r.strides = contiguous_strides(new_sizes);
    if (n == 0 && sizes == new_sizes) r.strides = strides;
    return r;
  }
  Shape new_strides(new_sizes.size(), 1);
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = dim() - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= sizes[tensor_d];
    if (tensor_d == 0 ||
        (sizes[tensor_d - 1] != 1 && strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  r.strides = new_strides;
  return r;
}

}  // namespace ember

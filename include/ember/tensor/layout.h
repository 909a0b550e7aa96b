#pragma once
// Layout: sizes, strides (in elements) and an offset into the storage.
// Every view op is a pure function Layout -> Layout; the storage is shared.
#include <optional>
#include <vector>
#include "ember/core/shape.h"

namespace ember {

struct Layout {
  Shape sizes;
  Shape strides;
  int64_t offset = 0;

  static Layout contiguous(const Shape& sizes, int64_t offset = 0);

  int64_t dim() const { return static_cast<int64_t>(sizes.size()); }
  int64_t numel() const { return shape_numel(sizes); }
  bool is_contiguous() const;
  // One past the largest element index this layout touches (0 for empty tensors).
  int64_t storage_extent() const;

  // View transforms. Dims may be negative. Each checks its arguments and throws
  // ember::Error naming the op on bad input.
  Layout transpose(int64_t d0, int64_t d1) const;
  Layout permute(const std::vector<int64_t>& dims) const;
  Layout expand(const Shape& new_sizes) const;  // -1 keeps a size
  Layout slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;  // clamps like Python
  Layout select(int64_t dim, int64_t index) const;  // negative index counts from the end
  Layout squeeze() const;
  Layout squeeze(int64_t dim) const;
  Layout unsqueeze(int64_t dim) const;
  // A view with `new_sizes` (one -1 allowed), or nullopt when the strides make it impossible
  // without a copy (PyTorch's computeStride rule).
  std::optional<Layout> view(const Shape& new_sizes) const;
};

// Resolve a single -1 in `sizes` for a tensor of `numel` elements; checks the product.
Shape infer_size(const Shape& sizes, int64_t numel, const char* op);

}  // namespace ember

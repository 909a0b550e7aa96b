#pragma once
// Python-style indexing: t.index({Slice(), Slice(1, 7, 2)}) is a[:, 1:7:2];
// an integer selects (drops the dim), None inserts a dim, Ellipsis fills the rest.
#include <cstdint>
#include <optional>

namespace ember {

struct Slice {
  std::optional<int64_t> start, stop;
  int64_t step = 1;
  Slice() = default;
  Slice(std::optional<int64_t> start_, std::optional<int64_t> stop_ = std::nullopt, int64_t step_ = 1)
      : start(start_), stop(stop_), step(step_) {}
};

// None also stands for an absent slice bound: Slice(None, 7) is Python's [:7].
struct NoneIndex {
  template <class T>
  constexpr operator std::optional<T>() const { return std::nullopt; }
};
struct EllipsisIndex {};
constexpr NoneIndex None{};
constexpr EllipsisIndex Ellipsis{};

class TensorIndex {
 public:
  enum class Kind { Integer, Slice, None, Ellipsis };
  TensorIndex(int v) : kind_(Kind::Integer), integer_(v) {}
  TensorIndex(long v) : kind_(Kind::Integer), integer_(v) {}
  TensorIndex(long long v) : kind_(Kind::Integer), integer_(v) {}
  TensorIndex(struct Slice s) : kind_(Kind::Slice), slice_(s) {}
  TensorIndex(NoneIndex) : kind_(Kind::None) {}
  TensorIndex(EllipsisIndex) : kind_(Kind::Ellipsis) {}
  Kind kind() const { return kind_; }
  int64_t integer() const { return integer_; }
  const struct Slice& slice() const { return slice_; }

 private:
  Kind kind_;
  int64_t integer_ = 0;
  struct Slice slice_;
};

}  // namespace ember

// torch.result_type and wrapped numbers.
#include "backend/cpu/dispatch.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

namespace {
// Kind rank: bool 0, integral 1, floating 2.
int kind(DType t) { return t == kBool ? 0 : is_floating(t) ? 2 : 1; }

// Wrapped floating numbers are stored as float64 (no precision lost) but promote as the
// default dtype, float32.
DType promotion_dtype(const Tensor& t) {
  if (t.impl()->is_wrapped_number && is_floating(t.dtype())) return kFloat32;
  return t.dtype();
}

int category(const Tensor& t) {
  if (t.impl()->is_wrapped_number) return 0;
  return t.dim() == 0 ? 1 : 2;
}

// c10's combine_categories: the higher category wins unless the lower one has a higher kind.
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_floating(*higher)) return higher;
  if (*higher == kBool || is_floating(*lower)) return promote_types(*higher, *lower);
  return higher;
}
}  // namespace

DType result_type(const Tensor& a, const Tensor& b) {
  if (a.dtype() == b.dtype() && !a.impl()->is_wrapped_number && !b.impl()->is_wrapped_number)
    return a.dtype();  // (every category rule agrees)
  std::optional<DType> cat[3];
  for (const Tensor* t : {&a, &b}) {
    int c = category(*t);
    DType d = promotion_dtype(*t);
    cat[c] = cat[c] ? promote_types(*cat[c], d) : d;
  }
  (void)kind;
  return *combine(cat[2], combine(cat[1], cat[0]));
}

// As result_type(a, wrap_scalar(b)) without making the tensor: a number is the lowest category.
DType result_type(const Tensor& a, Scalar b) {
  const DType sd = b.is_floating() ? kFloat32 : b.dtype();
  if (a.impl()->is_wrapped_number) return promote_types(promotion_dtype(a), sd);
  return *combine(promotion_dtype(a), sd);
}

Tensor wrap_scalar(Scalar s) {
  DType d = s.is_floating() ? kFloat64 : s.dtype();
  Tensor t = make_empty({}, d);
  cpu::dispatch_all(d, "wrap_scalar", [&](auto tag) {
    using T = decltype(tag);
    *static_cast<T*>(t.raw_data()) = s.to<T>();
  });
  t.impl()->is_wrapped_number = true;
  return t;
}

}  // namespace ember

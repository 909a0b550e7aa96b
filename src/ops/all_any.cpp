// all / any over everything or one dim: bool results (uint8 for uint8 input, as in PyTorch).
#include "backend/cpu/reduce.h"
#include "ember/tensor/ops.h"
#include "ops/reduce_util.h"
#include "tensor/make.h"

namespace ember {

namespace {

Tensor all_any(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool is_all) {
  const char* op = is_all ? "all" : "any";
  EMBER_CHECK(x.defined(), op, ": the input is undefined");
  auto dims = reduction_dims(dim ? std::vector<int64_t>{*dim} : std::vector<int64_t>{}, x.dim(), op);
  Tensor out = make_empty(reduced_shape(x.sizes(), dims, keepdim), x.dtype() == kUInt8 ? kUInt8 : kBool, x.device());
  if (out.numel() > 0) cpu::all_any_dims(x, dims, is_all, out);
  return out;
}

}  // namespace

Tensor all(const Tensor& x) { return all_any(x, std::nullopt, false, true); }
Tensor all(const Tensor& x, int64_t dim, bool keepdim) { return all_any(x, dim, keepdim, true); }
Tensor any(const Tensor& x) { return all_any(x, std::nullopt, false, false); }
Tensor any(const Tensor& x, int64_t dim, bool keepdim) { return all_any(x, dim, keepdim, false); }

Tensor Tensor::all() const { return ember::all(*this); }
Tensor Tensor::any() const { return ember::any(*this); }

}  // namespace ember

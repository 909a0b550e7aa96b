#include "autograd/record.h"

#include "backend/cpu/kernels.h"
#include "core/small_alloc.h"
#include "ember/tensor/ops.h"

namespace ember::autograd {

bool any_needs_grad(const TensorList& ts) {
  if (!GradMode::is_enabled()) return false;
  for (auto& t : ts)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void connect(const std::shared_ptr<Node>& node, std::span<const Tensor> inputs, std::span<const Tensor> outputs) {
  auto& edges = node->mutable_next_edges();
  edges.reserve(inputs.size());
  for (auto& in : inputs) edges.push_back(in.defined() ? gradient_edge(in) : Edge{});
  auto& om = node->output_meta();
  om.reserve(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    om.push_back({out.sizes(), out.dtype(), out.device()});
    if (!is_floating(out.dtype())) continue;  // integer outputs (indices) carry no gradient
    auto& m = meta(out);
    m.requires_grad = true;
    m.grad_fn = node;
    m.output_nr = static_cast<uint32_t>(i);
  }
}

namespace {

bool any_needs_grad(std::span<const Tensor> ts) {
  if (!GradMode::is_enabled()) return false;
  for (auto& t : ts)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record_impl(const char* name, std::span<const Tensor> inputs, std::span<const Tensor> outputs,
                 std::span<const Tensor> saved, BackwardFn&& backward) {
  if (!any_needs_grad(inputs)) return;
  auto node = std::allocate_shared<FunctionNode>(detail::PoolAllocator<FunctionNode>(), name, std::move(backward));
  connect(node, inputs, outputs);
  auto& sv = node->saved();
  sv.reserve(saved.size());
  for (auto& s : saved) {
    bool is_output = false;
    for (auto& o : outputs)
      if (s.defined() && s.is_same(o)) is_output = true;
    sv.emplace_back(s, is_output);
  }
}

}  // namespace

void record(const char* name, const TensorList& inputs, const TensorList& outputs, const TensorList& saved,
            BackwardFn backward) {
  record_impl(name, inputs, outputs, saved, std::move(backward));
}

void record(const char* name, std::initializer_list<Tensor> inputs, std::initializer_list<Tensor> outputs,
            std::initializer_list<Tensor> saved, BackwardFn backward) {
  record_impl(name, {inputs.begin(), inputs.size()}, {outputs.begin(), outputs.size()},
              {saved.begin(), saved.size()}, std::move(backward));
}

TensorList FunctionNode::apply(TensorList&& grads) {
  TensorList saved;
  saved.reserve(saved_.size());
  for (auto& s : saved_) saved.push_back(s.unpack(this));
  return fn_(grads, saved);
}

void FunctionNode::release_variables() {
  for (auto& s : saved_) s.reset();
}

void check_inplace(const Tensor& self, const char* op) {
  EMBER_CHECK(!(GradMode::is_enabled() && self.requires_grad() && self.is_leaf()), op,
              ": a leaf Variable that requires grad is being used in an in-place operation.");
  self.storage()->bump_version();
}

namespace {
bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}
}  // namespace

Tensor& inplace(Tensor& self, const char* op, const std::function<Tensor(const Tensor&)>& fn) {
  EMBER_CHECK(!(GradMode::is_enabled() && self.requires_grad() && self.is_leaf()), op,
              ": a leaf Variable that requires grad is being used in an in-place operation.");
  // With autograd on, compute from a clone so that nodes saving `self` keep the old values.
  const bool track = GradMode::is_enabled();
  Tensor result = fn(track && self.requires_grad() ? self.clone() : self);
  EMBER_CHECK(result.sizes() == self.sizes(), op, ": output with shape ", shape_str(self.sizes()),
              " doesn't match the broadcast shape ", shape_str(result.sizes()));
  EMBER_CHECK(can_cast(result.dtype(), self.dtype()), op, ": result type ", dtype_name(result.dtype()),
              " can't be cast to the desired output type ", dtype_name(self.dtype()));
  cpu::copy_(self, result);
  self.storage()->bump_version();
  if (track && result.requires_grad()) {
    EMBER_CHECK(!self.impl()->is_view || !self.requires_grad(), op,
                ": in-place operations on views of tensors that require grad are not supported; "
                "use the out-of-place form");
    EMBER_CHECK(!self.impl()->is_view, op,
                ": an in-place operation on a view that would make it require grad is not supported; "
                "use the out-of-place form");
    auto& m = meta(self);
    auto& rm = meta(result);
    m.requires_grad = true;
    m.grad_fn = rm.grad_fn;
    m.output_nr = rm.output_nr;
    // self's metadata changed: the node's output shape is self's (same shape, checked above).
  }
  return self;
}

}  // namespace ember::autograd

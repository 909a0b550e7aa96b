#include "autograd/record.h"

#include <string_view>

#include "backend/cpu/kernels.h"
#include "core/small_alloc.h"
#include "ember/tensor/ops.h"
#include "ember/tensor/factory.h"
#include "tensor/make.h"

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

namespace {
// An in-place write into an expanded tensor (a stride 0 over more than one element) would write
// one memory location several times: PyTorch refuses it.
void check_no_overlap(const Tensor& self, const char* op) {
  const Layout& l = self.layout();
  for (size_t d = 0; d < l.sizes.size(); ++d)
    EMBER_CHECK(l.strides[d] != 0 || l.sizes[d] <= 1, op,
                ": unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation.");
}

// PyTorch's rules for in-place ops on views under grad mode: not on a view of a leaf that
// requires grad, not on a view made under no_grad whose base requires grad.
void check_view_inplace(const Tensor& self, const Tensor& base, const char* op) {
  if (!base.defined() || !base.requires_grad()) return;
  EMBER_CHECK(!self.impl()->view_no_grad, op,
              ": a view was created in no_grad mode and is being modified inplace with grad mode enabled. Given "
              "that this use case is ambiguous and error-prone, it is forbidden. Move both the view and the inplace "
              "either inside the no_grad block (if the inplace should not be tracked) or outside it (if it should).");
  EMBER_CHECK(!base.is_leaf(), op, ": a view of a leaf Variable that requires grad is being used in an in-place operation.");
}
}  // namespace

void check_inplace(const Tensor& self, const char* op) {
  const bool track = GradMode::is_enabled();
  EMBER_CHECK(!(track && self.requires_grad() && self.is_leaf()), op,
              ": a leaf Variable that requires grad is being used in an in-place operation.");
  if (track && self.impl()->view_base) check_view_inplace(self, Tensor(self.impl()->view_base), op);
  if (self.impl()->is_view) check_no_overlap(self, op);
  self.storage()->bump_version();
}

namespace {
bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != DType::Bool && to == DType::Bool) return false;
  return true;
}
}  // namespace

namespace {

// Where a view lies in its base: the base's layout and storage size, and the view's layout over
// the same storage. A buffer with the base's layout over fresh storage of the same size lets
// the view's layout address the same elements of it.
struct ViewGeometry {
  Layout base, view;
  int64_t storage_elems;
  DType dtype;
  Tensor base_buffer(bool zero) const {
    Tensor buf = zero ? zeros({storage_elems}, dtype) : make_empty({storage_elems}, dtype);
    return make_tensor(buf.storage(), base, dtype);
  }
  Tensor view_of(const Tensor& base_buffer) const { return make_tensor(base_buffer.storage(), view, dtype); }
};

// The view's part of a gradient with the base's layout, and the reverse (zeros elsewhere); each
// is the other's backward, so gradients through in-place ops on views differentiate again.
Tensor gather_view_part(const Tensor& g_base, const ViewGeometry& geo);
Tensor scatter_view_part(const Tensor& g_view, const ViewGeometry& geo) {
  Tensor gb = geo.base_buffer(true);
  Tensor part = geo.view_of(gb);
  cpu::copy_(part, g_view);
  if (needs_grad(g_view))
    record("AsStridedScatterBackward0", {g_view}, {gb}, {}, [geo](const TensorList& gg, const TensorList&) -> TensorList {
      return {gather_view_part(gg[0], geo)};
    });
  return gb;
}
Tensor gather_view_part(const Tensor& g_base, const ViewGeometry& geo) {
  Tensor buf = geo.base_buffer(false);
  cpu::copy_(buf, g_base);
  Tensor part = geo.view_of(buf).clone();
  if (needs_grad(g_base))
    record("AsStridedBackward0", {g_base}, {part}, {}, [geo](const TensorList& gg, const TensorList&) -> TensorList {
      return {scatter_view_part(gg[0], geo)};
    });
  return part;
}

ViewGeometry geometry_of(const Tensor& view, const Tensor& base) {
  return {base.layout(), view.layout(), static_cast<int64_t>(base.storage()->nbytes() / element_size(base.dtype())),
          base.dtype()};
}

// view's history: a view of base (d(view) -> d(base): zeros with the view's part filled in).
void record_view_of_base(const Tensor& view, const Tensor& base) {
  record("AsStridedBackward0", {base}, {view}, {}, [geo = geometry_of(view, base)](const TensorList& g, const TensorList&) -> TensorList {
    return {scatter_view_part(g[0], geo)};
  });
  view.impl()->view_version = view.storage()->version();
}

// An in-place op on `view` wrote `result` into part of its base: the base's history becomes
// CopySlices (the old history outside the view, result's history inside it) and the view's a
// view of the new base, as PyTorch does.
void rebase_history(const Tensor& view, const Tensor& result, const Tensor& base) {
  // d(base) -> d(old base) with the view's part zeroed, and d(result) = the view's part.
  record("CopySlices", {base, result}, {base}, {}, [geo = geometry_of(view, base)](const TensorList& g, const TensorList&) -> TensorList {
    if (GradMode::is_enabled()) {  // create_graph: from differentiable pieces
      Tensor part = gather_view_part(g[0], geo);
      return {g[0] - scatter_view_part(part, geo), part};
    }
    Tensor gb = geo.base_buffer(false);
    cpu::copy_(gb, g[0]);
    Tensor part = geo.view_of(gb);
    Tensor gr = part.clone();
    cpu::fill_(part, 0);
    return {gb, gr};
  });
  record_view_of_base(view, base);
}

const char* overwrite_node_name(const char* op) {
  const std::string_view o(op);
  if (o == "fill_") return "FillBackward2";  // (PyTorch 1.13's name for fill_.Scalar)
  if (o == "uniform_") return "UniformBackward0";
  if (o == "normal_") return "NormalBackward0";
  return "CopyBackwards";
}

}  // namespace

Tensor& inplace(Tensor& self, const char* op, const std::function<Tensor(const Tensor&)>& fn) {
  const bool track = GradMode::is_enabled();
  EMBER_CHECK(!(track && self.requires_grad() && self.is_leaf()), op,
              ": a leaf Variable that requires grad is being used in an in-place operation.");
  const auto& base_impl = self.impl()->view_base;
  const Tensor base = track && base_impl ? Tensor(base_impl) : Tensor();
  // (self.requires_grad() above rebuilt a stale view's history from its base.)
  check_view_inplace(self, base, op);
  if (self.impl()->is_view) check_no_overlap(self, op);
  // With autograd on, compute from a clone so that nodes saving `self` keep the old values.
  Tensor result = fn(track && self.requires_grad() ? self.clone() : self);
  EMBER_CHECK(result.sizes() == self.sizes(), op, ": output with shape ", shape_str(self.sizes()),
              " doesn't match the broadcast shape ", shape_str(result.sizes()));
  EMBER_CHECK(can_cast(result.dtype(), self.dtype()), op, ": result type ", dtype_name(result.dtype()),
              " can't be cast to the desired output type ", dtype_name(self.dtype()));
  const bool differentiable = track && is_floating(self.dtype()) && (self.requires_grad() || result.requires_grad());
  if (differentiable && !result.requires_grad()) {
    // The old values are overwritten by constants (fill_, copy_ from a tensor without grad):
    // their history receives a zero gradient.
    result = result.to(self.dtype());
    record(overwrite_node_name(op), {self}, {result}, {}, [](const TensorList& g, const TensorList&) -> TensorList {
      return {zeros_like(g[0])};
    });
  }
  cpu::copy_(self, result);
  self.storage()->bump_version();
  if (!differentiable) return self;
  if (base.defined()) {
    rebase_history(self, result, base);
    return self;
  }
  auto& m = meta(self);
  auto& rm = meta(result);
  m.requires_grad = true;
  m.grad_fn = rm.grad_fn;
  m.output_nr = rm.output_nr;
  // self's metadata changed: the node's output shape is self's (same shape, checked above).
  return self;
}

void refresh_stale_view(const Tensor& view) {
  TensorImpl* impl = view.impl();
  const uint64_t version = impl->storage->version();
  if (impl->view_no_grad || version == impl->view_version || !GradMode::is_enabled()) return;
  impl->view_version = version;
  const Tensor base(impl->view_base);
  if (base.requires_grad() && is_floating(view.dtype())) record_view_of_base(view, base);
}

}  // namespace ember::autograd

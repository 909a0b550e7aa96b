#pragma once
// Internal: how an op attaches its backward to the graph.
//
//   Tensor exp(const Tensor& x) {
//     Tensor out = ...forward...;
//     autograd::record("ExpBackward0", {x}, {out}, {out},
//         [](const TensorList& g, const TensorList& s) -> TensorList { return {g[0] * s[0]}; });
//     return out;
//   }
//
// The backward gets one gradient per output (zero-filled when missing) and the saved
// tensors (version-checked), and returns one gradient per input (undefined for none).
// It is written with Tensor ops, so with create_graph it is itself differentiated.
#include <functional>
#include <initializer_list>
#include <span>
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"

namespace ember::autograd {

using BackwardFn = std::function<TensorList(const TensorList& grads, const TensorList& saved)>;

// True when grad mode is on and any tensor requires grad.
inline bool needs_grad(const Tensor& a) { return a.defined() && a.requires_grad() && GradMode::is_enabled(); }
template <class... T>
bool needs_grad(const Tensor& a, const T&... rest) {
  if (!GradMode::is_enabled()) return false;
  return (a.defined() && a.requires_grad()) || ((rest.defined() && rest.requires_grad()) || ...);
}
bool any_needs_grad(const TensorList& ts);

// Attaches a node named `name` to the floating-point `outputs` if needs_grad(inputs).
// Saved tensors that are outputs are stored without a reference cycle.
void record(const char* name, const TensorList& inputs, const TensorList& outputs, const TensorList& saved,
            BackwardFn backward);
// The same for braced lists, record("ExpBackward0", {x}, {out}, {out}, ...): no vectors are built.
void record(const char* name, std::initializer_list<Tensor> inputs, std::initializer_list<Tensor> outputs,
            std::initializer_list<Tensor> saved, BackwardFn backward);

// A node whose backward is a std::function (what record() creates).
class FunctionNode : public Node {
 public:
  FunctionNode(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  TensorList apply(TensorList&& grads) override;
  void release_variables() override;
  std::vector<SavedVariable>& saved() { return saved_; }

 private:
  const char* name_;
  BackwardFn fn_;
  // (saved tensors live in Node::saved_, so that ~Node can release long graphs iteratively)
};

// Connect `outputs` to `node` (sets grad_fn/output_nr/requires_grad on floating outputs,
// fills output_meta) and the node's next edges to `inputs`.
void connect(const std::shared_ptr<Node>& node, std::span<const Tensor> inputs, std::span<const Tensor> outputs);

// In-place ops: `fn(self_for_compute)` computes the result functionally; inplace() then
// writes it into `self`, bumps the version and moves self's history onto the result's node.
// Raises PyTorch's errors for a leaf that requires grad and for mismatched shape/dtype.
Tensor& inplace(Tensor& self, const char* op, const std::function<Tensor(const Tensor&)>& fn);
// Call before writing into `self` directly (no-autograd fast paths): checks leaf rule, bumps version.
void check_inplace(const Tensor& self, const char* op);

// A view whose storage was written in place since its history was recorded gets, under grad
// mode and when its base requires grad, the history of a view of its base (AsStridedBackward0).
// Called by requires_grad(), grad_fn() and gradient_edge() for views.
void refresh_stale_view(const Tensor& view);

}  // namespace ember::autograd

// autograd::Function: the node a user-defined function records, and the glue that
// Function<T>::apply calls around T::forward (collect inputs, connect outputs, save tensors).
#include "ember/autograd/function.h"

#include <cxxabi.h>

#include <cstdlib>

#include "autograd/record.h"
#include "ember/tensor/ops.h"

namespace ember::autograd {

namespace {

// "ns::(anonymous namespace)::MyExp" -> "MyExp"; template arguments are kept.
std::string short_type_name(const std::type_info& type) {
  int status = 0;
  char* d = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string full = (status == 0 && d) ? d : type.name();
  std::free(d);
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i + 1 < full.size(); ++i) {
    char c = full[i];
    if (c == '<' || c == '(') ++depth;
    else if (c == '>' || c == ')') --depth;
    else if (depth == 0 && c == ':' && full[i + 1] == ':') start = i + 2;
  }
  return full.substr(start);
}

}  // namespace

// The node of one call of a user-defined Function.
class CustomFunctionNode : public Node {
 public:
  CustomFunctionNode(std::string name, detail::BackwardPtr backward)
      : name_(std::move(name)), backward_(backward) {
    ctx_.node_ = this;
    ctx_.name_ = name_;
  }
  std::string name() const override { return name_; }
  TensorList apply(TensorList&& grads) override;
  void release_variables() override {
    for (auto& s : saved_) s.reset();
  }
  TensorList unpack_saved() {
    TensorList r;
    r.reserve(saved_.size());
    for (auto& s : saved_) r.push_back(s.unpack(this));
    return r;
  }

  std::string name_;
  detail::BackwardPtr backward_;
  AutogradContext ctx_;
  std::vector<bool> is_var_;         // per forward argument (TensorList elements flattened)
  TensorList inputs_;                // the tensor arguments, only until finish()
  std::vector<Shape> input_shapes_;  // per tensor argument (= per next edge)
  std::vector<uint64_t> input_versions_;  // to catch forward writing into an input
  std::vector<bool> output_defined_;
  bool executable_ = false;

  friend class detail::FunctionCall;
};

// ---- AutogradContext -------------------------------------------------------------------

void AutogradContext::save_for_backward(TensorList to_save) { to_save_ = std::move(to_save); }

TensorList AutogradContext::get_saved_variables() const {
  if (!saved_ready_) return to_save_;  // inside forward
  return node_->unpack_saved();
}

void AutogradContext::mark_non_differentiable(const TensorList& outputs) {
  for (auto& t : outputs)
    if (t.defined()) non_differentiable_.push_back(t.impl());
}

bool AutogradContext::needs_input_grad(size_t index) const {
  EMBER_CHECK(index < needs_input_grad_.size(), name_, ": needs_input_grad(", index, ") is out of range: forward has ",
              needs_input_grad_.size(), " arguments");
  return needs_input_grad_[index];
}

// ---- backward --------------------------------------------------------------------------

TensorList CustomFunctionNode::apply(TensorList&& grads) {
  for (size_t i = 0; i < grads.size() && i < output_defined_.size(); ++i)
    if (!output_defined_[i]) grads[i] = Tensor();
  TensorList r = backward_(&ctx_, grads);
  const size_t n_args = is_var_.size();
  if (r.size() > n_args) {
    bool extra_undefined = true;
    for (size_t i = n_args; i < r.size(); ++i) extra_undefined = extra_undefined && !r[i].defined();
    if (extra_undefined) r.resize(n_args);
  }
  EMBER_CHECK(r.size() == n_args, name_, ": backward returned an incorrect number of gradients (expected ", n_args,
              ", got ", r.size(), "): it must return one per forward argument, an undefined Tensor for a "
              "non-tensor argument");
  TensorList out;
  out.reserve(next_edges_.size());
  size_t e = 0;
  for (size_t k = 0; k < n_args; ++k) {
    if (!is_var_[k]) {
      EMBER_CHECK(!r[k].defined(), name_, ": backward returned a defined gradient at position ", k,
                  ", but the corresponding forward argument is not a Tensor");
      continue;
    }
    Tensor g = std::move(r[k]);
    if (!next_edges_[e].valid()) {
      g = Tensor();  // this input needs no gradient
    } else if (g.defined() && g.sizes() != input_shapes_[e]) {
      // As PyTorch: a gradient of the broadcast shape is summed back to the input's shape.
      EMBER_CHECK(is_expandable_to(input_shapes_[e], g.sizes()), name_, ": backward returned a gradient of shape ",
                  shape_str(g.sizes()), " for argument ", k, ", but that input has shape ",
                  shape_str(input_shapes_[e]));
      g = sum_to(g, input_shapes_[e]);
    }
    out.push_back(std::move(g));
    ++e;
  }
  return out;
}

// ---- apply -----------------------------------------------------------------------------

namespace detail {

FunctionCall::FunctionCall(const std::type_info& type, BackwardPtr backward)
    : node_(std::make_shared<CustomFunctionNode>(short_type_name(type) + "Backward", backward)) {}

FunctionCall::~FunctionCall() = default;

void FunctionCall::add_arg(const Tensor& t) {
  node_->is_var_.push_back(true);
  node_->inputs_.push_back(t);
}

void FunctionCall::add_arg(const TensorList& ts) {
  for (auto& t : ts) add_arg(t);
}

void FunctionCall::add_non_tensor() { node_->is_var_.push_back(false); }

AutogradContext* FunctionCall::begin() {
  CustomFunctionNode& n = *node_;
  n.executable_ = any_needs_grad(n.inputs_);
  auto& ctx = n.ctx_;
  size_t t = 0;
  for (bool v : n.is_var_) {
    bool need = false;
    if (v) {
      const Tensor& in = n.inputs_[t++];
      need = n.executable_ && in.defined() && in.requires_grad();
    }
    ctx.needs_input_grad_.push_back(need);
  }
  if (n.executable_) {
    auto& edges = n.mutable_next_edges();
    for (auto& in : n.inputs_) {
      edges.push_back(in.defined() ? gradient_edge(in) : Edge{});
      n.input_shapes_.push_back(in.defined() ? in.sizes() : Shape{});
      n.input_versions_.push_back(in.defined() ? in._version() : 0);
    }
  }
  return &ctx;
}

Tensor FunctionCall::finish(Tensor output) {
  TensorList outs = finish(TensorList{std::move(output)});
  return outs[0];
}

TensorList FunctionCall::finish(TensorList outs) {
  CustomFunctionNode& n = *node_;
  auto& ctx = n.ctx_;
  if (!n.executable_) {
    ctx.to_save_.clear();
    n.inputs_.clear();
    return outs;
  }
  for (size_t i = 0; i < n.inputs_.size(); ++i) {
    const Tensor& in = n.inputs_[i];
    EMBER_CHECK(!in.defined() || !in.requires_grad() || in._version() == n.input_versions_[i], n.name_,
                ": forward modified tensor argument ", i, " (", shape_str(in.sizes()), ") in place; that is not "
                "supported for inputs that require grad (return a new tensor instead)");
  }
  n.output_defined_.resize(outs.size());
  auto& om = n.output_meta();
  for (size_t i = 0; i < outs.size(); ++i) {
    Tensor& out = outs[i];
    n.output_defined_[i] = out.defined();
    if (!out.defined()) {
      om.push_back({});
      continue;
    }
    bool non_diff = false;
    for (TensorImpl* p : ctx.non_differentiable_) non_diff = non_diff || p == out.impl();
    // An input (or anything with history) returned as an output becomes a fresh alias, so that
    // the caller's tensor keeps its own grad_fn.
    bool alias = false;
    for (auto& in : n.inputs_) alias = alias || in.is_same(out);
    if (auto* m = meta_or_null(out); m && (m->grad_fn || m->requires_grad)) alias = true;
    if (alias) out = out.detach();
    om.push_back({out.sizes(), out.dtype(), out.device()});
    if (non_diff || !is_floating(out.dtype())) continue;
    auto& m = meta(out);
    m.requires_grad = true;
    m.grad_fn = node_;
    m.output_nr = static_cast<uint32_t>(i);
  }
  // Saved tensors: outputs are stored without their grad_fn (no reference cycle).
  for (auto& s : ctx.to_save_) {
    bool is_output = false;
    for (auto& o : outs) is_output = is_output || (s.defined() && s.is_same(o));
    n.saved_.emplace_back(s, is_output);
  }
  ctx.to_save_.clear();
  ctx.saved_ready_ = true;
  n.inputs_.clear();
  return outs;
}

}  // namespace detail

}  // namespace ember::autograd

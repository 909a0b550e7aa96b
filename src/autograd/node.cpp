#include "ember/autograd/node.h"

#include "autograd/record.h"

#include <atomic>

#include "core/small_alloc.h"
#include "ember/autograd/grad_mode.h"
#include "ember/tensor/ops.h"

namespace ember::autograd {

namespace {
std::atomic<uint64_t> g_sequence{0};
std::atomic<int> g_hook_handle{0};
// While a graph is being destroyed, nodes and tensors whose last reference is dropped are
// parked here instead of being destroyed recursively (a 100,000-op chain would overflow the stack).
__attribute__((tls_model("initial-exec"))) thread_local std::vector<std::shared_ptr<void>>* g_pending = nullptr;
}  // namespace

int next_hook_handle() { return ++g_hook_handle; }

// ---- SavedVariable ---------------------------------------------------------------------

SavedVariable::SavedVariable(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  defined_ = true;
  is_output_ = is_output;
  version_ = t._version();
  requires_grad_ = t.requires_grad();
  output_nr_ = t.output_nr();
  // An output is kept as a bare alias (no grad_fn) so the node does not own itself.
  data_ = is_output ? t.detach() : t;
}

Tensor SavedVariable::unpack(Node* owner) const {
  if (!defined_) return Tensor();
  EMBER_CHECK(!released_, "Trying to backward through the graph a second time (or directly access saved "
              "tensors after they have already been freed). Saved intermediate values of the graph are freed "
              "when you call .backward() or autograd::grad(). Specify retain_graph=true if you need to backward "
              "through the graph a second time. (node: ", owner ? owner->name() : "?", ")");
  if (data_._version() != version_) {
    EMBER_THROW("one of the variables needed for gradient computation has been modified by an inplace "
                "operation: [", dtype_name(data_.dtype()), " ", shape_str(data_.sizes()), "], which is output ",
                output_nr_, " of ", owner ? owner->name() : "?", ", is at version ", data_._version(),
                "; expected version ", version_, " instead.");
  }
  if (!is_output_ || !requires_grad_) return data_;
  // Restore the output's history: an alias whose grad_fn is the owner.
  Tensor t = data_.detach();
  auto& m = meta(t);
  m.requires_grad = true;
  m.grad_fn = owner->shared_from_this();
  m.output_nr = output_nr_;
  return t;
}

void SavedVariable::reset() {
  data_ = Tensor();
  released_ = true;
}

std::shared_ptr<TensorImpl> SavedVariable::take_impl() {
  auto p = data_.impl_ptr();
  data_ = Tensor();
  return p;
}

// ---- Node ------------------------------------------------------------------------------

Node::Node() : sequence_nr_(g_sequence++) {}

Node::~Node() {
  std::vector<std::shared_ptr<void>> local;
  const bool top = g_pending == nullptr;
  if (top) g_pending = &local;
  for (auto& e : next_edges_)
    if (e.node && e.node.use_count() == 1) g_pending->push_back(std::move(e.node));
  for (auto& s : saved_) {
    auto p = s.take_impl();
    if (p && p.use_count() == 1) g_pending->push_back(std::move(p));
  }
  for (auto& h : pre_hooks_) h.fn = nullptr;
  if (top) {
    while (!local.empty()) {
      std::shared_ptr<void> p = std::move(local.back());
      local.pop_back();
      p.reset();  // may park more nodes in `local`
    }
    g_pending = nullptr;
  }
}

std::vector<std::pair<std::shared_ptr<Node>, uint32_t>> Node::next_functions() const {
  std::vector<std::pair<std::shared_ptr<Node>, uint32_t>> r;
  for (auto& e : next_edges_) r.emplace_back(e.node, e.input_nr);
  return r;
}

int Node::add_pre_hook(uint32_t output_nr, Tensor::Hook hook) {
  int h = next_hook_handle();
  pre_hooks_.push_back({h, output_nr, std::move(hook)});
  return h;
}

bool Node::remove_pre_hook(int handle) {
  auto n = std::erase_if(pre_hooks_, [&](const PreHook& p) { return p.handle == handle; });
  return n > 0;
}

void Node::run_pre_hooks(TensorList& grads) {
  for (auto& h : pre_hooks_) {
    if (h.output_nr >= grads.size() || !h.fn) continue;
    Tensor r = h.fn(grads[h.output_nr]);
    if (r.defined()) grads[h.output_nr] = r;
  }
}

// ---- AutogradMeta ----------------------------------------------------------------------

void* AutogradMeta::operator new(std::size_t n) { return detail::small_alloc(n); }
void AutogradMeta::operator delete(void* p, std::size_t n) { detail::small_free(p, n); }

AutogradMeta& meta(const Tensor& t) {
  TensorImpl* impl = t.impl();
  EMBER_CHECK(impl, "autograd: the tensor is undefined");
  if (!impl->autograd_meta) impl->autograd_meta = std::make_unique<AutogradMeta>();
  return *impl->autograd_meta;
}

AutogradMeta* meta_or_null(const Tensor& t) {
  TensorImpl* impl = t.impl();
  return impl ? impl->autograd_meta.get() : nullptr;
}

Edge gradient_edge(const Tensor& t) {
  if (t.impl() && t.impl()->view_base) refresh_stale_view(t);
  auto* m = meta_or_null(t);
  if (!m || !m->requires_grad) return {};
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
  auto acc = m->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    m->grad_accumulator = acc;
  }
  return {acc, 0};
}

// ---- AccumulateGrad --------------------------------------------------------------------

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {
  output_meta_.push_back({leaf_->layout.sizes, leaf_->dtype, leaf_->storage->device()});
}

TensorList AccumulateGrad::apply(TensorList&& grads) {
  Tensor g = std::move(grads.at(0));
  Tensor var(leaf_);
  auto& m = meta(var);
  for (auto& [handle, hook] : m.hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  if (!g.defined()) return {};
  if (!m.grad.defined()) {
    if (GradMode::is_enabled()) {
      m.grad = g;  // create_graph: keep the history
    } else {
      // Take ownership when nobody else can see this buffer; otherwise copy it.
      bool stealable = g.impl_ptr().use_count() == 1 && !g.impl()->is_view && g.storage().use_count() == 1 &&
                       g.is_contiguous() && g.impl()->autograd_meta == nullptr;
      m.grad = stealable ? g : g.detach().clone();
    }
  } else if (GradMode::is_enabled()) {
    m.grad = m.grad + g;
  } else {
    m.grad.add_(g);
  }
  return {};
}

}  // namespace ember::autograd

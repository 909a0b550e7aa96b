#include "ember/nn/module.h"

#include <algorithm>
#include <ostream>
#include <set>
#include <sstream>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"
#include "ember/tensor/ops.h"

namespace ember::nn {

namespace {
void check_name(const std::string& name, const char* what) {
  EMBER_CHECK(!name.empty(), "Module: ", what, " name can't be empty");
  EMBER_CHECK(name.find('.') == std::string::npos, "Module: ", what, " name can't contain \".\", got '", name, "'");
}
template <class V>
bool has_key(const V& v, const std::string& k) {
  return std::any_of(v.begin(), v.end(), [&](const auto& p) { return p.first == k; });
}
// Whether `target` is `root` or one of its descendants (iterative: no recursion on user graphs).
bool reaches(const Module* root, const Module* target) {
  std::vector<const Module*> stack{root};
  std::set<const Module*> seen;
  while (!stack.empty()) {
    const Module* m = stack.back();
    stack.pop_back();
    if (m == target) return true;
    if (!seen.insert(m).second) continue;
    for (auto& [n, c] : m->named_children()) stack.push_back(c.get());
  }
  return false;
}
// A module inside itself would send state_dict, parameters, train, to and repr into endless recursion.
void check_no_cycle(const Module* self, const Module* child, const std::string& name) {
  EMBER_CHECK(!reaches(child, self), "Module: registering '", name, "' (a ", child->type_name(), ") in ",
              self->type_name(), " would make a cycle: the ", self->type_name(), " is that module or inside it");
}
}  // namespace

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

Tensor Module::forward(const Tensor&) {
  EMBER_THROW(type_name_, ": this module has no single-tensor forward(x); call its own forward(...)");
}

Tensor& Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_name(name, "parameter");
  EMBER_CHECK(!has_key(params_, name) && !has_key(buffers_, name) && !has_key(children_, name),
              "Module: attribute '", name, "' already exists in ", type_name_);
  if (t.defined()) {
    EMBER_CHECK(t.is_leaf(), "Module: parameter '", name, "' must be a leaf tensor (detach it first)");
    if (requires_grad) t.requires_grad_(true);
  }
  params_.emplace_back(name, std::move(t));
  return params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_name(name, "buffer");
  EMBER_CHECK(!has_key(params_, name) && !has_key(buffers_, name) && !has_key(children_, name),
              "Module: attribute '", name, "' already exists in ", type_name_);
  buffers_.emplace_back(name, std::move(t));
  if (!persistent) non_persistent_.push_back(name);
  return buffers_.back().second;
}

void Module::register_module_impl(const std::string& name, std::shared_ptr<Module> m) {
  check_name(name, "module");
  EMBER_CHECK(m != nullptr, "Module: submodule '", name, "' is null");
  EMBER_CHECK(!has_key(params_, name) && !has_key(buffers_, name) && !has_key(children_, name),
              "Module: attribute '", name, "' already exists in ", type_name_);
  check_no_cycle(this, m.get(), name);
  children_.emplace_back(name, std::move(m));
}

void Module::replace_module(const std::string& name, std::shared_ptr<Module> m) {
  for (auto& [n, c] : children_)
    if (n == name) {
      EMBER_CHECK(m != nullptr, "Module: replacement for '", name, "' is null");
      check_no_cycle(this, m.get(), name);
      c = std::move(m);
      return;
    }
  EMBER_THROW("Module: no submodule named '", name, "' in ", type_name_);
}

void Module::collect_state(const std::string& prefix, StateDict& out, bool params, bool bufs,
                           bool persistent_only) const {
  if (params)
    for (auto& [n, t] : params_)
      if (t.defined()) out.emplace_back(prefix + n, t);
  if (bufs)
    for (auto& [n, t] : buffers_) {
      if (!t.defined()) continue;
      if (persistent_only && std::find(non_persistent_.begin(), non_persistent_.end(), n) != non_persistent_.end())
        continue;
      out.emplace_back(prefix + n, t);
    }
  for (auto& [n, c] : children_) c->collect_state(prefix + n + ".", out, params, bufs, persistent_only);
}

StateDict Module::named_parameters(bool recurse) const {
  StateDict r;
  if (!recurse) {
    for (auto& [n, t] : params_)
      if (t.defined()) r.emplace_back(n, t);
    return r;
  }
  collect_state("", r, true, false, false);
  // a parameter shared by two modules is listed once (PyTorch's remove_duplicate)
  std::set<TensorImpl*> seen;
  std::erase_if(r, [&](const auto& p) { return !seen.insert(p.second.impl()).second; });
  return r;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> r;
  for (auto& [n, t] : named_parameters(recurse)) r.push_back(t);
  return r;
}

StateDict Module::named_buffers(bool recurse) const {
  StateDict r;
  if (!recurse) {
    for (auto& [n, t] : buffers_)
      if (t.defined()) r.emplace_back(n, t);
    return r;
  }
  collect_state("", r, false, true, false);
  return r;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> r;
  for (auto& [n, t] : named_buffers(recurse)) r.push_back(t);
  return r;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> r;
  for (auto& [n, c] : children_) r.push_back(c);
  return r;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const { return children_; }

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules(const std::string& prefix) {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> r;
  std::set<Module*> seen;
  // iterative depth-first pre-order
  std::vector<std::pair<std::string, Module*>> stack{{prefix, this}};
  while (!stack.empty()) {
    auto [name, m] = stack.back();
    stack.pop_back();
    if (!seen.insert(m).second) continue;
    std::shared_ptr<Module> self;
    try {
      self = m->shared_from_this();
    } catch (const std::bad_weak_ptr&) {
      self = std::shared_ptr<Module>(m, [](Module*) {});  // a module not owned by a shared_ptr
    }
    r.emplace_back(name, self);
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(name.empty() ? it->first : name + "." + it->first, it->second.get());
  }
  return r;
}

std::vector<std::shared_ptr<Module>> Module::modules() {
  std::vector<std::shared_ptr<Module>> r;
  for (auto& [n, m] : named_modules()) r.push_back(m);
  return r;
}

int64_t Module::parameter_count(bool only_trainable) const {
  int64_t n = 0;
  for (auto& p : parameters())
    if (!only_trainable || p.requires_grad()) n += p.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) p.set_grad(Tensor());
    else {
      NoGradGuard g;
      p.mutable_grad().detach_();
      p.mutable_grad().zero_();
    }
  }
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [n, c] : children_) c->apply(fn);
  fn(*this);
  return *this;
}

Module& Module::requires_grad_(bool r) {
  for (auto& p : parameters()) p.requires_grad_(r);
  return *this;
}

namespace {
// Converts `t` in place: the handle keeps its identity (optimizers holding it stay valid).
void convert_in_place(Tensor& t, DType dtype) {
  if (!t.defined() || !is_floating(t.dtype()) || t.dtype() == dtype) return;
  Tensor c = t.detach().to(dtype).contiguous();
  TensorImpl* impl = t.impl();
  impl->storage = c.storage();
  impl->layout = c.layout();
  impl->dtype = dtype;
  if (impl->autograd_meta) impl->autograd_meta->grad = Tensor();
}
}  // namespace

Module& Module::to(DType dtype) {
  EMBER_CHECK(is_floating(dtype), type_name_, ".to only accepts floating point dtypes, but got desired dtype=",
              dtype_name(dtype));
  for (auto& [n, t] : params_) convert_in_place(t, dtype);
  for (auto& [n, t] : buffers_) convert_in_place(t, dtype);
  for (auto& [n, c] : children_) c->to(dtype);
  return *this;
}

Module& Module::to(Device device) {
  EMBER_CHECK(device.is_cpu(), type_name_, ".to: device ", device.str(), " is not available in this build");
  return *this;
}

StateDict Module::state_dict() const {
  StateDict r;
  collect_state("", r, true, true, true);
  // PyTorch's keep_vars=False: detached tensors sharing the parameters' storage
  for (auto& [n, t] : r) t = t.detach();
  return r;
}

LoadResult Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  StateDict own = state_dict();
  LoadResult res;
  std::set<std::string> own_keys;
  for (auto& [k, t] : own) {
    own_keys.insert(k);
    auto it = state.find(k);
    if (it == state.end()) {
      res.missing_keys.push_back(k);
      continue;
    }
    if (!it->second.defined() || it->second.sizes() != t.sizes())
      res.shape_mismatches.push_back(k + ": checkpoint " +
                                     (it->second.defined() ? shape_str(it->second.sizes()) : std::string("undefined")) +
                                     " vs model " + shape_str(t.sizes()));
  }
  for (auto& [k, t] : state)
    if (!own_keys.count(k)) res.unexpected_keys.push_back(k);
  if (strict && !res.ok()) {
    std::ostringstream os;
    os << "Error(s) in loading state_dict for " << type_name_ << ":";
    auto list = [&](const char* what, const std::vector<std::string>& v) {
      if (v.empty()) return;
      os << "\n\t" << what << ": ";
      for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << '"' << v[i] << '"';
      os << ".";
    };
    list("Missing key(s) in state_dict", res.missing_keys);
    list("Unexpected key(s) in state_dict", res.unexpected_keys);
    for (auto& m : res.shape_mismatches) os << "\n\tsize mismatch for " << m << ".";
    EMBER_THROW(os.str());
  }
  NoGradGuard guard;
  for (auto& [k, t] : own) {
    auto it = state.find(k);
    if (it == state.end() || !it->second.defined() || it->second.sizes() != t.sizes()) continue;
    Tensor dst = t;
    dst.copy_(it->second);
  }
  return res;
}

LoadResult Module::load_state_dict(const StateDict& state, bool strict) {
  std::map<std::string, Tensor> m;
  for (auto& [k, t] : state) {
    EMBER_CHECK(!m.count(k), "load_state_dict: key '", k, "' appears twice");
    m.emplace(k, t);
  }
  return load_state_dict(m, strict);
}

std::string Module::repr() const {
  std::string extra = extra_repr();
  if (children_.empty()) return type_name_ + "(" + extra + ")";
  std::ostringstream os;
  os << type_name_ << "(";
  if (!extra.empty()) os << "\n  " << extra;
  for (auto& [n, c] : children_) {
    std::string child = c->repr();
    // indent nested lines by two spaces, as PyTorch's _addindent
    std::string indented;
    for (char ch : child) {
      indented += ch;
      if (ch == '\n') indented += "  ";
    }
    os << "\n  (" << n << "): " << indented;
  }
  os << "\n)";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.repr(); }

}  // namespace ember::nn

#pragma once
// nn::Module: a plain class holding parameters, buffers and child modules by name.
// state_dict keys are PyTorch's ("0.weight", "fc1.bias", "bn1.running_mean"), so weights move
// between ember and PyTorch unchanged.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::nn {

using StateDict = std::vector<std::pair<std::string, Tensor>>;  // ordered like PyTorch's OrderedDict

// What a non-strict load_state_dict found.
struct LoadResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
  std::vector<std::string> shape_mismatches;  // "key: checkpoint (a,b) vs model (c,d)"
  bool ok() const { return missing_keys.empty() && unexpected_keys.empty() && shape_mismatches.empty(); }
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The single-tensor forward used by Sequential and operator(). Modules with other
  // signatures define their own forward(...) and leave this one throwing.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  // ---- registration ------------------------------------------------------------------
  Tensor& register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor& register_buffer(const std::string& name, Tensor t, bool persistent = true);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    register_module_impl(name, m);
    return m;
  }
  // Replace a registered child (e.g. freezing a backbone by swapping a head).
  void replace_module(const std::string& name, std::shared_ptr<Module> m);

  // ---- traversal ---------------------------------------------------------------------
  std::vector<Tensor> parameters(bool recurse = true) const;
  StateDict named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  StateDict named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // This module first, then every descendant (depth first), like PyTorch.
  std::vector<std::shared_ptr<Module>> modules();
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules(const std::string& prefix = "");
  // Number of parameter elements (only_trainable: those with requires_grad).
  int64_t parameter_count(bool only_trainable = false) const;

  // ---- modes and state ---------------------------------------------------------------
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // set_to_none=true (PyTorch 2 default) drops the grads; false zeroes them in place.
  void zero_grad(bool set_to_none = true);
  // Calls fn on every module (children first, then this), like PyTorch's apply.
  Module& apply(const std::function<void(Module&)>& fn);
  // Freeze (false) or unfreeze every parameter.
  Module& requires_grad_(bool requires_grad = true);
  // Converts floating parameters and buffers in place (handles stay valid).
  virtual Module& to(DType dtype);
  virtual Module& to(Device device);

  // ---- state_dict ----------------------------------------------------------------------
  // Every persistent parameter and buffer by PyTorch key, as detached tensors sharing their storage
  // (PyTorch's keep_vars=False): no requires_grad, no history; use clone() for a snapshot.
  StateDict state_dict() const;
  // strict: any missing/unexpected key or shape mismatch throws one ember::Error listing them
  // all, and nothing is modified. Non-strict: loads what matches and returns the rest.
  LoadResult load_state_dict(const StateDict& state, bool strict = true);
  LoadResult load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  // ---- printing ------------------------------------------------------------------------
  const std::string& type_name() const { return type_name_; }
  // The part inside the parentheses, e.g. "in_features=784, out_features=128, bias=True".
  virtual std::string extra_repr() const { return ""; }
  // PyTorch's module tree: "Sequential(\n  (0): Linear(...)\n  (1): ReLU()\n)".
  std::string repr() const;

 protected:
  void register_module_impl(const std::string& name, std::shared_ptr<Module> m);
  bool training_ = true;

 private:
  void collect_state(const std::string& prefix, StateDict& out, bool params, bool buffers, bool persistent_only) const;
  std::string type_name_;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::string> non_persistent_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace ember::nn

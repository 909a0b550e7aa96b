#pragma once
// Optimizer: the base of SGD, Adam, AdamW, RMSprop and Adagrad, shaped like torch.optim.Optimizer.
// Parameters live in groups; each group carries its own options (lr, momentum, ...) on top of
// the optimizer's defaults, so per-layer learning rates read as in PyTorch:
//
//   optim::SGD opt({{model->fc1->parameters(), {{"lr", 1e-2}}},   // this group: lr 1e-2
//                   {model->fc2->parameters()}},                     // this one: the defaults
//                  {.lr = 1e-3, .momentum = 0.9});
//   opt.zero_grad();  loss.backward();  opt.step();
//
// Per-parameter state (momentum buffers, Adam moments, "step") is kept by the optimizer and
// saved by state_dict() with PyTorch's structure: {"state": {index -> {name -> tensor}},
// "param_groups": [{options..., "params": [indices]}]}, indices counting parameters across groups.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ember/optim/options.h"
#include "ember/tensor/tensor.h"

namespace ember::optim {

// A group of parameters and the options that override the optimizer's defaults for them.
struct ParamGroup {
  std::vector<Tensor> params;
  Options options;
  ParamGroup() = default;
  ParamGroup(std::vector<Tensor> params, Options options = {})
      : params(std::move(params)), options(std::move(options)) {}
  double lr() const { return options.get("lr"); }
  void set_lr(double lr) { options.set("lr", lr); }
};

// One parameter's state: "momentum_buffer", "exp_avg", "exp_avg_sq", "step" (a 0-dim float32
// tensor, as in torch 1.13), ...
using ParamState = std::map<std::string, Tensor>;

// PyTorch's optimizer.state_dict(). Tensors are copies (a snapshot): stepping the optimizer
// afterwards does not change a state dict already taken.
struct OptimizerStateDict {
  struct Group {
    Options options;              // every option of the group, lr included
    std::vector<int64_t> params;  // parameter indices
  };
  std::map<int64_t, ParamState> state;
  std::vector<Group> param_groups;

  // For checkpoints: the tensors as "state.<index>.<name>" and the groups as the JSON text
  // [{"lr": 0.1, ..., "params": [0, 1]}, ...]; from_flat reverses both.
  std::vector<std::pair<std::string, Tensor>> flat_tensors() const;
  std::string param_groups_json() const;
  static OptimizerStateDict from_flat(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                      const std::string& param_groups_json);
};

class Optimizer {
 public:
  using Closure = std::function<Tensor()>;  // re-evaluates the model and returns the loss

  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (parameters whose grad is undefined are
  // skipped). With a closure, it is called first (with grad mode on) and its loss returned.
  Tensor step(const Closure& closure = nullptr);
  // set_to_none=true drops the gradients; false zeroes them in place.
  void zero_grad(bool set_to_none = true);
  // Adds a group; options it leaves out come from the defaults. Throws ember::Error for an
  // unknown option name, an invalid value, an empty list, a non-leaf or non-floating tensor, or
  // a parameter that is already optimized (in this group or another).
  void add_param_group(ParamGroup group);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  const std::string& name() const { return name_; }
  // Number of step() calls so far.
  int64_t step_count() const { return step_count_; }

  // The state of one parameter (empty until its first step).
  const ParamState& state(const Tensor& param) const;
  ParamState& state(const Tensor& param);

  OptimizerStateDict state_dict() const;
  // Replaces the groups' options and the state. Throws ember::Error, changing nothing, when the
  // group count, a group's parameter count, an option's kind or value, or a state tensor's shape
  // or dtype does not match.
  void load_state_dict(const OptimizerStateDict& state_dict);
  // The checks of load_state_dict alone (changes nothing): lets a checkpoint validate every part
  // before it assigns any.
  void check_state_dict(const OptimizerStateDict& state_dict) const;

 protected:
  Optimizer(std::string name, Options defaults);
  // The update rule for one group, called with grad mode off.
  virtual void update(ParamGroup& group) = 0;
  // Throws ember::Error for invalid option values (negative lr, beta >= 1, ...).
  virtual void check_options(const Options& options) const {}

 private:
  struct LoadPlan {
    std::vector<Options> options;                                  // per group
    std::unordered_map<const TensorImpl*, ParamState> state;      // copies in the parameters' dtypes
  };
  // Validates `sd`; with materialize, also makes the new options and state (copies).
  LoadPlan plan_load(const OptimizerStateDict& sd, bool materialize) const;

  std::string name_;
  Options defaults_;
  std::vector<ParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
  int64_t step_count_ = 0;
};

}  // namespace ember::optim

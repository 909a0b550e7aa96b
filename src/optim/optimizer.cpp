// Optimizer base: parameter groups, zero_grad, step with closure, state_dict / load_state_dict.
#include "ember/optim/optimizer.h"

#include <set>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"
#include "optim/json_lite.h"

namespace ember::optim {

Optimizer::Optimizer(std::string name, Options defaults) : name_(std::move(name)), defaults_(std::move(defaults)) {}

Tensor Optimizer::step(const Closure& closure) {
  Tensor loss;
  if (closure) {
    EnableGradGuard g;
    loss = closure();
  }
  {
    NoGradGuard g;
    for (auto& group : groups_) update(group);
  }
  ++step_count_;
  return loss;
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard g;
  for (auto& group : groups_) {
    for (auto& p : group.params) {
      if (!p.grad().defined()) continue;
      if (set_to_none) {
        p.set_grad(Tensor());
      } else {
        Tensor& grad = p.mutable_grad();
        if (grad.grad_fn()) grad.detach_();
        else if (grad.requires_grad()) grad.requires_grad_(false);
        grad.zero_();
      }
    }
  }
}

namespace {

const char* kind_word(const OptionValue& v) {
  return v.is_number() ? "a number" : v.is_bool() ? "a bool" : v.is_list() ? "a list" : "a string";
}

std::string names_of(const Options& o) {
  std::string s;
  for (auto& [k, v] : o) s += (s.empty() ? "" : ", ") + k;
  return s;
}

}  // namespace

void Optimizer::add_param_group(ParamGroup group) {
  const std::string where = name_ + ".add_param_group";
  EMBER_CHECK(!group.params.empty(), where, ": got an empty parameter list");
  std::set<const TensorImpl*> seen;
  for (auto& g : groups_)
    for (auto& p : g.params) seen.insert(p.impl());
  for (size_t k = 0; k < group.params.size(); ++k) {
    const Tensor& p = group.params[k];
    EMBER_CHECK(p.defined(), where, ": parameter ", k, " is an undefined tensor");
    EMBER_CHECK(p.is_leaf(), where, ": can't optimize a non-leaf tensor (parameter ", k, ", shape ",
                shape_str(p.sizes()), ", grad_fn ", p.grad_fn() ? p.grad_fn()->name() : "?", ")");
    EMBER_CHECK(p.dtype() == kFloat32 || p.dtype() == kFloat64, where, ": parameter ", k, " of shape ",
                shape_str(p.sizes()), " has dtype ", dtype_name(p.dtype()), "; only float32 and float64 are supported");
    EMBER_CHECK(p.device().is_cpu(), where, ": parameter ", k, " is on ", p.device().str(),
                "; only CPU parameters are supported");
    EMBER_CHECK(seen.insert(p.impl()).second, where, ": parameter ", k, " of shape ", shape_str(p.sizes()),
                " appears more than once (in this group or in another); each parameter may be in only one group");
  }
  for (auto& [key, value] : group.options) {
    EMBER_CHECK(defaults_.has(key), where, ": unknown option '", key, "' for ", name_, " (options: ",
                names_of(defaults_), ")");
    const OptionValue& d = defaults_.at(key);
    EMBER_CHECK(d.kind() == value.kind(), where, ": option '", key, "' must be ", kind_word(d), ", got ",
                value.to_json());
  }
  for (auto& [key, value] : defaults_)
    if (!group.options.has(key)) group.options.set(key, value);
  check_options(group.options);
  groups_.push_back(std::move(group));
}

const ParamState& Optimizer::state(const Tensor& param) const {
  static const ParamState empty;
  auto it = state_.find(param.impl());
  return it == state_.end() ? empty : it->second;
}

ParamState& Optimizer::state(const Tensor& param) { return state_[param.impl()]; }

// ---- state_dict ------------------------------------------------------------------------------

OptimizerStateDict Optimizer::state_dict() const {
  OptimizerStateDict sd;
  std::unordered_map<const TensorImpl*, int64_t> index;
  int64_t next = 0;
  for (auto& g : groups_) {
    OptimizerStateDict::Group sg;
    sg.options = g.options;
    for (auto& p : g.params) {
      index.emplace(p.impl(), next);
      sg.params.push_back(next++);
    }
    sd.param_groups.push_back(std::move(sg));
  }
  for (auto& g : groups_) {
    for (auto& p : g.params) {
      auto it = state_.find(p.impl());
      if (it == state_.end() || it->second.empty()) continue;
      ParamState copy;
      for (auto& [k, t] : it->second) copy[k] = t.defined() ? t.detach().clone() : Tensor();
      sd.state[index.at(p.impl())] = std::move(copy);
    }
  }
  return sd;
}

void Optimizer::load_state_dict(const OptimizerStateDict& sd) {
  LoadPlan plan = plan_load(sd, /*materialize=*/true);
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = std::move(plan.options[g]);
  state_ = std::move(plan.state);
}

void Optimizer::check_state_dict(const OptimizerStateDict& sd) const { plan_load(sd, /*materialize=*/false); }

Optimizer::LoadPlan Optimizer::plan_load(const OptimizerStateDict& sd, bool materialize) const {
  const std::string where = name_ + ".load_state_dict";
  LoadPlan plan;
  EMBER_CHECK(sd.param_groups.size() == groups_.size(), where, ": the state dict has ", sd.param_groups.size(),
              " parameter groups but the optimizer has ", groups_.size());
  std::map<int64_t, Tensor> by_index;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const auto& saved = sd.param_groups[g];
    EMBER_CHECK(saved.params.size() == groups_[g].params.size(), where, ": parameter group ", g, " has ",
                saved.params.size(), " parameters in the state dict but ", groups_[g].params.size(),
                " in the optimizer");
    for (size_t k = 0; k < saved.params.size(); ++k) {
      EMBER_CHECK(by_index.emplace(saved.params[k], groups_[g].params[k]).second, where, ": parameter index ",
                  saved.params[k], " appears twice in param_groups");
    }
  }
  // Options: the saved ones, with keys an older checkpoint lacks taken from the current group.
  for (size_t g = 0; g < groups_.size(); ++g) {
    Options o = sd.param_groups[g].options;
    for (auto& [key, value] : groups_[g].options)
      if (!o.has(key)) o.set(key, value);
    for (auto& [key, value] : defaults_) {
      const OptionValue& v = o.at(key);
      EMBER_CHECK(v.kind() == value.kind(), where, ": group ", g, " option '", key, "' must be ", kind_word(value),
                  ", got ", v.to_json());
    }
    check_options(o);
    plan.options.push_back(std::move(o));
  }
  // State: copied, converted to the parameter's dtype (all but "step"), shapes checked.
  for (auto& [idx, st] : sd.state) {
    auto it = by_index.find(idx);
    EMBER_CHECK(it != by_index.end(), where, ": the state dict has state for parameter index ", idx,
                ", which no parameter group lists");
    const Tensor& p = it->second;
    ParamState copy;
    for (auto& [name, t] : st) {
      if (!t.defined()) continue;
      EMBER_CHECK(t.dtype() == kFloat32 || t.dtype() == kFloat64, where, ": state '", name, "' of parameter ", idx,
                  " has dtype ", dtype_name(t.dtype()), ", expected float32 or float64");
      if (name == "step") {
        EMBER_CHECK(t.numel() == 1, where, ": state 'step' of parameter ", idx, " has shape ", shape_str(t.sizes()),
                    ", expected one element");
        if (materialize) copy[name] = t.detach().to(kFloat32, /*copy=*/true).reshape({});
        continue;
      }
      EMBER_CHECK(t.sizes() == p.sizes(), where, ": state '", name, "' of parameter ", idx, " has shape ",
                  shape_str(t.sizes()), " but the parameter has shape ", shape_str(p.sizes()));
      if (materialize) copy[name] = t.detach().to(p.dtype(), /*copy=*/true).contiguous();
    }
    if (materialize) plan.state[p.impl()] = std::move(copy);
  }
  return plan;
}

// ---- flat form for checkpoints -----------------------------------------------------------------

std::vector<std::pair<std::string, Tensor>> OptimizerStateDict::flat_tensors() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [idx, st] : state)
    for (auto& [name, t] : st)
      if (t.defined()) out.emplace_back("state." + std::to_string(idx) + "." + name, t);
  return out;
}

std::string OptimizerStateDict::param_groups_json() const {
  std::string out = "[";
  for (size_t g = 0; g < param_groups.size(); ++g) {
    out += g ? ", {" : "{";
    for (auto& [k, v] : param_groups[g].options) out += json::quote(k) + ": " + v.to_json() + ", ";
    out += "\"params\": [";
    for (size_t k = 0; k < param_groups[g].params.size(); ++k)
      out += (k ? ", " : "") + std::to_string(param_groups[g].params[k]);
    out += "]}";
  }
  return out + "]";
}

OptimizerStateDict OptimizerStateDict::from_flat(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                                 const std::string& groups_json) {
  const char* where = "OptimizerStateDict::from_flat";
  OptimizerStateDict sd;
  json::Value root = json::parse(groups_json);
  EMBER_CHECK(root.kind == json::Value::Kind::Array, where, ": param_groups must be a JSON array");
  for (auto& g : root.items) {
    Group group;
    group.options = json::to_options(g, where, "params");
    bool found = false;
    for (auto& [k, v] : g.members) {
      if (k != "params") continue;
      found = true;
      EMBER_CHECK(v.kind == json::Value::Kind::Array, where, ": 'params' must be an array of indices");
      for (auto& x : v.items) {
        // (range first: casting a double past int64 to int64 is undefined)
        EMBER_CHECK(x.kind == json::Value::Kind::Number && x.number >= 0 && x.number < 0x1p63 &&
                        x.number == static_cast<double>(static_cast<int64_t>(x.number)),
                    where, ": 'params' must hold non-negative integers");
        group.params.push_back(static_cast<int64_t>(x.number));
      }
    }
    EMBER_CHECK(found, where, ": a parameter group has no 'params'");
    sd.param_groups.push_back(std::move(group));
  }
  for (auto& [key, t] : tensors) {
    EMBER_CHECK(key.rfind("state.", 0) == 0, where, ": tensor key '", key, "' does not start with 'state.'");
    size_t dot = key.find('.', 6);
    EMBER_CHECK(dot != std::string::npos && dot > 6 && dot + 1 < key.size(), where, ": tensor key '", key,
                "' is not state.<index>.<name>");
    std::string idx_str = key.substr(6, dot - 6);
    // (at most 18 digits: std::stoll throws std::out_of_range past int64)
    EMBER_CHECK(idx_str.find_first_not_of("0123456789") == std::string::npos && idx_str.size() <= 18, where,
                ": tensor key '", key, "' has a non-numeric or too large index");
    sd.state[std::stoll(idx_str)][key.substr(dot + 1)] = t;
  }
  return sd;
}

}  // namespace ember::optim

// make_optimizer and TrainScheduler: params.json's optimizer and lr_scheduler.
#include "ember/train/optimizer_factory.h"

#include <algorithm>
#include <set>

#include "ember/core/error.h"
#include "ember/optim/adagrad.h"
#include "ember/optim/adam.h"
#include "ember/optim/rmsprop.h"
#include "ember/optim/sgd.h"

namespace ember::train {

namespace {

std::string where(const Params& p, const std::string& key) {
  return (p.source().empty() ? std::string("params") : p.source()) + ": " + key;
}

// Checks that `options` only holds `allowed` names.
void check_names(const Params& p, const std::string& key, const optim::Options& options,
                 const std::vector<std::string>& allowed) {
  for (const auto& [name, value] : options) {
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    std::string list;
    for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
    EMBER_THROW(where(p, key), ": unknown option '", name, "' for ", p.get_string("lr_scheduler"),
                " (options: ", list.empty() ? "none" : list, ")");
  }
}

}  // namespace

std::unique_ptr<optim::Optimizer> make_optimizer(const Params& params, std::vector<Tensor> parameters) {
  optim::Options options = params.get_object("optimizer_options");
  EMBER_CHECK(!options.has("lr") && !options.has("weight_decay"), where(params, "optimizer_options"),
              ": give lr and weight_decay as the top-level keys learning_rate and weight_decay");
  options.set("lr", params.learning_rate());
  if (params.is_set("weight_decay")) options.set("weight_decay", params.get_float("weight_decay"));
  const std::string& name = params.get_string("optimizer");
  std::vector<optim::ParamGroup> groups{optim::ParamGroup(std::move(parameters), options)};
  try {
    if (name == "SGD") return std::make_unique<optim::SGD>(std::move(groups));
    if (name == "Adam") return std::make_unique<optim::Adam>(std::move(groups));
    if (name == "AdamW") return std::make_unique<optim::AdamW>(std::move(groups));
    if (name == "RMSprop") return std::make_unique<optim::RMSprop>(std::move(groups));
    if (name == "Adagrad") return std::make_unique<optim::Adagrad>(std::move(groups));
  } catch (const Error& e) {
    EMBER_THROW(where(params, "optimizer_options"), ": ", e.what());
  }
  EMBER_THROW(where(params, "optimizer"), ": unknown optimizer '", name, "'");
}

TrainScheduler::TrainScheduler(const Params& params, optim::Optimizer& optimizer, int64_t steps_per_epoch,
                               bool higher_is_better) {
  const std::string& name = params.get_string("lr_scheduler");
  const optim::Options& o = params.get_object("lr_scheduler_options");
  const std::string key = "lr_scheduler_options";
  auto need = [&](const char* option) {
    EMBER_CHECK(o.has(option), where(params, key), ": ", name, " needs option '", option, "'");
  };
  try {
    if (name == "none") {
      check_names(params, key, o, {});
    } else if (name == "StepLR") {
      check_names(params, key, o, {"step_size", "gamma"});
      need("step_size");
      scheduler_ = std::make_unique<optim::StepLR>(optimizer, o.get_int("step_size"), o.get_or("gamma", 0.1));
    } else if (name == "MultiStepLR") {
      check_names(params, key, o, {"milestones", "gamma"});
      need("milestones");
      std::vector<int64_t> milestones;
      for (double m : o.get_list("milestones")) milestones.push_back(static_cast<int64_t>(m));
      scheduler_ = std::make_unique<optim::MultiStepLR>(optimizer, milestones, o.get_or("gamma", 0.1));
    } else if (name == "ExponentialLR") {
      check_names(params, key, o, {"gamma"});
      need("gamma");
      scheduler_ = std::make_unique<optim::ExponentialLR>(optimizer, o.get("gamma"));
    } else if (name == "CosineAnnealingLR") {
      check_names(params, key, o, {"T_max", "eta_min"});
      const int64_t t_max = o.has("T_max") ? o.get_int("T_max") : params.num_epochs();
      scheduler_ = std::make_unique<optim::CosineAnnealingLR>(optimizer, t_max, o.get_or("eta_min", 0.0));
    } else if (name == "LinearLR") {
      check_names(params, key, o, {"start_factor", "end_factor", "total_iters"});
      scheduler_ = std::make_unique<optim::LinearLR>(optimizer, o.get_or("start_factor", 1.0 / 3),
                                                     o.get_or("end_factor", 1.0),
                                                     o.has("total_iters") ? o.get_int("total_iters") : 5);
    } else if (name == "OneCycleLR") {
      check_names(params, key, o, {"max_lr", "total_steps", "pct_start", "anneal_strategy", "cycle_momentum",
                                   "base_momentum", "max_momentum", "div_factor", "final_div_factor", "three_phase"});
      optim::OneCycleOptions oc;
      oc.total_steps = o.has("total_steps") ? o.get_int("total_steps") : params.num_epochs() * steps_per_epoch;
      oc.pct_start = o.get_or("pct_start", oc.pct_start);
      if (o.has("anneal_strategy")) oc.anneal_strategy = o.get_string("anneal_strategy");
      if (o.has("cycle_momentum")) oc.cycle_momentum = o.get_bool("cycle_momentum");
      oc.base_momentum = o.get_or("base_momentum", oc.base_momentum);
      oc.max_momentum = o.get_or("max_momentum", oc.max_momentum);
      oc.div_factor = o.get_or("div_factor", oc.div_factor);
      oc.final_div_factor = o.get_or("final_div_factor", oc.final_div_factor);
      if (o.has("three_phase")) oc.three_phase = o.get_bool("three_phase");
      scheduler_ = std::make_unique<optim::OneCycleLR>(optimizer, o.get_or("max_lr", params.learning_rate()), oc);
      per_batch_ = true;
    } else if (name == "ReduceLROnPlateau") {
      check_names(params, key, o, {"mode", "factor", "patience", "threshold", "threshold_mode", "cooldown",
                                   "min_lr", "eps"});
      optim::ReduceLROnPlateauOptions rp;
      rp.mode = o.has("mode") ? o.get_string("mode") : (higher_is_better ? "max" : "min");
      rp.factor = o.get_or("factor", rp.factor);
      if (o.has("patience")) rp.patience = o.get_int("patience");
      rp.threshold = o.get_or("threshold", rp.threshold);
      if (o.has("threshold_mode")) rp.threshold_mode = o.get_string("threshold_mode");
      if (o.has("cooldown")) rp.cooldown = o.get_int("cooldown");
      if (o.has("min_lr")) rp.min_lr = o.at("min_lr").is_list() ? o.get_list("min_lr") : std::vector<double>{o.get("min_lr")};
      rp.eps = o.get_or("eps", rp.eps);
      scheduler_ = std::make_unique<optim::ReduceLROnPlateau>(optimizer, rp);
    } else {
      EMBER_THROW("unknown scheduler '", name, "'");
    }
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(where(params, ""), 0) == 0) throw;  // already names the file
    EMBER_THROW(where(params, key), ": ", msg);
  }
}

std::string TrainScheduler::name() const { return scheduler_ ? scheduler_->name() : "none"; }

void TrainScheduler::after_batch() {
  if (per_batch_) static_cast<optim::LRScheduler&>(*scheduler_).step();
}

void TrainScheduler::after_epoch(double val_metric) {
  if (!scheduler_ || per_batch_) return;
  if (auto* plateau = dynamic_cast<optim::ReduceLROnPlateau*>(scheduler_.get())) plateau->step(val_metric);
  else static_cast<optim::LRScheduler&>(*scheduler_).step();
}

optim::Options TrainScheduler::state_dict() const { return scheduler_ ? scheduler_->state_dict() : optim::Options{}; }

void TrainScheduler::load_state_dict(const optim::Options& state) {
  if (scheduler_) scheduler_->load_state_dict(state);
}

}  // namespace ember::train

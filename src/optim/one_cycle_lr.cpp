// OneCycleLR: torch.optim.lr_scheduler.OneCycleLR (torch 1.13). The phase boundaries, the
// annealing formulas and the group keys it keeps ("initial_lr", "max_lr", "min_lr",
// "max_momentum", "base_momentum") are PyTorch's, so a schedule and its saved optimizer agree.
#include <cmath>

#include "ember/optim/lr_scheduler.h"

namespace ember::optim {

namespace {

constexpr double kPi = 3.141592653589793;  // math.pi

int64_t resolve_total_steps(const OneCycleOptions& o) {
  if (o.total_steps) {
    EMBER_CHECK(*o.total_steps > 0, "OneCycleLR: expected a positive integer total_steps, but got ", *o.total_steps);
    return *o.total_steps;
  }
  EMBER_CHECK(o.epochs && o.steps_per_epoch, "OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)");
  EMBER_CHECK(*o.epochs > 0, "OneCycleLR: expected a positive integer epochs, but got ", *o.epochs);
  EMBER_CHECK(*o.steps_per_epoch > 0, "OneCycleLR: expected a positive integer steps_per_epoch, but got ",
              *o.steps_per_epoch);
  return *o.epochs * *o.steps_per_epoch;
}

void check_one_cycle(const OneCycleOptions& o, const char* where) {
  EMBER_CHECK(o.pct_start >= 0 && o.pct_start <= 1, where, ": expected a pct_start between 0 and 1, but got ", o.pct_start);
  EMBER_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear", where,
              ": anneal_strategy must be one of 'cos' or 'linear', instead got '", o.anneal_strategy, "'");
}

std::vector<double> per_group(const std::vector<double>& v, size_t groups, const char* name) {
  EMBER_CHECK(v.size() == 1 || v.size() == groups, "OneCycleLR: expected ", groups, " values for ", name, ", got ",
              v.size());
  return v.size() == 1 ? std::vector<double>(groups, v[0]) : v;
}

}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, OneCycleOptions options, int64_t last_epoch)
    : OneCycleLR(optimizer, std::vector<double>{max_lr}, std::move(options), last_epoch) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, OneCycleOptions options, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), total_steps_(resolve_total_steps(options)), opts_(std::move(options)) {
  check_one_cycle(opts_, "OneCycleLR");
  build_phases();
  auto& groups = optimizer.param_groups();
  max_lrs = per_group(max_lrs, groups.size(), "max_lr");
  if (last_epoch == -1) {
    for (size_t i = 0; i < groups.size(); ++i) {
      Options& g = groups[i].options;
      g.set("initial_lr", max_lrs[i] / opts_.div_factor);
      g.set("max_lr", max_lrs[i]);
      g.set("min_lr", g.get("initial_lr") / opts_.final_div_factor);
      base_lrs_[i] = g.get("initial_lr");
    }
  }
  if (opts_.cycle_momentum) {
    const Options& d = optimizer.defaults();
    EMBER_CHECK(d.has("momentum") || d.has("betas"), "OneCycleLR: optimizer ", optimizer.name(),
                " must support momentum (a 'momentum' or 'betas' option) with cycle_momentum enabled");
    use_beta1_ = d.has("betas");
    if (last_epoch == -1) {
      for (auto& group : groups) {
        Options& g = group.options;
        if (use_beta1_) {
          std::vector<double> betas = g.get_list("betas");
          betas[0] = opts_.max_momentum;
          g.set("betas", betas);
        } else {
          g.set("momentum", opts_.max_momentum);
        }
        g.set("max_momentum", opts_.max_momentum);
        g.set("base_momentum", opts_.base_momentum);
      }
    }
  }
  initial_step();
}

void OneCycleLR::build_phases() {
  const double T = static_cast<double>(total_steps_), pct = opts_.pct_start;
  if (opts_.three_phase) {
    phases_ = {{pct * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {2 * pct * T - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"},
               {T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"}};
  } else {
    phases_ = {{pct * T - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"},
               {T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"}};
  }
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (opts_.anneal_strategy == "cos") {
    const double cos_out = std::cos(kPi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  const int64_t step_num = last_epoch_;
  EMBER_CHECK(step_num <= total_steps_, "OneCycleLR: tried to step ", step_num + 1,
              " times. The specified number of total steps is ", total_steps_);
  std::vector<double> lrs;
  for (auto& group : optimizer_->param_groups()) {
    Options& g = group.options;
    double start_step = 0, lr = 0, momentum = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (static_cast<double>(step_num) <= ph.end_step || i + 1 == phases_.size()) {
        const double pct = (static_cast<double>(step_num) - start_step) / (ph.end_step - start_step);
        lr = anneal(g.get(ph.start_lr), g.get(ph.end_lr), pct);
        if (opts_.cycle_momentum) momentum = anneal(g.get(ph.start_momentum), g.get(ph.end_momentum), pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (opts_.cycle_momentum) {
      if (use_beta1_) {
        std::vector<double> betas = g.get_list("betas");
        betas[0] = momentum;
        g.set("betas", betas);
      } else {
        g.set("momentum", momentum);
      }
    }
  }
  return lrs;
}

Options OneCycleLR::state_dict() const {
  Options s = LRScheduler::state_dict();
  s.set("total_steps", total_steps_).set("pct_start", opts_.pct_start).set("anneal_strategy", opts_.anneal_strategy);
  s.set("cycle_momentum", opts_.cycle_momentum).set("use_beta1", use_beta1_).set("three_phase", opts_.three_phase);
  return s;
}

void OneCycleLR::load_state_dict(const Options& s) {
  OneCycleOptions o = opts_;
  int64_t total = s.has("total_steps") ? s.get_int("total_steps") : total_steps_;
  EMBER_CHECK(total > 0, "OneCycleLR.load_state_dict: total_steps must be positive, got ", total);
  if (s.has("pct_start")) o.pct_start = s.get("pct_start");
  if (s.has("anneal_strategy")) o.anneal_strategy = s.get_string("anneal_strategy");
  if (s.has("cycle_momentum")) o.cycle_momentum = s.get_bool("cycle_momentum");
  if (s.has("three_phase")) o.three_phase = s.get_bool("three_phase");
  bool use_beta1 = s.has("use_beta1") ? s.get_bool("use_beta1") : use_beta1_;
  check_one_cycle(o, "OneCycleLR.load_state_dict");
  LRScheduler::load_state_dict(s);
  opts_ = std::move(o);
  total_steps_ = total;
  use_beta1_ = use_beta1;
  build_phases();
}

}  // namespace ember::optim

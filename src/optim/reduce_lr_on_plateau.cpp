// ReduceLROnPlateau: torch.optim.lr_scheduler.ReduceLROnPlateau (torch 1.13), same comparisons in
// the same order, so the epochs at which the lr drops are PyTorch's.
#include "ember/optim/lr_scheduler.h"

#include <cmath>
#include <limits>

namespace ember::optim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<double> expand_min_lrs(const std::vector<double>& min_lr, size_t groups, const char* where) {
  EMBER_CHECK(min_lr.size() == 1 || min_lr.size() == groups, where, ": expected ", groups,
              " min_lrs (one per parameter group) or a single one, got ", min_lr.size());
  return min_lr.size() == 1 ? std::vector<double>(groups, min_lr[0]) : min_lr;
}

void check_plateau_settings(const ReduceLROnPlateauOptions& o, const char* where) {
  EMBER_CHECK(o.factor < 1.0, where, ": factor should be < 1.0, got ", o.factor);
  EMBER_CHECK(o.mode == "min" || o.mode == "max", where, ": mode ", o.mode, " is unknown (expected \"min\" or \"max\")");
  EMBER_CHECK(o.threshold_mode == "rel" || o.threshold_mode == "abs", where, ": threshold mode ", o.threshold_mode,
              " is unknown (expected \"rel\" or \"abs\")");
  EMBER_CHECK(o.patience >= 0, where, ": patience must be non-negative, got ", o.patience);
  EMBER_CHECK(o.cooldown >= 0, where, ": cooldown must be non-negative, got ", o.cooldown);
}

}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options)
    : optimizer_(&optimizer), opts_(std::move(options)) {
  check_plateau_settings(opts_, "ReduceLROnPlateau");
  min_lrs_ = expand_min_lrs(opts_.min_lr, optimizer.param_groups().size(), "ReduceLROnPlateau");
  best_ = opts_.mode == "min" ? kInf : -kInf;  // _reset: best = mode_worse
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  if (opts_.mode == "min" && opts_.threshold_mode == "rel") return a < best * (1. - opts_.threshold);
  if (opts_.mode == "min") return a < best - opts_.threshold;
  if (opts_.threshold_mode == "rel") return a > best * (opts_.threshold + 1.);
  return a > best + opts_.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (in_cooldown()) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  auto& groups = optimizer_->param_groups();
  EMBER_CHECK(groups.size() == min_lrs_.size(), "ReduceLROnPlateau.step: the optimizer has ", groups.size(),
              " parameter groups but the scheduler was made for ", min_lrs_.size());
  if (num_bad_epochs_ > opts_.patience) {
    for (size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].lr();
      const double new_lr = std::max(old_lr * opts_.factor, min_lrs_[i]);
      if (old_lr - new_lr > opts_.eps) groups[i].set_lr(new_lr);
    }
    cooldown_counter_ = opts_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (auto& g : groups) last_lr_.push_back(g.lr());
}

Options ReduceLROnPlateau::state_dict() const {
  Options s;
  s.set("mode", opts_.mode).set("factor", opts_.factor).set("patience", opts_.patience);
  s.set("threshold", opts_.threshold).set("threshold_mode", opts_.threshold_mode);
  s.set("cooldown", opts_.cooldown).set("cooldown_counter", cooldown_counter_);
  s.set("min_lrs", min_lrs_).set("eps", opts_.eps).set("best", best_);
  s.set("num_bad_epochs", num_bad_epochs_).set("last_epoch", last_epoch_);
  s.set("mode_worse", opts_.mode == "min" ? kInf : -kInf);
  if (!last_lr_.empty()) s.set("_last_lr", last_lr_);
  return s;
}

void ReduceLROnPlateau::load_state_dict(const Options& s) {
  const char* where = "ReduceLROnPlateau.load_state_dict";
  ReduceLROnPlateauOptions o = opts_;
  if (s.has("mode")) o.mode = s.get_string("mode");
  if (s.has("factor")) o.factor = s.get("factor");
  if (s.has("patience")) o.patience = s.get_int("patience");
  if (s.has("threshold")) o.threshold = s.get("threshold");
  if (s.has("threshold_mode")) o.threshold_mode = s.get_string("threshold_mode");
  if (s.has("cooldown")) o.cooldown = s.get_int("cooldown");
  if (s.has("eps")) o.eps = s.get("eps");
  check_plateau_settings(o, where);
  std::vector<double> min_lrs = min_lrs_;
  if (s.has("min_lrs")) min_lrs = expand_min_lrs(s.get_list("min_lrs"), optimizer_->param_groups().size(), where);
  const int64_t cooldown_counter = s.get_int("cooldown_counter");
  const int64_t num_bad_epochs = s.get_int("num_bad_epochs");
  const int64_t last_epoch = s.get_int("last_epoch");
  const double best = s.get("best");
  std::vector<double> last_lr = s.has("_last_lr") ? s.get_list("_last_lr") : std::vector<double>{};
  EMBER_CHECK(cooldown_counter >= 0 && num_bad_epochs >= 0, where, ": cooldown_counter (", cooldown_counter,
              ") and num_bad_epochs (", num_bad_epochs, ") must be non-negative");
  opts_ = std::move(o);
  opts_.min_lr = min_lrs;
  min_lrs_ = std::move(min_lrs);
  cooldown_counter_ = cooldown_counter;
  num_bad_epochs_ = num_bad_epochs;
  last_epoch_ = last_epoch;
  best_ = best;
  last_lr_ = std::move(last_lr);
}

}  // namespace ember::optim

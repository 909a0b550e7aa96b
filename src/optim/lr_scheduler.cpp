// LRScheduler base and the epoch-wise schedulers: LambdaLR, StepLR, MultiStepLR, ExponentialLR,
// CosineAnnealingLR, LinearLR. Each get_lr is PyTorch 1.13's chainable form, with the same order
// of floating-point operations, so the sequences agree to the last bit.
#include "ember/optim/lr_scheduler.h"

#include <algorithm>
#include <cmath>

namespace ember::optim {

namespace {

constexpr double kPi = 3.141592653589793;  // math.pi

int64_t floor_div(int64_t a, int64_t b) {  // Python's //
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::vector<double> ints_to_list(const std::vector<int64_t>& v) { return std::vector<double>(v.begin(), v.end()); }

std::vector<int64_t> list_to_ints(const std::vector<double>& v, const char* what) {
  std::vector<int64_t> out;
  for (double x : v) {
    EMBER_CHECK(std::isfinite(x) && x == std::floor(x) && std::abs(x) < 0x1p63, what, " must hold integers, got ",
                x);
    out.push_back(static_cast<int64_t>(x));
  }
  return out;
}

}  // namespace

// ---- base ------------------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer, int64_t last_epoch) : optimizer_(&optimizer), last_epoch_(last_epoch) {
  auto& groups = optimizer.param_groups();
  EMBER_CHECK(!groups.empty(), "LRScheduler: the optimizer has no parameter groups");
  for (size_t i = 0; i < groups.size(); ++i) {
    if (last_epoch == -1) {
      if (!groups[i].options.has("initial_lr")) groups[i].options.set("initial_lr", groups[i].lr());
    } else {
      EMBER_CHECK(groups[i].options.has("initial_lr"), "LRScheduler: param 'initial_lr' is not specified in "
                  "param_groups[", i, "] when resuming an optimizer (last_epoch = ", last_epoch, ")");
    }
    base_lrs_.push_back(groups[i].options.get("initial_lr"));
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  apply_lrs(get_lr());
}

void LRScheduler::step_to(int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  auto closed = closed_form_lr();
  apply_lrs(closed ? *closed : get_lr());
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (auto& g : optimizer_->param_groups()) out.push_back(g.lr());
  return out;
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_->param_groups();
  EMBER_CHECK(lrs.size() <= groups.size(), "LRScheduler: ", lrs.size(), " learning rates for ", groups.size(),
              " parameter groups");
  for (size_t i = 0; i < lrs.size(); ++i) groups[i].set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

Options LRScheduler::state_dict() const {
  Options s;
  s.set("last_epoch", last_epoch_);
  s.set("base_lrs", base_lrs_);
  s.set("_last_lr", last_lr_);
  s.set("_step_count", step_count_);
  return s;
}

void LRScheduler::load_state_dict(const Options& s) {
  const size_t n = optimizer_->param_groups().size();
  int64_t last_epoch = s.get_int("last_epoch");
  std::vector<double> base = s.has("base_lrs") ? s.get_list("base_lrs") : base_lrs_;
  std::vector<double> last = s.has("_last_lr") ? s.get_list("_last_lr") : last_lr_;
  EMBER_CHECK(base.size() == n, name(), ".load_state_dict: base_lrs has ", base.size(), " entries for ", n,
              " parameter groups");
  EMBER_CHECK(last.size() == n, name(), ".load_state_dict: _last_lr has ", last.size(), " entries for ", n,
              " parameter groups");
  const int64_t step_count = s.has("_step_count") ? s.get_int("_step_count") : step_count_;
  last_epoch_ = last_epoch;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
  step_count_ = step_count;
}

// ---- LambdaLR ----------------------------------------------------------------------------------

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda), last_epoch) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), lambdas_(std::move(lr_lambdas)) {
  EMBER_CHECK(lambdas_.size() == optimizer.param_groups().size(), "LambdaLR: expected ",
              optimizer.param_groups().size(), " lr_lambdas, but got ", lambdas_.size());
  for (auto& f : lambdas_) EMBER_CHECK(static_cast<bool>(f), "LambdaLR: an lr_lambda is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> out;
  for (size_t i = 0; i < base_lrs_.size(); ++i) out.push_back(base_lrs_[i] * lambdas_[i](last_epoch_));
  return out;
}

// ---- StepLR ------------------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), step_size_(step_size), gamma_(gamma) {
  EMBER_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  std::vector<double> out = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return out;
  for (auto& lr : out) lr = lr * gamma_;
  return out;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(floor_div(last_epoch_, step_size_))));
  return out;
}

Options StepLR::state_dict() const {
  Options s = LRScheduler::state_dict();
  s.set("step_size", step_size_).set("gamma", gamma_);
  return s;
}

void StepLR::load_state_dict(const Options& s) {
  int64_t step_size = s.has("step_size") ? s.get_int("step_size") : step_size_;
  EMBER_CHECK(step_size > 0, "StepLR.load_state_dict: step_size must be positive, got ", step_size);
  double gamma = s.has("gamma") ? s.get("gamma") : gamma_;
  LRScheduler::load_state_dict(s);
  step_size_ = step_size;
  gamma_ = gamma;
}

// ---- MultiStepLR -------------------------------------------------------------------------------

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  std::vector<double> out = group_lrs();
  auto count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (count == 0) return out;
  for (auto& lr : out) lr = lr * std::pow(gamma_, static_cast<double>(count));
  return out;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() {
  auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(passed)));
  return out;
}

Options MultiStepLR::state_dict() const {
  Options s = LRScheduler::state_dict();
  s.set("milestones", ints_to_list(milestones_)).set("gamma", gamma_);
  return s;
}

void MultiStepLR::load_state_dict(const Options& s) {
  std::vector<int64_t> ms = s.has("milestones") ? list_to_ints(s.get_list("milestones"), "MultiStepLR.load_state_dict: milestones") : milestones_;
  double gamma = s.has("gamma") ? s.get("gamma") : gamma_;
  LRScheduler::load_state_dict(s);
  std::sort(ms.begin(), ms.end());
  milestones_ = std::move(ms);
  gamma_ = gamma;
}

// ---- ExponentialLR -----------------------------------------------------------------------------

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  std::vector<double> out = group_lrs();
  if (last_epoch_ == 0) return out;
  for (auto& lr : out) lr = lr * gamma_;
  return out;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return out;
}

Options ExponentialLR::state_dict() const {
  Options s = LRScheduler::state_dict();
  s.set("gamma", gamma_);
  return s;
}

void ExponentialLR::load_state_dict(const Options& s) {
  double gamma = s.has("gamma") ? s.get("gamma") : gamma_;
  LRScheduler::load_state_dict(s);
  gamma_ = gamma;
}

// ---- CosineAnnealingLR -------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), T_max_(T_max), eta_min_(eta_min) {
  EMBER_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  std::vector<double> out = group_lrs();
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  if (last_epoch_ == 0) return out;
  if (step_count_ == 1 && last_epoch_ > 0) {
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = eta_min_ + (base_lrs_[i] - eta_min_) * (1 + std::cos(e * kPi / T)) / 2;
    return out;
  }
  if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = out[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    return out;
  }
  for (auto& lr : out)
    lr = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lr - eta_min_) + eta_min_;
  return out;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() {
  std::vector<double> out;
  const double e = static_cast<double>(last_epoch_), T = static_cast<double>(T_max_);
  for (double b : base_lrs_) out.push_back(eta_min_ + (b - eta_min_) * (1 + std::cos(kPi * e / T)) / 2);
  return out;
}

Options CosineAnnealingLR::state_dict() const {
  Options s = LRScheduler::state_dict();
  s.set("T_max", T_max_).set("eta_min", eta_min_);
  return s;
}

void CosineAnnealingLR::load_state_dict(const Options& s) {
  int64_t T_max = s.has("T_max") ? s.get_int("T_max") : T_max_;
  EMBER_CHECK(T_max > 0, "CosineAnnealingLR.load_state_dict: T_max must be positive, got ", T_max);
  double eta_min = s.has("eta_min") ? s.get("eta_min") : eta_min_;
  LRScheduler::load_state_dict(s);
  T_max_ = T_max;
  eta_min_ = eta_min;
}

// ---- LinearLR ----------------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters, int64_t last_epoch)
    : LRScheduler(optimizer, last_epoch), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  EMBER_CHECK(start_factor > 0 && start_factor <= 1, "LinearLR: start_factor must be in (0, 1], got ", start_factor);
  EMBER_CHECK(end_factor >= 0 && end_factor <= 1, "LinearLR: end_factor must be in [0, 1], got ", end_factor);
  EMBER_CHECK(total_iters > 0, "LinearLR: total_iters must be positive, got ", total_iters);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  std::vector<double> out = group_lrs();
  if (last_epoch_ == 0) {
    for (auto& lr : out) lr = lr * start_factor_;
    return out;
  }
  if (last_epoch_ > total_iters_) return out;
  const double d = end_factor_ - start_factor_;
  for (auto& lr : out)
    lr = lr * (1. + d / (static_cast<double>(total_iters_) * start_factor_ + static_cast<double>(last_epoch_ - 1) * d));
  return out;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() {
  std::vector<double> out;
  const double k = static_cast<double>(std::min(total_iters_, last_epoch_));
  for (double b : base_lrs_)
    out.push_back(b * (start_factor_ + (end_factor_ - start_factor_) * k / static_cast<double>(total_iters_)));
  return out;
}

Options LinearLR::state_dict() const {
  Options s = LRScheduler::state_dict();
  s.set("start_factor", start_factor_).set("end_factor", end_factor_).set("total_iters", total_iters_);
  return s;
}

void LinearLR::load_state_dict(const Options& s) {
  double sf = s.has("start_factor") ? s.get("start_factor") : start_factor_;
  double ef = s.has("end_factor") ? s.get("end_factor") : end_factor_;
  int64_t ti = s.has("total_iters") ? s.get_int("total_iters") : total_iters_;
  EMBER_CHECK(ti > 0, "LinearLR.load_state_dict: total_iters must be positive, got ", ti);
  LRScheduler::load_state_dict(s);
  start_factor_ = sf;
  end_factor_ = ef;
  total_iters_ = ti;
}

}  // namespace ember::optim

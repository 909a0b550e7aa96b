#pragma once
// Learning-rate schedulers with torch.optim.lr_scheduler's formulas (torch 1.13), evaluated in
// double with the same operations in the same order, so a schedule matches PyTorch's to rounding:
//
//   optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
//   optim::StepLR sched(opt, /*step_size=*/30, /*gamma=*/0.1);
//   for (int epoch = 0; epoch < 100; ++epoch) { train(...); sched.step(); }
//
// A scheduler keeps a reference to its optimizer, which must outlive it. It writes each
// group's "lr" option (and "initial_lr", as PyTorch does). Constructing one performs the
// initial step (epoch 0). state_dict() gives the scheduler's variables as Options.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/optim/optimizer.h"

namespace ember::optim {

// What every scheduler (the epoch-wise ones and ReduceLROnPlateau) offers a training loop and a
// checkpoint: its name, the learning rates it last set, and its state.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // The class name, as in PyTorch: "StepLR", "ReduceLROnPlateau", ...
  virtual std::string name() const = 0;
  // The learning rates set by the last step, one per group.
  virtual const std::vector<double>& get_last_lr() const = 0;
  virtual Options state_dict() const = 0;
  // Throws ember::Error, changing nothing, when a value is missing, of the wrong kind or invalid.
  virtual void load_state_dict(const Options& state) = 0;
};

class LRScheduler : public Scheduler {
 public:
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch and sets each group's lr.
  virtual void step();
  const std::vector<double>& get_last_lr() const override { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return *optimizer_; }

  // {"last_epoch", "base_lrs", "_last_lr", "_step_count", and the scheduler's own settings},
  // named as in PyTorch's state_dict.
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 protected:
  // last_epoch = -1 starts a new schedule; another value resumes one (the groups must then hold
  // "initial_lr").
  LRScheduler(Optimizer& optimizer, int64_t last_epoch);
  // Derived constructors end with this: PyTorch's _initial_step (step count 0, then step()).
  void initial_step();
  // The chainable form, from the groups' current lr (PyTorch's get_lr).
  virtual std::vector<double> get_lr() = 0;
  // The closed form at last_epoch_, where PyTorch has one (used by SequentialLR's milestones).
  virtual std::optional<std::vector<double>> closed_form_lr() { return std::nullopt; }
  // Sets last_epoch_ = epoch and applies the closed form (or get_lr): PyTorch's step(epoch).
  void step_to(int64_t epoch);
  std::vector<double> group_lrs() const;
  void apply_lrs(const std::vector<double>& lrs);

  Optimizer* optimizer_;
  int64_t last_epoch_;
  int64_t step_count_ = 0;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;

  friend class SequentialLR;
};

// lr = initial_lr * lambda(epoch); one lambda for all groups or one per group.
class LambdaLR : public LRScheduler {
 public:
  std::string name() const override { return "LambdaLR"; }
  using Lambda = std::function<double(int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda, int64_t last_epoch = -1);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas, int64_t last_epoch = -1);

 protected:
  std::vector<double> get_lr() override;
  std::vector<Lambda> lambdas_;
};

// lr *= gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  std::string name() const override { return "StepLR"; }
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1, int64_t last_epoch = -1);
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  int64_t step_size_;
  double gamma_;
};

// lr *= gamma at each milestone (a milestone listed twice decays twice).
class MultiStepLR : public LRScheduler {
 public:
  std::string name() const override { return "MultiStepLR"; }
  MultiStepLR(Optimizer& optimizer, std::vector<int64_t> milestones, double gamma = 0.1, int64_t last_epoch = -1);
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  std::vector<int64_t> milestones_;  // sorted, repeats kept
  double gamma_;
};

// lr *= gamma every epoch.
class ExponentialLR : public LRScheduler {
 public:
  std::string name() const override { return "ExponentialLR"; }
  ExponentialLR(Optimizer& optimizer, double gamma, int64_t last_epoch = -1);
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  double gamma_;
};

// Cosine from initial_lr down to eta_min over T_max epochs (then back up), in PyTorch's
// recursive form.
class CosineAnnealingLR : public LRScheduler {
 public:
  std::string name() const override { return "CosineAnnealingLR"; }
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0, int64_t last_epoch = -1);
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  int64_t T_max_;
  double eta_min_;
};

// lr goes linearly from start_factor * initial_lr to end_factor * initial_lr over total_iters epochs.
class LinearLR : public LRScheduler {
 public:
  std::string name() const override { return "LinearLR"; }
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5,
           int64_t last_epoch = -1);
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

struct OneCycleOptions {
  std::optional<int64_t> total_steps;       // or epochs * steps_per_epoch
  std::optional<int64_t> epochs;
  std::optional<int64_t> steps_per_epoch;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";      // "cos" or "linear"
  bool cycle_momentum = true;               // cycles "momentum", or betas[0] for Adam-like optimizers
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool three_phase = false;
};

// The 1cycle policy: lr warms up from max_lr/div_factor to max_lr, then anneals to
// initial_lr/final_div_factor, with momentum cycled inversely. step() once per batch.
class OneCycleLR : public LRScheduler {
 public:
  std::string name() const override { return "OneCycleLR"; }
  OneCycleLR(Optimizer& optimizer, double max_lr, OneCycleOptions options, int64_t last_epoch = -1);
  OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, OneCycleOptions options, int64_t last_epoch = -1);
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;
  int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() override;
  struct Phase {
    double end_step;
    const char* start_lr;
    const char* end_lr;
    const char* start_momentum;
    const char* end_momentum;
  };
  void build_phases();
  double anneal(double start, double end, double pct) const;
  int64_t total_steps_;
  OneCycleOptions opts_;
  std::vector<Phase> phases_;
  bool use_beta1_ = false;
};

// Runs schedulers one after another: schedulers[i] is in charge from milestones[i-1] on.
class SequentialLR : public LRScheduler {
 public:
  std::string name() const override { return "SequentialLR"; }
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones, int64_t last_epoch = -1);
  void step() override;
  // Adds "_schedulers.<i>.<key>" entries for the children.
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

struct ReduceLROnPlateauOptions {
  std::string mode = "min";            // "min": lower metric is better; "max": higher is better
  double factor = 0.1;                 // new_lr = lr * factor
  int64_t patience = 10;               // bad epochs tolerated before reducing
  double threshold = 1e-4;             // what counts as an improvement
  std::string threshold_mode = "rel";  // "rel" or "abs"
  int64_t cooldown = 0;                // epochs to wait after a reduction
  std::vector<double> min_lr = {0.0};  // one value for all groups, or one per group
  double eps = 1e-8;                   // reductions smaller than this are skipped
};

// Reduces the lr when a metric stops improving; step(metric) once per epoch.
class ReduceLROnPlateau : public Scheduler {
 public:
  std::string name() const override { return "ReduceLROnPlateau"; }
  explicit ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});
  void step(double metric);
  void step(const Tensor& metric) { step(metric.item<double>()); }  // a one-element tensor (the loss)
  const std::vector<double>& get_last_lr() const override { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  int64_t cooldown_counter() const { return cooldown_counter_; }
  double best() const { return best_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }
  Optimizer& optimizer() const { return *optimizer_; }
  Options state_dict() const override;
  void load_state_dict(const Options& state) override;

 private:
  bool is_better(double a, double best) const;
  Optimizer* optimizer_;
  ReduceLROnPlateauOptions opts_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace ember::optim

// Golden cases for optimizers (kind "optimizer") and LR schedulers (kind "scheduler"); the case
// format is in ../shared/golden/README.md ("optimizer cases", "scheduler cases").
//   optimizer: `param` is the start value; for K = 0..steps-1 the gradient gradK is set and one
//              step() taken; param_afterK is the value after it. `args` are the group's options
//              under PyTorch's names, passed as one parameter group's options.
//   scheduler: SGD with lr = base_lr; lrs[e] is the lr in force during epoch e; step() (or
//              step(metrics[e]) for ReduceLROnPlateau) after each epoch.
#include "golden/golden.h"

#include <ember/optim/adagrad.h>
#include <ember/optim/adam.h>
#include <ember/optim/lr_scheduler.h>
#include <ember/optim/rmsprop.h>
#include <ember/optim/sgd.h>

namespace ember::golden {
namespace {

// The case's args as optimizer options: numbers, bools, strings and lists of numbers, by name.
optim::Options options_from(const json& args) {
  optim::Options o;
  for (auto it = args.begin(); it != args.end(); ++it) {
    const json& v = *it;
    if (v.is_null()) continue;
    if (v.is_boolean()) o.set(it.key(), v.get<bool>());
    else if (v.is_number()) o.set(it.key(), v.get<double>());
    else if (v.is_string()) o.set(it.key(), v.get<std::string>());
    else if (v.is_array()) o.set(it.key(), v.get<std::vector<double>>());
    else throw Unsupported("optimizer argument '" + it.key() + "' is " + v.dump());
  }
  return o;
}

template <class Opt>
TensorMap run_optimizer(const Case& c) {
  const int64_t steps = c.metadata.count("steps") ? std::stoll(c.metadata.at("steps")) : 5;
  Tensor p = c.tensor("param").clone().requires_grad_(true);
  Opt opt(std::vector<optim::ParamGroup>{optim::ParamGroup({p}, options_from(c.args))});
  TensorMap out;
  for (int64_t k = 0; k < steps; ++k) {
    const std::string K = std::to_string(k);
    p.set_grad(c.tensor("grad" + K).clone());
    opt.step();
    out["param_after" + K] = p.detach().clone();
  }
  return out;
}

// The lr in force during each epoch: lrs[e], with `step(e)` advancing the schedule after epoch e.
template <class Step>
TensorMap run_schedule(const Case& c, optim::Optimizer& opt, Step step) {
  const int64_t epochs = c.tensor("lrs").numel();
  std::vector<double> lrs;
  for (int64_t e = 0; e < epochs; ++e) {
    lrs.push_back(opt.param_groups()[0].lr());
    step(e);
  }
  return {{"lrs", tensor(lrs, {epochs})}};
}

double base_lr(const Case& c) { return c.metadata.count("base_lr") ? std::stod(c.metadata.at("base_lr")) : 0.1; }

// Learning rates are computed in double with PyTorch's formulas: they agree to rounding.
const Tolerance kExact{1e-15, 1e-12};

}  // namespace

EMBER_GOLDEN_CASE(optimizer, sgd) { return run_optimizer<optim::SGD>(c); }
EMBER_GOLDEN_CASE(optimizer, adam) { return run_optimizer<optim::Adam>(c); }
EMBER_GOLDEN_CASE(optimizer, adamw) { return run_optimizer<optim::AdamW>(c); }
EMBER_GOLDEN_CASE(optimizer, rmsprop) { return run_optimizer<optim::RMSprop>(c); }
EMBER_GOLDEN_CASE(optimizer, adagrad) { return run_optimizer<optim::Adagrad>(c); }

EMBER_GOLDEN_CASE(scheduler, step_lr, kExact) {
  optim::SGD opt({zeros({1}).requires_grad_(true)}, {.lr = base_lr(c)});
  optim::StepLR s(opt, arg_int(c.args, "step_size"), arg_double(c.args, "gamma", 0.1));
  return run_schedule(c, opt, [&](int64_t) { s.step(); });
}

EMBER_GOLDEN_CASE(scheduler, multi_step_lr, kExact) {
  optim::SGD opt({zeros({1}).requires_grad_(true)}, {.lr = base_lr(c)});
  optim::MultiStepLR s(opt, arg_ints(c.args, "milestones"), arg_double(c.args, "gamma", 0.1));
  return run_schedule(c, opt, [&](int64_t) { s.step(); });
}

EMBER_GOLDEN_CASE(scheduler, exponential_lr, kExact) {
  optim::SGD opt({zeros({1}).requires_grad_(true)}, {.lr = base_lr(c)});
  optim::ExponentialLR s(opt, arg_double(c.args, "gamma"));
  return run_schedule(c, opt, [&](int64_t) { s.step(); });
}

EMBER_GOLDEN_CASE(scheduler, cosine_annealing_lr, kExact) {
  optim::SGD opt({zeros({1}).requires_grad_(true)}, {.lr = base_lr(c)});
  optim::CosineAnnealingLR s(opt, arg_int(c.args, "T_max"), arg_double(c.args, "eta_min", 0.0));
  return run_schedule(c, opt, [&](int64_t) { s.step(); });
}

EMBER_GOLDEN_CASE(scheduler, linear_lr, kExact) {
  optim::SGD opt({zeros({1}).requires_grad_(true)}, {.lr = base_lr(c)});
  optim::LinearLR s(opt, arg_double(c.args, "start_factor", 1.0 / 3), arg_double(c.args, "end_factor", 1.0),
                    arg_int(c.args, "total_iters", 5));
  return run_schedule(c, opt, [&](int64_t) { s.step(); });
}

EMBER_GOLDEN_CASE(scheduler, reduce_lr_on_plateau, kExact) {
  optim::SGD opt({zeros({1}).requires_grad_(true)}, {.lr = base_lr(c)});
  optim::ReduceLROnPlateauOptions o;
  o.mode = arg_string(c.args, "mode", "min");
  o.factor = arg_double(c.args, "factor", 0.1);
  o.patience = arg_int(c.args, "patience", 10);
  o.threshold = arg_double(c.args, "threshold", 1e-4);
  o.threshold_mode = arg_string(c.args, "threshold_mode", "rel");
  o.cooldown = arg_int(c.args, "cooldown", 0);
  o.min_lr = {arg_double(c.args, "min_lr", 0.0)};
  o.eps = arg_double(c.args, "eps", 1e-8);
  optim::ReduceLROnPlateau s(opt, o);
  Tensor metrics = c.tensor("metrics").to(kFloat64).contiguous();
  const double* m = metrics.data_ptr<double>();
  return run_schedule(c, opt, [&](int64_t e) { s.step(m[e]); });
}

}  // namespace ember::golden

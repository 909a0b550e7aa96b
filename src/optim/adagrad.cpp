// Adagrad: one fused loop per parameter (accumulated squares, decayed lr, update).
#include "ember/optim/adagrad.h"

#include <cmath>

#include "backend/cpu/dispatch.h"
#include "optim/update_util.h"

namespace ember::optim {

Options AdagradOptions::to_options() const {
  return {{"lr", lr},
          {"lr_decay", lr_decay},
          {"weight_decay", weight_decay},
          {"initial_accumulator_value", initial_accumulator_value},
          {"eps", eps},
          {"maximize", maximize}};
}

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : Adagrad(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, AdagradOptions options) : Optimizer("Adagrad", options.to_options()) {
  check_options(defaults());
  for (auto& g : groups) add_param_group(std::move(g));
  // As torch: the state exists from construction (step 0, sum = initial_accumulator_value).
  for (auto& g : param_groups()) {
    for (auto& p : g.params) {
      ParamState& st = state(p);
      st["step"] = zeros({}, kFloat32);
      detail::state_buffer(st, "sum", p, g.options.get("initial_accumulator_value"));
    }
  }
}

void Adagrad::check_options(const Options& o) const {
  EMBER_CHECK(o.get("lr") >= 0, "Adagrad: invalid learning rate ", o.get("lr"));
  EMBER_CHECK(o.get("lr_decay") >= 0, "Adagrad: invalid lr_decay ", o.get("lr_decay"));
  EMBER_CHECK(o.get("weight_decay") >= 0, "Adagrad: invalid weight_decay ", o.get("weight_decay"));
  EMBER_CHECK(o.get("initial_accumulator_value") >= 0, "Adagrad: invalid initial_accumulator_value ",
              o.get("initial_accumulator_value"));
  EMBER_CHECK(o.get("eps") >= 0, "Adagrad: invalid epsilon ", o.get("eps"));
}

void Adagrad::update(ParamGroup& group) {
  const Options& o = group.options;
  const double lr = o.get("lr"), lr_decay = o.get("lr_decay"), wd = o.get("weight_decay"), eps = o.get("eps");
  const double init = o.get("initial_accumulator_value");
  const bool maximize = o.get_bool("maximize");
  for (auto& p : group.params) {
    if (!p.grad().defined()) continue;
    Tensor g = detail::grad_of(p);
    ParamState& st = state(p);
    Tensor sum = detail::state_buffer(st, "sum", p, init);  // groups added later get their state here
    const double step = detail::increment_step(st);
    const double clr = lr / (1 + (step - 1) * lr_decay);
    detail::update_param(p, [&](Tensor& w) {
      cpu::dispatch_floating(w.dtype(), "Adagrad", [&](auto tag) {
        using T = decltype(tag);
        T* pp = w.data_ptr<T>();
        const T* gp = g.data_ptr<T>();
        T* sp = sum.data_ptr<T>();
        const T wd_t = static_cast<T>(wd), eps_t = static_cast<T>(eps), neg_clr = static_cast<T>(-clr);
        cpu::parallel_for(w.numel(), detail::kOptimGrain, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            T d = maximize ? -gp[i] : gp[i];
            if (wd != 0) d = d + wd_t * pp[i];
            T s = sp[i] + T(1) * d * d;
            sp[i] = s;
            pp[i] = pp[i] + neg_clr * d / (std::sqrt(s) + eps_t);  // addcdiv_: self + (value * t1) / t2
          }
        });
      });
    });
  }
}

}  // namespace ember::optim

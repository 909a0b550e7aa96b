// RMSprop: one fused loop per parameter (square average, centering, momentum, update).
#include "ember/optim/rmsprop.h"

#include <cmath>

#include "backend/cpu/dispatch.h"
#include "optim/update_util.h"

namespace ember::optim {

Options RMSpropOptions::to_options() const {
  return {{"lr", lr},           {"alpha", alpha},       {"eps", eps},          {"weight_decay", weight_decay},
          {"momentum", momentum}, {"centered", centered}, {"maximize", maximize}};
}

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : RMSprop(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions options) : Optimizer("RMSprop", options.to_options()) {
  check_options(defaults());
  for (auto& g : groups) add_param_group(std::move(g));
}

void RMSprop::check_options(const Options& o) const {
  EMBER_CHECK(o.get("lr") >= 0, "RMSprop: invalid learning rate ", o.get("lr"));
  EMBER_CHECK(o.get("eps") >= 0, "RMSprop: invalid epsilon ", o.get("eps"));
  EMBER_CHECK(o.get("momentum") >= 0, "RMSprop: invalid momentum ", o.get("momentum"));
  EMBER_CHECK(o.get("weight_decay") >= 0, "RMSprop: invalid weight_decay ", o.get("weight_decay"));
  EMBER_CHECK(o.get("alpha") >= 0, "RMSprop: invalid alpha ", o.get("alpha"));
}

void RMSprop::update(ParamGroup& group) {
  const Options& o = group.options;
  const double lr = o.get("lr"), alpha = o.get("alpha"), eps = o.get("eps");
  const double wd = o.get("weight_decay"), momentum = o.get("momentum");
  const bool centered = o.get_bool("centered"), maximize = o.get_bool("maximize");
  for (auto& p : group.params) {
    if (!p.grad().defined()) continue;
    Tensor g = detail::grad_of(p);
    ParamState& st = state(p);
    detail::increment_step(st);
    Tensor sq = detail::state_buffer(st, "square_avg", p);
    Tensor buf = momentum > 0 ? detail::state_buffer(st, "momentum_buffer", p) : Tensor();
    Tensor ga = centered ? detail::state_buffer(st, "grad_avg", p) : Tensor();
    detail::update_param(p, [&](Tensor& w) {
      cpu::dispatch_floating(w.dtype(), "RMSprop", [&](auto tag) {
        using T = decltype(tag);
        T* pp = w.data_ptr<T>();
        const T* gp = g.data_ptr<T>();
        T* sp = sq.data_ptr<T>();
        T* bp = buf.defined() ? buf.data_ptr<T>() : nullptr;
        T* ap = ga.defined() ? ga.data_ptr<T>() : nullptr;
        const T a = static_cast<T>(alpha), one_a = static_cast<T>(1 - alpha), eps_t = static_cast<T>(eps);
        const T wd_t = static_cast<T>(wd), mom = static_cast<T>(momentum), neg_lr = static_cast<T>(-lr);
        cpu::parallel_for(w.numel(), detail::kOptimGrain, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            T d = maximize ? -gp[i] : gp[i];
            if (wd != 0) d = d + wd_t * pp[i];
            T s = sp[i] * a + one_a * d * d;
            sp[i] = s;
            T avg;
            if (ap) {
              T m = ap[i] * a + one_a * d;
              ap[i] = m;
              avg = std::sqrt(s + T(-1) * m * m);
            } else {
              avg = std::sqrt(s);
            }
            avg = avg + eps_t;
            if (bp) {
              T v = bp[i] * mom + d / avg;
              bp[i] = v;
              pp[i] = pp[i] + neg_lr * v;
            } else {
              pp[i] = pp[i] + neg_lr * d / avg;  // addcdiv_: self + (value * t1) / t2
            }
          }
        });
      });
    });
  }
}

}  // namespace ember::optim

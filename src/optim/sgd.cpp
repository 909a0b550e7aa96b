// SGD: one fused loop per parameter (weight decay, momentum, Nesterov, update).
#include "ember/optim/sgd.h"

#include "backend/cpu/dispatch.h"
#include "optim/update_util.h"

namespace ember::optim {

Options SGDOptions::to_options() const {
  return {{"lr", lr},           {"momentum", momentum}, {"dampening", dampening},
          {"weight_decay", weight_decay}, {"nesterov", nesterov}, {"maximize", maximize}};
}

SGD::SGD(std::vector<Tensor> params, SGDOptions options) : SGD(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions options) : Optimizer("SGD", options.to_options()) {
  check_options(defaults());
  for (auto& g : groups) add_param_group(std::move(g));
}

void SGD::check_options(const Options& o) const {
  EMBER_CHECK(o.get("lr") >= 0, "SGD: invalid learning rate ", o.get("lr"));
  EMBER_CHECK(o.get("momentum") >= 0, "SGD: invalid momentum ", o.get("momentum"));
  EMBER_CHECK(o.get("weight_decay") >= 0, "SGD: invalid weight_decay ", o.get("weight_decay"));
  EMBER_CHECK(!o.get_bool("nesterov") || (o.get("momentum") > 0 && o.get("dampening") == 0),
              "SGD: Nesterov momentum requires a momentum and zero dampening (momentum ", o.get("momentum"),
              ", dampening ", o.get("dampening"), ")");
}

void SGD::update(ParamGroup& group) {
  const double lr = group.options.get("lr"), momentum = group.options.get("momentum");
  const double dampening = group.options.get("dampening"), wd = group.options.get("weight_decay");
  const bool nesterov = group.options.get_bool("nesterov"), maximize = group.options.get_bool("maximize");
  for (auto& p : group.params) {
    if (!p.grad().defined()) continue;
    Tensor g = detail::grad_of(p);
    Tensor buf;
    bool first = false;
    if (momentum != 0) buf = detail::state_buffer(state(p), "momentum_buffer", p, 0.0, &first);
    detail::update_param(p, [&](Tensor& w) {
      cpu::dispatch_floating(w.dtype(), "SGD", [&](auto tag) {
        using T = decltype(tag);
        T* pp = w.data_ptr<T>();
        const T* gp = g.data_ptr<T>();
        T* bp = buf.defined() ? buf.data_ptr<T>() : nullptr;
        const T neg_lr = static_cast<T>(-lr), wd_t = static_cast<T>(wd), mom = static_cast<T>(momentum);
        const T damp = static_cast<T>(1 - dampening);
        detail::with_flags(
            [&]<bool Maximize, bool WeightDecay, bool Momentum, bool First, bool Nesterov>() {
              cpu::parallel_for(w.numel(), detail::kOptimGrain, [&](int64_t b, int64_t e) {
#pragma omp simd
                for (int64_t i = b; i < e; ++i) {
                  T d = Maximize ? -gp[i] : gp[i];
                  if constexpr (WeightDecay) d = d + wd_t * pp[i];
                  if constexpr (Momentum) {
                    T v = First ? d : bp[i] * mom + damp * d;
                    bp[i] = v;
                    d = Nesterov ? d + mom * v : v;
                  }
                  pp[i] = pp[i] + neg_lr * d;
                }
              });
            },
            maximize, wd != 0, bp != nullptr, first, nesterov);
      });
    });
  }
}

}  // namespace ember::optim

// Adam and AdamW: one fused loop per parameter (moments, bias correction, update).
// Built with -fno-math-errno (CMakeLists.txt) so that std::sqrt vectorises in the loop.
#include "ember/optim/adam.h"

#include <algorithm>
#include <cmath>

#include "backend/cpu/dispatch.h"
#include "optim/update_util.h"

namespace ember::optim {

Options AdamOptions::to_options() const {
  return {{"lr", lr}, {"betas", {betas.first, betas.second}}, {"eps", eps}, {"weight_decay", weight_decay},
          {"amsgrad", amsgrad}, {"maximize", maximize}};
}

Options AdamWOptions::to_options() const {
  return {{"lr", lr}, {"betas", {betas.first, betas.second}}, {"eps", eps}, {"weight_decay", weight_decay},
          {"amsgrad", amsgrad}, {"maximize", maximize}};
}

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options) : Optimizer("Adam", options.to_options()) {
  check_options(defaults());
  for (auto& g : groups) add_param_group(std::move(g));
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : AdamW(std::vector<ParamGroup>{ParamGroup(std::move(params))}, options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions options) : Adam("AdamW", options.to_options()) {
  decoupled_weight_decay_ = true;
  check_options(defaults());
  for (auto& g : groups) add_param_group(std::move(g));
}

void Adam::check_options(const Options& o) const {
  const std::string& n = name();
  EMBER_CHECK(o.get("lr") >= 0, n, ": invalid learning rate ", o.get("lr"));
  EMBER_CHECK(o.get("eps") >= 0, n, ": invalid epsilon ", o.get("eps"));
  const auto& betas = o.get_list("betas");
  EMBER_CHECK(betas.size() == 2, n, ": betas must hold two numbers, got ", betas.size());
  EMBER_CHECK(betas[0] >= 0 && betas[0] < 1, n, ": invalid beta parameter at index 0: ", betas[0]);
  EMBER_CHECK(betas[1] >= 0 && betas[1] < 1, n, ": invalid beta parameter at index 1: ", betas[1]);
  EMBER_CHECK(o.get("weight_decay") >= 0, n, ": invalid weight_decay ", o.get("weight_decay"));
}

namespace {

struct AdamConsts {
  double b1, b2, one_b1, one_b2, wd, decay, bc2, eps, neg_step;
};

// One chunk of the fused update, with the options that branch fixed at compile time so the loop
// vectorises.
template <class T, bool Maximize, bool Decoupled, bool WeightDecay, bool Amsgrad>
void adam_chunk(T* __restrict pp, const T* __restrict gp, T* __restrict mp, T* __restrict vp, T* __restrict xp,
                const AdamConsts& k, int64_t b, int64_t e) {
  const T b1 = static_cast<T>(k.b1), b2 = static_cast<T>(k.b2);
  const T one_b1 = static_cast<T>(k.one_b1), one_b2 = static_cast<T>(k.one_b2);
  const T wd_t = static_cast<T>(k.wd), decay = static_cast<T>(k.decay);
  const T bc2 = static_cast<T>(k.bc2), eps_t = static_cast<T>(k.eps), neg_step = static_cast<T>(k.neg_step);
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    T d = Maximize ? -gp[i] : gp[i];
    T x = pp[i];
    if constexpr (Decoupled) x = x * decay;
    else if constexpr (WeightDecay) d = d + wd_t * x;
    T mi = mp[i] * b1 + one_b1 * d;
    T vi = vp[i] * b2 + one_b2 * d * d;
    mp[i] = mi;
    vp[i] = vi;
    if constexpr (Amsgrad) vi = xp[i] = (xp[i] < vi || vi != vi) ? vi : xp[i];  // torch.maximum: NaN wins
    T denom = std::sqrt(vi) / bc2 + eps_t;
    pp[i] = x + neg_step * mi / denom;  // addcdiv_: self + (value * t1) / t2
  }
}

}  // namespace

void Adam::update(ParamGroup& group) {
  const Options& o = group.options;
  const double lr = o.get("lr"), eps = o.get("eps"), wd = o.get("weight_decay");
  const auto& betas = o.get_list("betas");  // the group's options may have been edited since add_param_group
  EMBER_CHECK(betas.size() == 2, name(), ".step: betas must hold two numbers, got ", betas.size());
  const double beta1 = betas[0], beta2 = betas[1];
  const bool amsgrad = o.get_bool("amsgrad"), maximize = o.get_bool("maximize");
  const bool decoupled = decoupled_weight_decay_;
  for (auto& p : group.params) {
    if (!p.grad().defined()) continue;
    Tensor g = detail::grad_of(p);
    ParamState& st = state(p);
    Tensor m = detail::state_buffer(st, "exp_avg", p);
    Tensor v = detail::state_buffer(st, "exp_avg_sq", p);
    Tensor vmax = amsgrad ? detail::state_buffer(st, "max_exp_avg_sq", p) : Tensor();
    const double step = detail::increment_step(st);
    const double bias_correction1 = 1 - std::pow(beta1, step);
    const double bias_correction2 = 1 - std::pow(beta2, step);
    const double step_size = lr / bias_correction1;
    const double bc2_sqrt = std::sqrt(bias_correction2);
    const AdamConsts k{beta1, beta2, 1 - beta1, 1 - beta2, wd, 1 - lr * wd, bc2_sqrt, eps, -step_size};
    detail::update_param(p, [&](Tensor& w) {
      cpu::dispatch_floating(w.dtype(), name().c_str(), [&](auto tag) {
        using T = decltype(tag);
        T* pp = w.data_ptr<T>();
        const T* gp = g.data_ptr<T>();
        T* mp = m.data_ptr<T>();
        T* vp = v.data_ptr<T>();
        T* xp = vmax.defined() ? vmax.data_ptr<T>() : nullptr;
        detail::with_flags(
            [&]<bool Maximize, bool Decoupled, bool WeightDecay, bool Amsgrad>() {
              cpu::parallel_for(w.numel(), detail::kOptimGrain, [&](int64_t b, int64_t e) {
                adam_chunk<T, Maximize, Decoupled, WeightDecay, Amsgrad>(pp, gp, mp, vp, xp, k, b, e);
              });
            },
            maximize, decoupled, wd != 0, xp != nullptr);
      });
    });
  }
}

}  // namespace ember::optim

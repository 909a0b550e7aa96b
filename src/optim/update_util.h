#pragma once
// Internal: what the fused optimizer loops share — contiguous views of a parameter and its
// gradient, state buffers shaped like the parameter, the "step" counter.
#include <string>

#include "backend/cpu/kernels.h"
#include "backend/cpu/parallel_for.h"
#include "ember/optim/optimizer.h"
#include "ember/tensor/factory.h"

namespace ember::optim::detail {

// Elements per OpenMP chunk: an optimizer step does a few flops per element, and a parameter
// of up to 256K elements updates in tens of microseconds on one core (less than a parallel
// region can cost on a loaded machine).
constexpr int64_t kOptimGrain = int64_t{1} << 18;

// The gradient of `p` as a contiguous tensor of p's dtype (shared when it already is one).
inline Tensor grad_of(const Tensor& p) {
  Tensor g = p.grad();
  EMBER_CHECK(g.sizes() == p.sizes(), "optimizer: the gradient has shape ", shape_str(g.sizes()),
              " but the parameter has shape ", shape_str(p.sizes()));
  return cpu::contiguous(cpu::convert(g, p.dtype()));
}

// state[name], created contiguous, like `p`, filled with `init` when absent. `created` tells which.
inline Tensor& state_buffer(ParamState& st, const std::string& name, const Tensor& p, double init = 0.0,
                            bool* created = nullptr) {
  auto it = st.find(name);
  if (it != st.end() && it->second.defined()) {
    if (created) *created = false;
    return it->second;
  }
  if (created) *created = true;
  Tensor& t = st[name];
  t = full(p.sizes(), init, TensorOptions(p.dtype()));
  return t;
}

// Adds 1 to state["step"] (a 0-dim float32 tensor, as in torch 1.13) and returns the new count.
inline double increment_step(ParamState& st) {
  Tensor& s = st["step"];
  if (!s.defined() || s.dtype() != kFloat32 || s.dim() != 0 || !s.is_contiguous())
    s = full({}, s.defined() ? s.item<double>() : 0.0, kFloat32);
  float* v = s.data_ptr<float>();
  *v += 1.0f;
  return *v;
}

// Runs fn(work) on `p` itself, or on a contiguous copy of a non-contiguous parameter (written
// back after), and bumps the parameter's version like any in-place update.
template <class Fn>
void update_param(Tensor& p, Fn&& fn) {
  Tensor work = p.is_contiguous() ? p : cpu::contiguous(p);
  fn(work);
  if (!work.is_same(p)) cpu::copy_(p, work);
  p.storage()->bump_version();
}

// Calls f.template operator()<flags...>() with the runtime flags as compile-time constants, so
// an update loop is compiled once per combination without branches inside (and vectorises).
template <bool... Fixed, class F>
void with_flags(F&& f) {
  f.template operator()<Fixed...>();
}
template <bool... Fixed, class F, class... Rest>
void with_flags(F&& f, bool first, Rest... rest) {
  if (first) with_flags<Fixed..., true>(f, rest...);
  else with_flags<Fixed..., false>(f, rest...);
}

}  // namespace ember::optim::detail

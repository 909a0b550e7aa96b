// clip_grad_norm_ and clip_grad_value_: direct loops over the gradients (no graph, no temporaries
// for contiguous gradients). Norms accumulate in double over fixed blocks, so the result does not
// depend on the thread count.
#include "ember/nn/utils/clip_grad.h"

#include <algorithm>
#include <cmath>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/parallel_for.h"

namespace ember::nn::utils {

namespace {

constexpr int64_t kBlock = 16384;

// sum |g|^p (p finite) or max |g| (p infinite) over a contiguous tensor.
double grad_norm_part(const Tensor& g, double p) {
  return cpu::dispatch_floating(g.dtype(), "clip_grad_norm_", [&](auto tag) {
    using T = decltype(tag);
    const T* x = g.data_ptr<T>();
    const int64_t n = g.numel(), blocks = (n + kBlock - 1) / kBlock;
    std::vector<double> part(static_cast<size_t>(blocks), 0.0);
    const bool inf = std::isinf(p);
    cpu::parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        double acc = 0.0;
        const int64_t e = std::min(n, (b + 1) * kBlock);
        for (int64_t i = b * kBlock; i < e; ++i) {
          double a = std::abs(static_cast<double>(x[i]));
          if (inf) acc = (a > acc || std::isnan(a)) ? a : acc;
          else if (p == 2.0) acc += a * a;
          else if (p == 1.0) acc += a;
          else acc += std::pow(a, p);
        }
        part[static_cast<size_t>(b)] = acc;
      }
    });
    double total = 0.0;
    for (double v : part) total = inf ? ((v > total || std::isnan(v)) ? v : total) : total + v;
    return total;
  });
}

// Applies fn(T* data, n) to the gradient's elements in place (via a copy when it is strided).
template <class Fn>
void modify_grad(Tensor g, const char* op, Fn&& fn) {
  Tensor work = g.is_contiguous() ? g : cpu::contiguous(g);
  cpu::dispatch_floating(work.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* x = work.data_ptr<T>();
    cpu::parallel_for(work.numel(), cpu::kGrainSize, [&](int64_t b, int64_t e) { fn(x, b, e); });
  });
  if (!work.is_same(g)) cpu::copy_(g, work);
  g.storage()->bump_version();
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  EMBER_CHECK(norm_type > 0, "clip_grad_norm_: norm_type must be positive or infinity, got ", norm_type);
  std::vector<Tensor> grads;
  for (auto& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  const bool inf = std::isinf(norm_type);
  double total = 0.0;
  for (auto& g : grads) {
    EMBER_CHECK(g.is_floating_point(), "clip_grad_norm_: gradient of shape ", shape_str(g.sizes()), " has dtype ",
                dtype_name(g.dtype()));
    double part = grad_norm_part(cpu::contiguous(g), norm_type);
    if (inf) total = (part > total || std::isnan(part)) ? part : total;
    else total += part;
  }
  if (!inf) total = norm_type == 2.0 ? std::sqrt(total) : norm_type == 1.0 ? total : std::pow(total, 1.0 / norm_type);
  EMBER_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of order ", norm_type,
              " of the gradients is non-finite (", total,
              "), so it cannot be clipped; pass error_if_nonfinite=false to scale by it anyway");
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  if (coef == 1.0) return total;  // multiplying by 1 changes nothing
  for (auto& g : grads) {
    modify_grad(g, "clip_grad_norm_", [coef](auto* x, int64_t b, int64_t e) {
      using T = std::remove_pointer_t<decltype(x)>;
      const T c = static_cast<T>(coef);
      for (int64_t i = b; i < e; ++i) x[i] = x[i] * c;
    });
  }
  return total;
}

double clip_grad_norm_(const Tensor& param, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{param}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  EMBER_CHECK(clip_value >= 0, "clip_grad_value_: clip_value must be non-negative, got ", clip_value);
  for (auto& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    EMBER_CHECK(g.is_floating_point(), "clip_grad_value_: gradient of shape ", shape_str(g.sizes()), " has dtype ",
                dtype_name(g.dtype()));
    modify_grad(g, "clip_grad_value_", [clip_value](auto* x, int64_t b, int64_t e) {
      using T = std::remove_pointer_t<decltype(x)>;
      const T hi = static_cast<T>(clip_value), lo = static_cast<T>(-clip_value);
      for (int64_t i = b; i < e; ++i) x[i] = x[i] < lo ? lo : (x[i] > hi ? hi : x[i]);  // NaN stays NaN
    });
  }
}

void clip_grad_value_(const Tensor& param, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{param}, clip_value);
}

}  // namespace ember::nn::utils

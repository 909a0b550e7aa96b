#include "support/testing.h"

#include <cmath>
#include <sstream>

namespace ember::testing {

::testing::AssertionResult tensors_close(const Tensor& a_in, const Tensor& b_in, double atol, double rtol) {
  if (!a_in.defined() || !b_in.defined())
    return ::testing::AssertionFailure() << "undefined tensor (a " << a_in.defined() << ", b " << b_in.defined() << ")";
  if (a_in.sizes() != b_in.sizes())
    return ::testing::AssertionFailure() << "shape " << shape_str(a_in.sizes()) << " vs " << shape_str(b_in.sizes());
  Tensor a = a_in.detach().to(kFloat64).contiguous(), b = b_in.detach().to(kFloat64).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pb = b.data_ptr<double>();
  double worst = 0;
  int64_t where = -1;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double err = std::fabs(pa[i] - pb[i]);
    bool bad = !(err <= atol + rtol * std::fabs(pb[i])) && !(std::isnan(pa[i]) && std::isnan(pb[i])) &&
               !(std::isinf(pa[i]) && pa[i] == pb[i]);
    if (bad && (where < 0 || err > worst || std::isnan(err))) {
      worst = err;
      where = i;
    }
  }
  if (where < 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "largest error " << worst << " at flat index " << where << ": "
                                       << pa[where] << " vs expected " << pb[where];
}

namespace {

// Scalar objective L(inputs) = sum(fn(inputs) * w).
double eval(const Fn& fn, const TensorList& inputs, const Tensor& w) {
  NoGradGuard g;
  Tensor out = fn(inputs);
  return (out.to(kFloat64) * w).sum().item<double>();
}

::testing::AssertionResult compare_numeric(const std::function<double()>& f, const TensorList& inputs,
                                           const TensorList& analytic, double eps, double atol, double rtol,
                                           const char* what) {
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& x = inputs[k];
    if (!x.requires_grad()) continue;
    if (x.dtype() != kFloat64 || !x.is_contiguous())
      return ::testing::AssertionFailure() << what << ": input " << k << " must be a contiguous float64 tensor";
    double* p = static_cast<double*>(x.raw_data());
    Tensor num = zeros(x.sizes(), kFloat64);
    double* pn = num.data_ptr<double>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      double orig = p[i];
      p[i] = orig + eps;
      double fp = f();
      p[i] = orig - eps;
      double fm = f();
      p[i] = orig;
      pn[i] = (fp - fm) / (2 * eps);
    }
    Tensor an = analytic[k].defined() ? analytic[k] : zeros(x.sizes(), kFloat64);
    auto r = tensors_close(an, num, atol, rtol);
    if (!r) return ::testing::AssertionFailure() << what << ": input " << k << ": analytic vs numeric: " << r.message();
  }
  return ::testing::AssertionSuccess();
}

Tensor fixed_weights(const Tensor& like_out, uint64_t seed) {
  Generator saved = default_generator();
  manual_seed(seed);
  Tensor w = randn(like_out.sizes(), kFloat64);
  default_generator() = saved;
  return w;
}

}  // namespace

::testing::AssertionResult gradcheck(const Fn& fn, const TensorList& inputs, double eps, double atol, double rtol) {
  Tensor out = fn(inputs);
  if (!out.requires_grad()) return ::testing::AssertionFailure() << "gradcheck: output does not require grad";
  Tensor w = fixed_weights(out, 1234);
  TensorList wrt;
  for (auto& x : inputs)
    if (x.requires_grad()) wrt.push_back(x);
  TensorList g = autograd::grad({(out.to(kFloat64) * w).sum()}, wrt, {}, std::nullopt, false, true);
  TensorList analytic;
  size_t j = 0;
  for (auto& x : inputs) analytic.push_back(x.requires_grad() ? g[j++] : Tensor());
  return compare_numeric([&] { return eval(fn, inputs, w); }, inputs, analytic, eps, atol, rtol, "gradcheck");
}

::testing::AssertionResult gradgradcheck(const Fn& fn, const TensorList& inputs, double eps, double atol,
                                         double rtol) {
  Tensor out0 = fn(inputs);
  Tensor w = fixed_weights(out0, 1234);
  TensorList wrt;
  for (auto& x : inputs)
    if (x.requires_grad()) wrt.push_back(x);
  TensorList vs;
  for (size_t i = 0; i < wrt.size(); ++i) vs.push_back(fixed_weights(wrt[i], 99 + i));
  // G(inputs) = sum_i <dL/dx_i, v_i>
  auto G = [&](bool create) -> Tensor {
    Tensor out = fn(inputs);
    TensorList g = autograd::grad({(out.to(kFloat64) * w).sum()}, wrt, {}, std::nullopt, create, true);
    Tensor s = zeros({}, kFloat64);
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i].defined()) s = s + (g[i] * vs[i]).sum();
    return s;
  };
  Tensor s = G(true);
  // A first gradient with no graph is constant in the inputs: its gradient is zero.
  TensorList gg = s.requires_grad() ? autograd::grad({s}, wrt, {}, std::nullopt, false, true) : TensorList(wrt.size());
  TensorList analytic;
  size_t j = 0;
  for (auto& x : inputs) analytic.push_back(x.requires_grad() ? gg[j++] : Tensor());
  return compare_numeric([&] { return G(false).item<double>(); }, inputs, analytic, eps, atol, rtol,
                         "gradgradcheck");
}

Tensor randn_leaf(const Shape& shape, uint64_t seed) {
  manual_seed(seed);
  return randn(shape, kFloat64).requires_grad_();
}

}  // namespace ember::testing

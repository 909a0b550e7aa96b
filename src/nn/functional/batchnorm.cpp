// batch_norm: shape rules, running-statistics update, forward and backward
// (NativeBatchNormBackward0). The kernels are in backend/cpu/bnorm_kernels.h.
#include "ember/nn/functional/batchnorm.h"

#include "autograd/record.h"
#include "backend/cpu/bnorm_kernels.h"
#include "ember/tensor/ops.h"
#include "nn/functional/util.h"
#include "tensor/make.h"

namespace ember::nn::functional {

namespace {

void check_stat(const char* what, const Tensor& t, const Tensor& x, int64_t C) {
  if (!t.defined()) return;
  EMBER_CHECK(t.dim() == 1 && t.size(0) == C, "batch_norm: ", what, " should have shape (", C, ") for input ",
              shape_str(x.sizes()), ", got ", shape_str(t.sizes()));
  EMBER_CHECK(t.dtype() == x.dtype(), "batch_norm: ", what, " has dtype ", dtype_name(t.dtype()),
              " but the input has ", dtype_name(x.dtype()));
}

// running = (1 - momentum) * running + momentum * stat, in place and outside the graph.
void update_running(Tensor& running, const Tensor& stat, double momentum) {
  NoGradGuard ng;
  running.mul_(1.0 - momentum);
  running.add_(stat, momentum);
}

}  // namespace

// x:(N,C,*) -> y:(N,C,*); statistics per channel over N and *.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  EMBER_CHECK(x.defined(), "batch_norm: input is undefined");
  EMBER_CHECK(x.is_floating_point(), "batch_norm: expected a floating-point input, got ", dtype_name(x.dtype()));
  EMBER_CHECK(x.dim() >= 2, "batch_norm: expected an input of shape (N,C) or (N,C,*), got ", shape_str(x.sizes()));
  EMBER_CHECK(eps > 0, "batch_norm: eps must be positive, got ", eps);
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(1, N * C);
  check_stat("running_mean", running_mean, x, C);
  check_stat("running_var", running_var, x, C);
  check_stat("weight", weight, x, C);
  check_stat("bias", bias, x, C);
  EMBER_CHECK(running_mean.defined() == running_var.defined(),
              "batch_norm: running_mean and running_var must both be given or both be undefined");
  EMBER_CHECK(training || running_mean.defined(),
              "batch_norm: running_mean and running_var must be defined in evaluation mode (training=false)");
  if (training)
    EMBER_CHECK(N * S > 1, "batch_norm: expected more than 1 value per channel when training, got input size ",
                shape_str(x.sizes()));

  const DType dt = x.dtype();
  Tensor x3 = reshaped(x, {N, C, S});
  Tensor y = make_empty({N, C, S}, dt);
  Tensor mean, var;  // the statistics used (biased variance), private to this call
  if (training) {
    mean = make_empty({C}, dt);
    var = make_empty({C}, dt);
  } else {
    mean = cpu::contiguous(running_mean).clone();
    var = cpu::contiguous(running_var).clone();
  }
  Tensor w = weight.defined() ? cpu::contiguous(weight) : Tensor();
  Tensor b = bias.defined() ? cpu::contiguous(bias) : Tensor();
  cpu::batch_norm_forward(x3, w, b, y, mean, var, eps, /*use_stats=*/!training);

  if (training && running_mean.defined()) {
    const double n = static_cast<double>(N * S);
    Tensor rm = running_mean, rv = running_var;
    update_running(rm, mean, momentum);
    update_running(rv, var * (n / (n - 1.0)), momentum);  // unbiased, as PyTorch
  }

  Tensor out = reshaped(y, x.sizes());
  if (autograd::needs_grad(x, weight, bias)) {
    const bool has_w = weight.defined(), has_b = bias.defined();
    autograd::record(
        "NativeBatchNormBackward0", {x, weight, bias}, {out}, {x, weight},
        [mean, var, eps, training, has_w, has_b, N, C, S](const TensorList& g, const TensorList& s) -> TensorList {
          check_no_double_backward("batch_norm");
          const DType dt = s[0].dtype();
          Tensor gy = reshaped(cpu::convert(g[0], dt), {N, C, S});
          Tensor x3 = reshaped(s[0], {N, C, S});
          Tensor w = has_w ? cpu::contiguous(s[1]) : Tensor();
          Tensor gx = make_empty({N, C, S}, dt);
          Tensor gw = has_w ? make_empty({C}, dt) : Tensor();
          Tensor gb = has_b ? make_empty({C}, dt) : Tensor();
          cpu::batch_norm_backward(gy, x3, w, mean, var, eps, /*use_stats=*/!training, gx, gw, gb);
          return {reshaped(gx, s[0].sizes()), gw, gb};
        });
  }
  return out;
}

}  // namespace ember::nn::functional

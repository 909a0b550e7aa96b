// nn.BatchNorm1d / nn.BatchNorm2d: parameters, buffers, PyTorch's forward logic (momentum or
// cumulative average, num_batches_tracked) and repr.
#include "ember/nn/layers/batchnorm.h"

#include <sstream>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/functional/batchnorm.h"
#include "ember/nn/init.h"
#include "ember/nn/layers/activation.h"
#include "ember/tensor/factory.h"
#include "nn/layers/repr_util.h"

namespace ember::nn {

BatchNormBase::BatchNormBase(const char* type_name, int64_t n, double e, std::optional<double> m, bool a, bool t)
    : Module(type_name), num_features(n), eps(e), momentum(m), affine(a), track_running_stats(t) {
  EMBER_CHECK(n > 0, type_name, ": num_features must be positive, got ", n);
  weight = register_parameter("weight", a ? empty({n}) : Tensor());
  bias = register_parameter("bias", a ? empty({n}) : Tensor());
  running_mean = register_buffer("running_mean", t ? zeros({n}) : Tensor());
  running_var = register_buffer("running_var", t ? ones({n}) : Tensor());
  num_batches_tracked = register_buffer("num_batches_tracked", t ? zeros({}, kInt64) : Tensor());
  reset_parameters();
}

void BatchNormBase::reset_running_stats() {
  if (!track_running_stats) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  NoGradGuard ng;
  num_batches_tracked.zero_();
}

void BatchNormBase::reset_parameters() {
  reset_running_stats();
  if (!affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor BatchNormBase::forward(const Tensor& x) {
  check_input_dim(x);
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    NoGradGuard ng;
    num_batches_tracked.add_(1);
    if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  const bool use_batch_stats = is_training() || !running_mean.defined();
  const bool pass_running = !is_training() || track_running_stats;
  return functional::batch_norm(x, pass_running ? running_mean : Tensor(), pass_running ? running_var : Tensor(),
                                weight, bias, use_batch_stats, factor, eps);
}

std::string BatchNormBase::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << repr_float(eps) << ", momentum=" << (momentum ? repr_float(*momentum) : "None")
     << ", affine=" << detail::py_bool(affine) << ", track_running_stats=" << detail::py_bool(track_running_stats);
  return os.str();
}

void BatchNorm1d::check_input_dim(const Tensor& x) const {
  EMBER_CHECK(x.dim() == 2 || x.dim() == 3, "BatchNorm1d: expected 2D or 3D input (got ", x.dim(), "D input of shape ",
              shape_str(x.sizes()), ")");
}

void BatchNorm2d::check_input_dim(const Tensor& x) const {
  EMBER_CHECK(x.dim() == 4, "BatchNorm2d: expected 4D input (got ", x.dim(), "D input of shape ",
              shape_str(x.sizes()), ")");
}

}  // namespace ember::nn

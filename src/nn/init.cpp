#include "ember/nn/init.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

namespace ember::nn::init {

double calculate_gain(const std::string& nl, double param) {
  if (nl == "linear" || nl == "conv1d" || nl == "conv2d" || nl == "conv3d" || nl == "conv_transpose1d" ||
      nl == "conv_transpose2d" || nl == "conv_transpose3d" || nl == "sigmoid")
    return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nl == "selu") return 3.0 / 4.0;
  EMBER_THROW("calculate_gain: unsupported nonlinearity '", nl, "'");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  EMBER_CHECK(t.dim() >= 2, "init: fan in and fan out can not be computed for a tensor with fewer than 2 "
              "dimensions (shape ", shape_str(t.sizes()), ")");
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor& uniform_(Tensor& t, double a, double b) {
  NoGradGuard g;
  return t.uniform_(a, b);
}
Tensor& normal_(Tensor& t, double mean, double std) {
  NoGradGuard g;
  return t.normal_(mean, std);
}
Tensor& constant_(Tensor& t, double value) {
  NoGradGuard g;
  return t.fill_(value);
}
Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& xavier_uniform_(Tensor& t, double gain) {
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fi + fo));
  double a = std::sqrt(3.0) * std;
  return uniform_(t, -a, a);
}

Tensor& xavier_normal_(Tensor& t, double gain) {
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fi + fo)));
}

namespace {
double kaiming_std(const Tensor& t, double a, const std::string& mode, const std::string& nl) {
  EMBER_CHECK(mode == "fan_in" || mode == "fan_out", "kaiming init: mode must be fan_in or fan_out, got '", mode, "'");
  auto [fi, fo] = calculate_fan_in_and_fan_out(t);
  int64_t fan = mode == "fan_in" ? fi : fo;
  return calculate_gain(nl, a) / std::sqrt(static_cast<double>(fan));
}
}  // namespace

// A zero-element tensor is left as it is (PyTorch warns "Initializing zero-element tensors is a no-op").
Tensor& kaiming_uniform_(Tensor& t, double a, const std::string& mode, const std::string& nl) {
  double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nl);
  return t.numel() == 0 ? t : uniform_(t, -bound, bound);
}

Tensor& kaiming_normal_(Tensor& t, double a, const std::string& mode, const std::string& nl) {
  double std = kaiming_std(t, a, mode, nl);
  return t.numel() == 0 ? t : normal_(t, 0.0, std);
}

Tensor& orthogonal_(Tensor& t, double gain) {
  EMBER_CHECK(t.dim() >= 2, "orthogonal_: only tensors with 2 or more dimensions are supported (shape ",
              shape_str(t.sizes()), ")");
  if (t.numel() == 0) return t;  // PyTorch: "Initializing zero-element tensors is a no-op"
  NoGradGuard g;
  const int64_t rows = t.size(0), cols = t.numel() / rows;
  // Gram-Schmidt (modified) on a normal matrix in float64: rows x cols, orthonormal along the
  // smaller side, with the sign convention of a QR decomposition (diag(R) > 0).
  const bool transpose = rows < cols;
  const int64_t n = transpose ? cols : rows, k = transpose ? rows : cols;  // n >= k: orthonormal columns
  Tensor m = randn({n, k}, kFloat64).contiguous();
  double* a = m.data_ptr<double>();
  for (int64_t j = 0; j < k; ++j) {
    for (int64_t p = 0; p < j; ++p) {
      double dot = 0;
      for (int64_t i = 0; i < n; ++i) dot += a[i * k + j] * a[i * k + p];
      for (int64_t i = 0; i < n; ++i) a[i * k + j] -= dot * a[i * k + p];
    }
    double nrm = 0;
    for (int64_t i = 0; i < n; ++i) nrm += a[i * k + j] * a[i * k + j];
    nrm = std::sqrt(nrm);
    EMBER_CHECK(nrm > 0, "orthogonal_: degenerate random matrix");
    for (int64_t i = 0; i < n; ++i) a[i * k + j] /= nrm;
  }
  Tensor q = transpose ? m.t() : m;
  q = q * gain;
  t.copy_(q.reshape(t.sizes()));
  return t;
}

}  // namespace ember::nn::init

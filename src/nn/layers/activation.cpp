// Activation modules (each forwards to the op of the same name) and the repr helpers.
#include "ember/nn/layers/activation.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ember/tensor/ops.h"

namespace ember::nn {

std::string repr_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // The shortest scientific form that reads back as v (Python's repr), split in digits and exponent.
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);
  const bool neg = s[0] == '-';
  if (neg) s.erase(0, 1);
  const size_t e = s.find('e');
  const int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  for (size_t i = 0; i < e; ++i)
    if (s[i] != '.') digits += s[i];
  std::string out;
  if (exp >= -4 && exp < 16) {  // Python: fixed notation for 1e-4 <= |v| < 1e16
    if (exp >= 0) {
      if (digits.size() < static_cast<size_t>(exp + 1)) digits.append(exp + 1 - digits.size(), '0');
      std::string frac = digits.substr(exp + 1);
      out = digits.substr(0, exp + 1) + "." + (frac.empty() ? "0" : frac);
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[8];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    out += eb;
  }
  return neg ? "-" + out : out;
}

std::string repr_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e16) return std::to_string(static_cast<int64_t>(v));
  return repr_float(v);
}

namespace {
// PyTorch's _get_softmax_dim for dim=None.
int64_t softmax_dim(std::optional<int64_t> dim, const Tensor& x) {
  if (dim) return *dim;
  const int64_t nd = x.dim();
  return (nd == 0 || nd == 1 || nd == 3) ? 0 : 1;
}
std::string dim_repr(std::optional<int64_t> dim) { return "dim=" + (dim ? std::to_string(*dim) : std::string("None")); }
}  // namespace

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + repr_float(negative_slope); }
Tensor ELU::forward(const Tensor& x) { return elu(x, alpha); }
std::string ELU::extra_repr() const { return "alpha=" + repr_float(alpha); }
Tensor GELU::forward(const Tensor& x) { return gelu(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Softplus::forward(const Tensor& x) { return softplus(x, beta, threshold); }
std::string Softplus::extra_repr() const {
  return "beta=" + repr_number(beta) + ", threshold=" + repr_number(threshold);
}
Tensor Softmax::forward(const Tensor& x) { return softmax(x, softmax_dim(dim, x)); }
std::string Softmax::extra_repr() const { return dim_repr(dim); }
Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, softmax_dim(dim, x)); }
std::string LogSoftmax::extra_repr() const { return dim_repr(dim); }

}  // namespace ember::nn

// nn.Dropout and nn.Dropout2d: the functional forms with the module's training flag.
#include "ember/nn/layers/dropout.h"

#include "ember/nn/functional/dropout.h"
#include "ember/nn/layers/activation.h"

namespace ember::nn {

namespace {
void check_p(const char* who, double p) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, who, ": dropout probability has to be between 0 and 1, but got ", p);
}
}  // namespace

Dropout::Dropout(double p_) : Module("Dropout"), p(p_) { check_p("Dropout", p); }
Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p, is_training()); }
std::string Dropout::extra_repr() const { return "p=" + repr_float(p) + ", inplace=False"; }

Dropout2d::Dropout2d(double p_) : Module("Dropout2d"), p(p_) { check_p("Dropout2d", p); }
Tensor Dropout2d::forward(const Tensor& x) { return functional::dropout2d(x, p, is_training()); }
std::string Dropout2d::extra_repr() const { return "p=" + repr_float(p) + ", inplace=False"; }

}  // namespace ember::nn

// nn.Linear, nn.Identity, nn.Flatten, nn.Unflatten.
#include "ember/nn/layers/linear.h"

#include <sstream>

#include "ember/nn/functional.h"
#include "ember/tensor/factory.h"
#include "nn/layers/default_init.h"

namespace ember::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias) : Module("Linear"), in_features(in), out_features(out) {
  EMBER_CHECK(in >= 0 && out >= 0, "Linear: in_features and out_features must be non-negative, got ", in, " and ",
              out);
  weight = register_parameter("weight", empty({out, in}));
  bias = register_parameter("bias", with_bias ? empty({out}) : Tensor());
  reset_parameters();
}

void Linear::reset_parameters() { detail::reset_weight_and_bias(weight, bias); }

Tensor Linear::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features << ", out_features=" << out_features
     << ", bias=" << (bias.defined() ? "True" : "False");
  return os.str();
}

Flatten::Flatten(int64_t start, int64_t end) : Module("Flatten"), start_dim(start), end_dim(end) {}

Tensor Flatten::forward(const Tensor& x) { return x.flatten(start_dim, end_dim); }

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

Unflatten::Unflatten(int64_t d, Shape s) : Module("Unflatten"), dim(d), sizes(std::move(s)) {
  EMBER_CHECK(!sizes.empty(), "Unflatten: unflattened_size must be non-empty");
}

Tensor Unflatten::forward(const Tensor& x) { return x.unflatten(dim, sizes); }

std::string Unflatten::extra_repr() const {
  std::ostringstream os;
  os << "dim=" << dim << ", unflattened_size=(";
  for (size_t i = 0; i < sizes.size(); ++i) os << (i ? ", " : "") << sizes[i];
  os << (sizes.size() == 1 ? ",)" : ")");
  return os.str();
}

}  // namespace ember::nn

// nn.LayerNorm and nn.GroupNorm.
#include "ember/nn/layers/normalization.h"

#include <sstream>

#include "ember/nn/functional/normalization.h"
#include "ember/nn/init.h"
#include "ember/nn/layers/activation.h"
#include "ember/tensor/factory.h"
#include "nn/layers/repr_util.h"

namespace ember::nn {

LayerNorm::LayerNorm(Shape shape, double e, bool a)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), eps(e), elementwise_affine(a) {
  EMBER_CHECK(!normalized_shape.empty(), "LayerNorm: normalized_shape must have at least one dimension");
  for (auto d : normalized_shape)
    EMBER_CHECK(d >= 0, "LayerNorm: normalized_shape ", shape_str(normalized_shape), " has a negative size");
  weight = register_parameter("weight", a ? empty(normalized_shape) : Tensor());
  bias = register_parameter("bias", a ? empty(normalized_shape) : Tensor());
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (!elementwise_affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& x) { return functional::layer_norm(x, normalized_shape, weight, bias, eps); }

std::string LayerNorm::extra_repr() const {
  return detail::tuple_str(normalized_shape) + ", eps=" + repr_float(eps) +
         ", elementwise_affine=" + detail::py_bool(elementwise_affine);
}

GroupNorm::GroupNorm(int64_t g, int64_t c, double e, bool a)
    : Module("GroupNorm"), num_groups(g), num_channels(c), eps(e), affine(a) {
  EMBER_CHECK(g > 0 && c % g == 0, "GroupNorm: num_channels (", c, ") must be divisible by num_groups (", g, ")");
  weight = register_parameter("weight", a ? empty({c}) : Tensor());
  bias = register_parameter("bias", a ? empty({c}) : Tensor());
  reset_parameters();
}

void GroupNorm::reset_parameters() {
  if (!affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor GroupNorm::forward(const Tensor& x) {
  EMBER_CHECK(x.dim() >= 2 && x.size(1) == num_channels, "GroupNorm: expected an input (N, ", num_channels,
              ", *), got ", shape_str(x.sizes()));
  return functional::group_norm(x, num_groups, weight, bias, eps);
}

std::string GroupNorm::extra_repr() const {
  std::ostringstream os;
  os << num_groups << ", " << num_channels << ", eps=" << repr_float(eps) << ", affine=" << detail::py_bool(affine);
  return os.str();
}

}  // namespace ember::nn

#pragma once
// torch.nn.functional activations: the same functions as ember::relu, ember::softmax, ...
// made visible as F::relu etc. (namespace F = ember::nn::functional).
#include "ember/tensor/ops.h"

namespace ember::nn::functional {

using ember::elu;
using ember::gelu;
using ember::leaky_relu;
using ember::log_softmax;
using ember::relu;
using ember::sigmoid;
using ember::softmax;
using ember::softplus;
using ember::tanh;

}  // namespace ember::nn::functional

#pragma once
// torch.nn.functional: the stateless forms of the layers.
#include "ember/nn/functional/activation.h"
#include "ember/nn/functional/batchnorm.h"
#include "ember/nn/functional/conv.h"
#include "ember/nn/functional/dropout.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/functional/normalization.h"
#include "ember/nn/functional/pooling.h"
#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// x:(*, in) weight:(out, in) bias:(out) -> (*, out)
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace ember::nn::functional

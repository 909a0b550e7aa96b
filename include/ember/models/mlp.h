#pragma once
// The `mlp` model: a multilayer perceptron for Fashion-MNIST. PyTorch equivalent (state_dict keys
// 1.weight, 1.bias, 3.weight, 3.bias, 5.weight, 5.bias):
//
//   nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
//                 nn.Linear(128, 10))
//
// x:(N,1,28,28) -> logits (N,10).
#include <memory>

#include "ember/nn/layers/container.h"

namespace ember::models {

std::shared_ptr<nn::Sequential> mlp();

}  // namespace ember::models

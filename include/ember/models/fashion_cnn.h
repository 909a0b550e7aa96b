#pragma once
// The `fashion_cnn` model: a small CNN for Fashion-MNIST. PyTorch equivalent (state_dict keys
// 0.* conv, 1.* batch norm, 4.* conv, 5.* batch norm, 9.* and 12.* linear):
//
//   nn.Sequential(
//       nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
//       nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
//       nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(dropout_rate), nn.Linear(128, 10))
//
// x:(N,1,28,28) -> (N,32,14,14) -> (N,64,7,7) -> logits (N,10).
#include <memory>

#include "ember/nn/layers/container.h"

namespace ember::models {

std::shared_ptr<nn::Sequential> fashion_cnn(double dropout_rate = 0.5);

}  // namespace ember::models

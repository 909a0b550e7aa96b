// mlp: Flatten, Linear(784,256), ReLU, Linear(256,128), ReLU, Linear(128,10).
#include "ember/models/mlp.h"

#include "ember/nn/layers/activation.h"
#include "ember/nn/layers/linear.h"

namespace ember::models {

std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Flatten>(),           // (N,1,28,28) -> (N,784)
      std::make_shared<nn::Linear>(784, 256), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(256, 128), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 10)});   // -> logits (N,10)
}

}  // namespace ember::models

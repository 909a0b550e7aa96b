// fashion_cnn: two conv-batchnorm-relu-maxpool blocks, then Linear(3136,128), ReLU, Dropout, Linear(128,10).
#include "ember/models/fashion_cnn.h"

#include "ember/nn/layers/activation.h"
#include "ember/nn/layers/batchnorm.h"
#include "ember/nn/layers/conv.h"
#include "ember/nn/layers/dropout.h"
#include "ember/nn/layers/linear.h"
#include "ember/nn/layers/pooling.h"

namespace ember::models {

std::shared_ptr<nn::Sequential> fashion_cnn(double dropout_rate) {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(1, 32, 3, 1, 1),   // 0: (N,1,28,28) -> (N,32,28,28)
      std::make_shared<nn::BatchNorm2d>(32),          // 1
      std::make_shared<nn::ReLU>(),                   // 2
      std::make_shared<nn::MaxPool2d>(2),             // 3: -> (N,32,14,14)
      std::make_shared<nn::Conv2d>(32, 64, 3, 1, 1),  // 4: -> (N,64,14,14)
      std::make_shared<nn::BatchNorm2d>(64),          // 5
      std::make_shared<nn::ReLU>(),                   // 6
      std::make_shared<nn::MaxPool2d>(2),             // 7: -> (N,64,7,7)
      std::make_shared<nn::Flatten>(),                // 8: -> (N,3136)
      std::make_shared<nn::Linear>(3136, 128),        // 9
      std::make_shared<nn::ReLU>(),                   // 10
      std::make_shared<nn::Dropout>(dropout_rate),    // 11
      std::make_shared<nn::Linear>(128, 10)});        // 12: -> logits (N,10)
}

}  // namespace ember::models

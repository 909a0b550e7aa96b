// signs_cnn: the CS230 vision net.
#include "ember/models/signs_cnn.h"

#include "ember/nn/functional/dropout.h"
#include "ember/nn/functional/pooling.h"

namespace ember::models {

namespace F = nn::functional;

SignsCnn::SignsCnn(int64_t c, double dropout_rate, int64_t num_classes)
    : Module("SignsCnn"), num_channels(c), dropout_rate(dropout_rate) {
  conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(3, c, 3, 1, 1));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(c));
  conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(c, 2 * c, 3, 1, 1));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(2 * c));
  conv3 = register_module("conv3", std::make_shared<nn::Conv2d>(2 * c, 4 * c, 3, 1, 1));
  bn3 = register_module("bn3", std::make_shared<nn::BatchNorm2d>(4 * c));
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(8 * 8 * 4 * c, 4 * c));
  fcbn1 = register_module("fcbn1", std::make_shared<nn::BatchNorm1d>(4 * c));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(4 * c, num_classes));
}

Tensor SignsCnn::forward(const Tensor& x) {
  EMBER_CHECK(x.dim() == 4 && x.size(1) == 3 && x.size(2) == 64 && x.size(3) == 64,
              "SignsCnn: expected images (N,3,64,64), got ", shape_str(x.sizes()));
  Tensor s = F::max_pool2d(bn1->forward(conv1->forward(x)), 2).relu();  // (N,c,32,32)
  s = F::max_pool2d(bn2->forward(conv2->forward(s)), 2).relu();         // (N,2c,16,16)
  s = F::max_pool2d(bn3->forward(conv3->forward(s)), 2).relu();         // (N,4c,8,8)
  s = s.reshape({-1, 8 * 8 * 4 * num_channels});                        // (N,256c)
  s = F::dropout(fcbn1->forward(fc1->forward(s)).relu(), dropout_rate, is_training());
  return fc2->forward(s).log_softmax(1);                                // (N,num_classes)
}

}  // namespace ember::models

// autoencoder: 784-128-64-dim encoder, mirrored decoder ending in tanh.
#include "ember/models/autoencoder.h"

#include "ember/nn/layers/activation.h"
#include "ember/nn/layers/linear.h"

namespace ember::models {

Autoencoder::Autoencoder(int64_t dim, int64_t input_shape) : Module("Autoencoder") {
  using M = std::shared_ptr<nn::Module>;
  encoder = register_module("encoder", std::make_shared<nn::Sequential>(std::initializer_list<M>{
      std::make_shared<nn::Linear>(input_shape, 128), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 64), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(64, dim)}));
  decoder = register_module("decoder", std::make_shared<nn::Sequential>(std::initializer_list<M>{
      std::make_shared<nn::Linear>(dim, 64), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(64, 128), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, input_shape), std::make_shared<nn::Tanh>()}));
}

Tensor Autoencoder::encode(const Tensor& x) { return encoder->forward(x.dim() > 2 ? x.flatten(1) : x); }

Tensor Autoencoder::forward(const Tensor& x) { return decoder->forward(encode(x)); }

}  // namespace ember::models

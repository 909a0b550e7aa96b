#pragma once
// The `autoencoder` model: the MNIST autoencoder of the "PyTorch from first principles" notes
// (version 2, with nn.Sequential). PyTorch equivalent (state_dict keys encoder.0/2/4.*, decoder.0/2/4.*):
//
//   class autoencoder(nn.Module):
//       def __init__(self, dim=32, input_shape=784):
//           self.encoder = nn.Sequential(nn.Linear(input_shape, 128), nn.ReLU(True), nn.Linear(128, 64),
//                                        nn.ReLU(True), nn.Linear(64, dim))
//           self.decoder = nn.Sequential(nn.Linear(dim, 64), nn.ReLU(True), nn.Linear(64, 128),
//                                        nn.ReLU(True), nn.Linear(128, input_shape), nn.Tanh())
//       def forward(self, x):                    # x:(N,784), pixels scaled to [-1,1]
//           return self.decoder(self.encoder(x)) # (N,784) in (-1,1)
#include <memory>

#include "ember/nn/layers/container.h"

namespace ember::models {

class Autoencoder : public nn::Module {
 public:
  explicit Autoencoder(int64_t embedding_dim = 32, int64_t input_shape = 784);
  Tensor forward(const Tensor& x) override;  // (N,784) or (N,1,28,28) -> (N,784)
  Tensor encode(const Tensor& x);            // -> (N, embedding_dim)
  std::shared_ptr<nn::Sequential> encoder, decoder;
};

}  // namespace ember::models

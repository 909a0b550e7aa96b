// Appendix B of "PyTorch from first principles": a fully connected autoencoder that squeezes 28x28
// images through a 32-number code and back, here on Fashion-MNIST. It trains for a few hundred
// steps and saves the test images next to their reconstructions with io::save_image.
//
//   ./autoencoder [out_dir] [data_dir]    data_dir defaults to /usr/share/datasets/fashion-mnist
//
// Writes out_dir/reconstructions.png (top row: inputs, bottom row: reconstructions). Exits 77
// (skipped) when the dataset is missing and 1 if the reconstructions are not
// clearly better than the mean image.
// ember::models::Autoencoder is the tutorial's "version 2" (nn::Sequential); this is version 1.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <ember/ember.h>

using namespace ember;
namespace F = ember::nn::functional;

// "Define Neural Network — version 1": the encoder's three Linear layers, the decoder mirroring them.
class Autoencoder : public nn::Module {
 public:
  Autoencoder(int64_t dim, int64_t input_shape) : Module("autoencoder") {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(input_shape, 128));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(128, 64));
    fc3 = register_module("fc3", std::make_shared<nn::Linear>(64, dim));
    fc6 = register_module("fc6", std::make_shared<nn::Linear>(dim, 64));
    fc7 = register_module("fc7", std::make_shared<nn::Linear>(64, 128));
    fc8 = register_module("fc8", std::make_shared<nn::Linear>(128, input_shape));
  }
  // x:(N,784) in [-1,1] -> (N,784) in (-1,1)
  Tensor forward(const Tensor& x) override {
    Tensor code = F::relu(fc3->forward(F::relu(fc2->forward(F::relu(fc1->forward(x))))));  // (N,dim)
    Tensor h = F::relu(fc7->forward(F::relu(fc6->forward(code))));                         // (N,128)
    return F::tanh(fc8->forward(h));  // output layer, scaled to (-1,1) like the inputs
  }
  std::shared_ptr<nn::Linear> fc1, fc2, fc3, fc6, fc7, fc8;
};

// The tutorial's to_img: de-normalise (N,784) from [-1,1] to images (N,1,28,28) in [0,1].
Tensor to_img(const Tensor& x) { return (0.5 * (x + 1.0)).clamp(0.0, 1.0).view({x.size(0), 1, 28, 28}); }

// Mean reconstruction loss over the loader, without gradients, in EVAL mode.
double validation(nn::Module& model, nn::MSELoss& criterion, data::DataLoader<>& loader) {
  NoGradGuard no_grad;
  model.eval();
  double sum = 0;
  int64_t batches = 0;
  for (auto& batch : loader) {
    Tensor features = batch.data.view({-1, 784});  // (N,1,28,28) -> (N,784)
    sum += criterion(model(features), features).item<double>(), ++batches;
  }
  return sum / static_cast<double>(batches);
}

int run(const std::string& out_dir, const std::string& data_dir) {
  std::filesystem::create_directories(out_dir);
  const int64_t embedding_dim = 32;  // compression by a factor 24.5 of the 784 pixels
  const int steps = 300;

  // ---- Get the data: pixels normalised to [-1,1] (mean 0.5, std 0.5), labels unused ---------
  manual_seed(0);
  const data::MNIST::Options norm{.mean = {0.5}, .std = {0.5}};
  auto train_dataset = std::make_shared<data::MNIST>(data_dir, data::MNIST::Train, norm);  // 60,000
  auto test_dataset = std::make_shared<data::MNIST>(data_dir, data::MNIST::Test, norm);    // 10,000
  data::DataLoader<> train_loader(train_dataset, {.batch_size = 128, .shuffle = true, .num_workers = 1});
  data::DataLoader<> test_loader(test_dataset, {.batch_size = 1000});

  // ---- Model, Adam(lr=1e-3) and the mean squared reconstruction error ---------------------------
  auto model = std::make_shared<Autoencoder>(embedding_dim, 28 * 28);
  optim::Adam optimizer(model->parameters(), {.lr = 1e-3});
  nn::MSELoss criterion;
  std::cout << *model << "\n";
  const double val_before = validation(*model, criterion, test_loader);

  // ---- Train: a few hundred steps instead of the tutorial's 20 epochs ---------------------------
  int step = 0;
  while (step < steps) {
    for (auto& batch : train_loader) {  // batch.data:(128,1,28,28); the labels are not needed
      model->train();
      Tensor batch_features = batch.data.view({-1, 784});    // flatten to (128,784)
      Tensor outputs = (*model)(batch_features);             // reconstruct, (128,784)
      Tensor train_loss = criterion(outputs, batch_features);  // against the input itself
      optimizer.zero_grad();
      train_loss.backward();
      optimizer.step();
      if (++step % 100 == 0) std::printf("step %d  train_loss %.5f\n", step, train_loss.item<double>());
      if (step == steps) break;
    }
  }
  const double val_after = validation(*model, criterion, test_loader);
  std::printf("val_loss %.5f -> %.5f\n", val_before, val_after);

  // ---- Plot images: the first 10 test images over their reconstructions ------------------------
  NoGradGuard no_grad;
  model->eval();
  std::vector<Tensor> first;
  for (int64_t i = 0; i < 10; ++i) first.push_back(test_dataset->get(i).data.view({784}));
  Tensor images = stack(first);       // (10,784)
  Tensor output = (*model)(images);   // (10,784)
  const std::string path = out_dir + "/reconstructions.png";
  io::save_image(cat({to_img(images), to_img(output)}), path, /*nrow=*/10);  // (20,1,28,28) -> 2 rows
  std::printf("wrote %s\n", path.c_str());

  // Predicting the training set's mean image for every input scores 0.347 on the test set (numpy);
  // a 32-number code that carries each garment's shape must do at least twice as well.
  if (!(val_after < 0.17)) {
    std::fprintf(stderr, "FAIL: validation loss %.4f is not below 0.17 (half the mean image's)\n", val_after);
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  const std::string out_dir = argc > 1 ? argv[1] : ".";
  const std::string data_dir = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(data_dir)) {
    std::fprintf(stderr, "no Fashion-MNIST in %s (apt-get install dataset-fashion-mnist): skipped\n", data_dir.c_str());
    return 77;
  }
  try {
    return run(out_dir, data_dir);
  } catch (const Error& e) {  // a bad data_dir, a file that cannot be written, ...
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

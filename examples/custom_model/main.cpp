// The CS230 "edit model/net.py" step in C++: define a Module, register it under a name, and run
// the toolkit's command line with it. params.json's "model": "two_layer_net" then picks it:
//
//   custom_model models                                   # lists two_layer_net next to the built-ins
//   custom_model train --data_dir DIR --model_dir experiment
//   custom_model evaluate --data_dir DIR --model_dir experiment
//   custom_model search --parent_dir experiment --data_dir DIR --jobs 2   # children run this program
#include <ember/ember.h>
#include <ember/train/cli.h>
#include <ember/train/registry.h>

using namespace ember;

// The TwoLayerNet of the CS230 PyTorch introduction, for 28x28 Fashion-MNIST images.
class TwoLayerNet : public nn::Module {
 public:
  TwoLayerNet(int64_t d_in, int64_t hidden, int64_t d_out) : Module("TwoLayerNet") {
    linear1 = register_module("linear1", std::make_shared<nn::Linear>(d_in, hidden));
    linear2 = register_module("linear2", std::make_shared<nn::Linear>(hidden, d_out));
  }
  // x:(N,1,28,28) -> logits (N,10)
  Tensor forward(const Tensor& x) override { return linear2->forward(linear1->forward(x.flatten(1)).relu()); }

  std::shared_ptr<nn::Linear> linear1, linear2;
};

int main(int argc, char** argv) {
  train::register_model({
      .name = "two_layer_net",
      .description = "Flatten, Linear(784,hidden), ReLU, Linear(hidden,10) (an example of a user model)",
      .task = "fashion_mnist",  // Fashion-MNIST IDX files: images (N,1,28,28), 10 classes, cross-entropy
      .params = {train::int_param("hidden", 100, "hidden units", 1)},  // a params.json key of its own
      .make = [](const train::Params& p) { return std::make_shared<TwoLayerNet>(784, p.get_int("hidden"), 10); },
  });
  return train::run_cli(argc, argv);
}

#pragma once
// The model registry: params.json's "model" names an entry, whose factory builds the module
// from the params (CS230's model/net.py, in C++). The built-in models (mlp, fashion_cnn,
// signs_cnn, ner_lstm, autoencoder) are registered on first use; a program adds its own and
// runs the toolkit's command line with them:
//
//   int main(int argc, char** argv) {
//     ember::train::register_model({
//         .name = "tiny_mlp",
//         .description = "Flatten, Linear(784,hidden), ReLU, Linear(hidden,10)",
//         .task = "fashion_mnist",
//         .params = {ember::train::int_param("hidden", 64, "hidden units", 1)},
//         .make = [](const ember::train::Params& p) { return std::make_shared<TinyMlp>(p.get_int("hidden")); }});
//     return ember::train::run_cli(argc, argv);   // ember train / evaluate / search / ...
//   }
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/train/params.h"

namespace ember::nn {
class Module;
}

namespace ember::train {

struct ModelInfo {
  std::string name;
  std::string description;  // one line, shown by `ember models`
  // What it learns from, which fixes the data, the loss and the metrics (`ember models` lists
  // the tasks): "fashion_mnist" (images (N,1,28,28) -> 10 logits), "signs" (JPEG folder,
  // (N,3,64,64) -> log-probabilities), "ner" (token ids (N,T) -> (N*T, tags) log-probabilities),
  // "fashion_mnist_autoencoder" (images (N,784) -> (N,784) in [-1,1]).
  std::string task = "fashion_mnist";
  std::vector<ParamSpec> params;  // keys of its own, on top of Params::common_specs()
  std::function<std::shared_ptr<nn::Module>(const Params&)> make;
};

// Adds a model. ember::Error if the name is empty or taken, or a key of its own repeats a
// common key.
void register_model(ModelInfo info);
// The entry named `name`; ember::Error listing the registered names otherwise.
const ModelInfo& find_model(const std::string& name);
bool has_model(const std::string& name);
std::vector<std::string> model_names();  // sorted

// Params::common_specs() followed by the model's own keys.
std::vector<ParamSpec> schema_for(const std::string& model);
// Params::load with the registry's schemas.
Params load_params(const std::string& path);
// Builds the model a params names, seeding ember's generator with params.seed first.
std::shared_ptr<nn::Module> make_model(const Params& params);

}  // namespace ember::train

// The built-in models are their PyTorch equivalents (docs/models.md): tests/e2e/pytorch_models.py
// builds each one in PyTorch, and a state_dict saved there must load here unchanged (same keys in
// the same order, strict) and give the same eval-mode output on the same input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <ember/ember.h>
#include <ember/train/metrics_file.h>
#include <ember/train/registry.h>
#include <ember/train/trainer.h>

#include "support/testing.h"
#include "test_cli_util.h"

namespace fs = std::filesystem;
using namespace ember;
using namespace ember::train;

namespace {

bool have_torch() {
  static const bool have = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  return have;
}

// tests/e2e/pytorch_models.py. __FILE__ is relative to the build directory when Ninja compiles
// with relative paths (the build directory is this executable's grandparent).
fs::path script_path() {
  fs::path here(__FILE__);
  if (here.is_relative()) here = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / here;
  return fs::weakly_canonical(here).parent_path() / "e2e" / "pytorch_models.py";
}

class PyTorchModels : public ::testing::Test {
 protected:
  // The PyTorch side runs once for the whole suite (importing torch takes seconds).
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("ember_pytorch_models_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    if (!have_torch()) return;
    ember::testing::write_dataset(dir_ / "data", "train", 100, 1);
    ember::testing::write_dataset(dir_ / "data", "t10k", 300, 2);
    const std::string cmd =
        "/usr/bin/python3 " + script_path().string() + " " + dir_.string() + " " + (dir_ / "data").string();
    generated_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override {
    if (!have_torch()) GTEST_SKIP() << "PyTorch (python3-torch) is not installed";
    ASSERT_TRUE(generated_) << script_path() << " failed";
  }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }
  static std::string read(const std::string& name) { return ember::testing::read_file(dir_ / name); }

  // Builds `model` with `params_json`, loads PyTorch's state_dict, compares keys and outputs.
  void check(const std::string& name, const std::string& params_json, double atol = 1e-5) {
    SCOPED_TRACE(name);
    Params p = Params::parse(params_json, name, schema_for);
    std::shared_ptr<nn::Module> model = make_model(p);
    std::vector<std::string> keys;
    for (const auto& kv : model->state_dict()) keys.push_back(kv.first);
    std::istringstream expected(read(name + "_keys.txt"));
    std::vector<std::string> torch_keys;
    for (std::string k; std::getline(expected, k);) torch_keys.push_back(k);
    EXPECT_EQ(keys, torch_keys);

    ember::load(*model, path(name + ".safetensors"));  // strict: every key, shape and dtype
    io::SafetensorsFile io_file = io::load_safetensors(path(name + "_io.safetensors"));
    model->eval();
    NoGradGuard no_grad;
    Tensor out = model->forward(io_file.tensors.at("input"));
    EXPECT_TENSOR_CLOSE(out, io_file.tensors.at("output"), atol, 1e-4);
  }

  static fs::path dir_;
  static bool generated_;
};

fs::path PyTorchModels::dir_;
bool PyTorchModels::generated_ = false;

}  // namespace

// One test for the five models: CTest runs each test in its own process, and each process runs
// the PyTorch side once.
TEST_F(PyTorchModels, StateDictsLoadUnchangedAndOutputsMatch) {
  check("mlp", R"({"model": "mlp"})");
  check("fashion_cnn", R"({"model": "fashion_cnn", "dropout_rate": 0.5})");
  check("signs_cnn", R"({"model": "signs_cnn", "num_channels": 4, "num_classes": 10})");
  check("ner_lstm",
        R"({"model": "ner_lstm", "vocab_size": 20, "embedding_dim": 8, "lstm_hidden_dim": 6, "number_of_tags": 5})");
  check("autoencoder", R"({"model": "autoencoder", "embedding_dim": 32})");
}

// `ember evaluate --restore_file weights.safetensors` with PyTorch's weights gives PyTorch's
// test loss and accuracy (PyTorch evaluated the same weights on the same IDX files).
TEST_F(PyTorchModels, EvaluateWithPyTorchWeights) {
  for (const std::string name : {"mlp", "fashion_cnn"}) {
    SCOPED_TRACE(name);
    const fs::path exp = dir_ / ("exp_" + name);
    ember::testing::write_file(exp / "params.json", "{\"model\": \"" + name + "\", \"batch_size\": 64}");
    train::Metrics m = train::evaluate({(dir_ / "data").string(), exp.string(), path(name + ".safetensors")});
    train::Metrics torch_m = train::load_metrics(path(name + "_test.json"));
    EXPECT_NEAR(train::metric_value(m, "loss"), train::metric_value(torch_m, "loss"), 1e-5);
    EXPECT_DOUBLE_EQ(train::metric_value(m, "accuracy"), train::metric_value(torch_m, "accuracy"));
    EXPECT_TRUE(fs::exists(exp / ("metrics_test_" + name + ".json")));
  }
}

TEST_F(PyTorchModels, WrongArchitectureIsAClearError) {
  Params p = Params::parse(R"({"model": "signs_cnn", "num_channels": 8})", "p", schema_for);
  std::shared_ptr<nn::Module> model = make_model(p);
  Tensor before = model->state_dict().front().second.clone();
  std::string msg = ember::testing::error_of([&] { ember::load(*model, path("signs_cnn.safetensors")); });
  EXPECT_HAS(msg, "signs_cnn.safetensors");
  EXPECT_HAS(msg, "conv1.weight");
  EXPECT_TRUE(model->state_dict().front().second.equal(before));  // nothing loaded
}

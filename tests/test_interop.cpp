// State_dicts cross between ember and PyTorch both ways as safetensors, with no renaming: ember
// writes an MLP (Linear layers) and a CNN (Conv2d, BatchNorm2d with its running statistics,
// MaxPool2d, Linear), PyTorch (tests/interop/torch_interop.py, run with /usr/bin/python3) loads
// them strictly and computes the same outputs; PyTorch writes its own, ember loads them strictly
// and computes PyTorch's outputs. PyTorch also reads the model out of an ember training checkpoint.
//
// Needs /usr/bin/python3 with torch (Debian: python3-torch); EMBER_PYTHON overrides the
// interpreter. Without it the test FAILS, naming what is missing, unless EMBER_ALLOW_NO_TORCH=1.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;
namespace fs = std::filesystem;

namespace {

// The models of torch_interop.py, layer for layer (so the state_dict keys are the same).
std::shared_ptr<nn::Sequential> mlp() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(6, 16), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(16, 8),
      std::make_shared<nn::Tanh>(), std::make_shared<nn::Linear>(8, 3)});
}

std::shared_ptr<nn::Sequential> cnn() {
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Conv2d>(2, 4, 3, 1, 1), std::make_shared<nn::BatchNorm2d>(4), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(4 * 4 * 4, 5)});
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string python() {
  const char* e = std::getenv("EMBER_PYTHON");
  return e && *e ? e : "/usr/bin/python3";
}

// Empty when python3 with torch is usable, else why not.
std::string torch_problem() {
  const std::string py = python();
  if (::access(py.c_str(), X_OK) != 0) return py + " does not exist or is not executable";
  CommandResult r = run_command(py + " -c 'import torch; print(torch.__version__)'");
  if (r.status != 0) return py + " cannot import torch:\n" + r.output;
  return "";
}

}  // namespace

TEST(Interop, StateDictsCrossBetweenEmberAndPyTorch) {
  if (std::string why = torch_problem(); !why.empty()) {
    const char* allow = std::getenv("EMBER_ALLOW_NO_TORCH");
    if (allow && std::string(allow) == "1") GTEST_SKIP() << "PyTorch unavailable (EMBER_ALLOW_NO_TORCH=1): " << why;
    FAIL() << "This test needs PyTorch to prove that checkpoints cross between ember and PyTorch, but " << why
           << "\nInstall it (Debian: apt-get install python3-torch), point EMBER_PYTHON at an interpreter that has "
              "it, or set EMBER_ALLOW_NO_TORCH=1 to skip this test.";
  }
  const fs::path script = fs::path(EMBER_TESTS_DIR) / "interop" / "torch_interop.py";
  ASSERT_TRUE(fs::exists(script)) << script;
  const fs::path dir = fs::temp_directory_path() / ("ember_interop_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto at = [&](const char* name) { return (dir / name).string(); };

  // ember's models: seeded init; the CNN's batch norm sees 3 training batches so its running
  // statistics and num_batches_tracked are not the defaults.
  manual_seed(42);
  auto m = mlp();
  auto c = cnn();
  for (int i = 0; i < 3; ++i) {
    NoGradGuard g;
    c->forward(randn({5, 2, 8, 8}) * 2.0f + 0.5f);
  }
  m->eval();
  c->eval();
  Tensor x_mlp = randn({4, 6}), x_cnn = randn({3, 2, 8, 8});
  io::save_safetensors(at("inputs.safetensors"), {{"x_mlp", x_mlp}, {"x_cnn", x_cnn}});
  save(*m, at("ember_mlp.safetensors"));
  save(*c, at("ember_cnn.safetensors"));
  optim::Adam opt(m->parameters(), {.lr = 0.01});
  Checkpoint ckpt(*m, &opt);
  ckpt.save(at("ember_ckpt.safetensors"));
  Tensor y_mlp, y_cnn;
  {
    NoGradGuard g;
    y_mlp = m->forward(x_mlp);
    y_cnn = c->forward(x_cnn);
  }

  CommandResult r = run_command(python() + " '" + script.string() + "' '" + dir.string() + "'");
  ASSERT_EQ(r.status, 0) << "torch_interop.py failed:\n" << r.output;

  // ember -> PyTorch: PyTorch's outputs with ember's weights are ember's outputs.
  io::SafetensorsFile from_ember = io::load_safetensors(at("torch_from_ember.safetensors"));
  EXPECT_TENSOR_CLOSE(from_ember.tensors.at("out_mlp"), y_mlp, 1e-5, 1e-4);
  EXPECT_TENSOR_CLOSE(from_ember.tensors.at("out_cnn"), y_cnn, 1e-5, 1e-4);
  EXPECT_TENSOR_CLOSE(from_ember.tensors.at("out_ckpt"), y_mlp, 1e-5, 1e-4);

  // PyTorch -> ember: strict loads into fresh ember models give PyTorch's outputs.
  manual_seed(7);
  auto m2 = mlp();
  auto c2 = cnn();
  load(*m2, at("torch_mlp.safetensors"));
  load(*c2, at("torch_cnn.safetensors"));
  m2->eval();
  c2->eval();
  io::SafetensorsFile torch_out = io::load_safetensors(at("torch_outputs.safetensors"));
  {
    NoGradGuard g;
    EXPECT_TENSOR_CLOSE(m2->forward(x_mlp), torch_out.tensors.at("out_mlp"), 1e-5, 1e-4);
    EXPECT_TENSOR_CLOSE(c2->forward(x_cnn), torch_out.tensors.at("out_cnn"), 1e-5, 1e-4);
  }
  // The batch-norm buffers came across too (PyTorch ran 3 training batches).
  io::SafetensorsFile torch_cnn = io::load_safetensors(at("torch_cnn.safetensors"));
  std::map<std::string, Tensor> sd2;
  for (auto& [k, t] : c2->state_dict()) sd2[k] = t;
  EXPECT_EQ(sd2.at("1.num_batches_tracked").item<int64_t>(), 3);
  EXPECT_TRUE(sd2.at("1.running_var").equal(torch_cnn.tensors.at("1.running_var")));
  EXPECT_EQ(sd2.size(), torch_cnn.tensors.size());
  fs::remove_all(dir);
}

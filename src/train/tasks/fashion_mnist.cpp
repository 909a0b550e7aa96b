// The Fashion-MNIST tasks: classification (fashion_mnist) and reconstruction (fashion_mnist_autoencoder).
#include <cstdio>
#include <filesystem>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/data/datasets/mnist.h"
#include "ember/io/image_grid.h"
#include "ember/io/tensorboard.h"
#include "ember/nn/functional/loss.h"
#include "ember/nn/module.h"
#include "ember/tensor/ops.h"
#include "train/tasks/builtin_tasks.h"
#include "train/tasks/task_util.h"

namespace fs = std::filesystem;

namespace ember::train::detail {

namespace {

// Seed of the validation hold-out: fixed, so every trial of a search validates on the same images.
constexpr uint64_t kValSplitSeed = 230;

// The three splits of Fashion-MNIST from its IDX files, pixels x/255 normalised with (mean, std).
class FashionMnistData {
 public:
  FashionMnistData(double mean, double std) : mean_(mean), std_(std) {}

  void load(const std::string& data_dir) {
    check_data_dir(data_dir);
    data_dir_ = data_dir;
    // Fail now, before anything is written, when a file is missing.
    for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                             "t10k-labels-idx1-ubyte"})
      data::MNIST::find_file(data_dir, name);
  }

  std::shared_ptr<const ExampleDataset> dataset(Split split, const Params& params) {
    data::ImageArrayDataset::Options opt;
    opt.mean = {mean_};
    opt.std = {std_};
    if (split == Split::Test) {
      auto test = std::make_shared<data::MNIST>(data_dir_, data::MNIST::Test, opt);
      return first_samples(test, params.get_int("max_test_samples"));
    }
    if (!train_) {
      auto full = std::make_shared<data::MNIST>(data_dir_, data::MNIST::Train, opt);
      std::tie(train_, val_) = data::train_val_split(full, params.get_float("val_fraction"), kValSplitSeed);
    }
    return split == Split::Train ? first_samples(train_, params.get_int("max_train_samples"))
                                 : first_samples(val_, params.get_int("max_val_samples"));
  }

 private:
  double mean_, std_;
  std::string data_dir_;
  std::shared_ptr<const ExampleDataset> train_, val_;
};

// Images (N,1,28,28) -> logits (N,10); cross-entropy; accuracy.
class FashionMnistTask : public Task {
 public:
  void load(const std::string& data_dir, Params&) override { data_.load(data_dir); }
  std::shared_ptr<const ExampleDataset> dataset(Split split, const Params& params) override {
    return data_.dataset(split, params);
  }
  Tensor loss(const Tensor& output, const Tensor& target) const override { return nn::functional::cross_entropy(output, target); }
  std::vector<std::string> metric_names() const override { return {"loss", "accuracy"}; }
  void accumulate(MetricSums& sums, const Tensor& output, const Tensor& target, double loss) const override {
    const double n = static_cast<double>(target.size(0));
    sums.add("loss", loss * n, n);
    sums.add("accuracy", static_cast<double>(count_correct(output, target)), n);
  }
  std::vector<std::string> predict(nn::Module& model, const std::vector<std::string>& inputs, int top_k,
                                   const std::string&) const override {
    std::vector<std::string> lines;
    NoGradGuard no_grad;
    for (const std::string& path : inputs) {
      Tensor x = read_image_chw(path, 1, 28, 28);  // (1,28,28) in [0,1]
      x = ((x - data::MNIST::kFashionMean) * (1.0 / data::MNIST::kFashionStd)).unsqueeze(0);
      Tensor probs = softmax(model.forward(x), 1);
      lines.push_back(path + ": " + top_k_text(probs, top_k, data::MNIST::fashion_classes()));
    }
    return lines;
  }

 private:
  FashionMnistData data_{data::MNIST::kFashionMean, data::MNIST::kFashionStd};
};

// Images flattened to (N,784) in [-1,1] -> reconstructions (N,784); MSE; reconstruction grids.
class FashionMnistAutoencoderTask : public Task {
 public:
  void load(const std::string& data_dir, Params&) override { data_.load(data_dir); }
  std::shared_ptr<const ExampleDataset> dataset(Split split, const Params& params) override {
    return data_.dataset(split, params);
  }
  Tensor input(const data::Example& batch) const override { return batch.data.flatten(1); }
  Tensor target(const data::Example& batch) const override { return batch.data.flatten(1); }
  Tensor loss(const Tensor& output, const Tensor& target) const override { return nn::functional::mse_loss(output, target); }
  void accumulate(MetricSums& sums, const Tensor& output, const Tensor& target, double loss) const override {
    const double n = static_cast<double>(target.size(0));
    sums.add("loss", loss * n, n);
  }
  std::string default_metric() const override { return "loss"; }
  std::vector<std::string> metric_names() const override { return {"loss"}; }

  // The first 8 inputs above their reconstructions, as model_dir/reconstructions/epoch_NNN.png
  // and as an image in TensorBoard.
  void after_validation(const Tensor& input, const Tensor& output, const ValidationContext& ctx) const override {
    const int64_t n = std::min<int64_t>(8, input.size(0));
    Tensor pair = cat({input.narrow(0, 0, n), output.narrow(0, 0, n)}, 0).detach();
    Tensor images = to_unit(pair).reshape({2 * n, 1, 28, 28});
    const fs::path dir = fs::path(ctx.model_dir) / "reconstructions";
    fs::create_directories(dir);
    char name[32];
    std::snprintf(name, sizeof(name), "epoch_%03lld.png", static_cast<long long>(ctx.epoch));
    io::save_image(images, (dir / name).string(), n);
    if (ctx.writer) ctx.writer->add_images("reconstructions", images, ctx.epoch);
  }

  std::vector<std::string> predict(nn::Module& model, const std::vector<std::string>& inputs, int,
                                   const std::string& output_dir) const override {
    std::vector<std::string> lines;
    NoGradGuard no_grad;
    fs::create_directories(output_dir);
    for (const std::string& path : inputs) {
      Tensor x = (read_image_chw(path, 1, 28, 28) * 2.0 - 1.0).reshape({1, 784});
      Tensor y = model.forward(x);
      const double mse = (y - x).pow(2).mean().item<double>();
      const std::string out = (fs::path(output_dir) / (fs::path(path).stem().string() + "_reconstruction.png")).string();
      io::save_image(to_unit(cat({x, y}, 0)).reshape({2, 1, 28, 28}), out, 2);
      char buf[64];
      std::snprintf(buf, sizeof(buf), "reconstruction MSE %.6f", mse);
      lines.push_back(path + ": " + buf + " (input and reconstruction: " + out + ")");
    }
    return lines;
  }

 private:
  static Tensor to_unit(const Tensor& x) { return ((x + 1.0) * 0.5).clamp(0.0, 1.0); }  // [-1,1] -> [0,1]
  FashionMnistData data_{0.5, 0.5};  // (x/255 - 0.5) / 0.5 = 2x/255 - 1
};

}  // namespace

std::unique_ptr<Task> make_fashion_mnist_task() { return std::make_unique<FashionMnistTask>(); }
std::unique_ptr<Task> make_fashion_mnist_autoencoder_task() { return std::make_unique<FashionMnistAutoencoderTask>(); }

}  // namespace ember::train::detail

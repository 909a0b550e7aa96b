// The signs task: a CS230 SIGNS folder of JPEGs (64x64 RGB), log-probabilities, NLL, accuracy.
#include <cmath>
#include <filesystem>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/data/datasets/mnist.h"
#include "ember/data/datasets/signs.h"
#include "ember/nn/functional/loss.h"
#include "ember/nn/module.h"
#include "ember/tensor/ops.h"
#include "train/tasks/builtin_tasks.h"
#include "train/tasks/task_util.h"

namespace ember::train::detail {

namespace {

constexpr int64_t kImageSize = 64;
// Pixels are normalised like Fashion-MNIST's (the toolkit's SIGNS folder is written from it).
constexpr double kMean = data::MNIST::kFashionMean, kStd = data::MNIST::kFashionStd;

// (C,H,W) in [0,1] -> 64x64 (if not already), normalised.
Tensor prepare(const Tensor& chw) {
  Tensor x = chw;
  if (x.size(1) != kImageSize || x.size(2) != kImageSize) x = data::transforms::resize(x, kImageSize, kImageSize);
  return (x - kMean) * (1.0 / kStd);
}

class SignsTask : public Task {
 public:
  void load(const std::string& data_dir, Params& params) override {
    check_data_dir(data_dir);
    data_dir_ = data_dir;
    if (!params.contains("num_classes")) return;  // a user model without the key
    // The folder's labels must fit the model's outputs.
    for (const char* split : {"train", "val", "test"}) {
      std::error_code ec;
      if (!std::filesystem::is_directory(std::filesystem::path(data_dir) / (std::string(split) + "_signs"), ec))
        continue;
      data::SIGNS listing(data_dir, split);
      EMBER_CHECK(listing.num_classes() <= params.get_int("num_classes"), params.source(), ": num_classes is ",
                  params.get_int("num_classes"), " but ", data_dir, "/", split, "_signs has labels up to ",
                  listing.num_classes() - 1, " (set \"num_classes\": ", listing.num_classes(), ")");
    }
  }

  std::shared_ptr<const ExampleDataset> dataset(Split split, const Params& params) override {
    data::ImageFileOptions opt;
    opt.channels = 3;
    const bool train = split == Split::Train;
    opt.transform = [train](const Tensor& hwc) {
      Tensor x = prepare(data::transforms::ToTensor()(hwc));
      return train ? data::transforms::RandomHorizontalFlip()(x) : x;  // CS230's training augmentation
    };
    auto ds = std::make_shared<data::SIGNS>(data_dir_, split_name(split), opt);
    const char* key = split == Split::Train ? "max_train_samples" : split == Split::Val ? "max_val_samples" : "max_test_samples";
    return first_samples(ds, params.get_int(key));
  }

  Tensor loss(const Tensor& output, const Tensor& target) const override { return nn::functional::nll_loss(output, target); }
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
      Tensor x = prepare(read_image_chw(path, 3, kImageSize, kImageSize)).unsqueeze(0);
      Tensor probs = model.forward(x).exp();  // the model gives log-probabilities
      std::vector<std::string> names;
      for (int64_t c = 0; c < probs.size(1); ++c) names.push_back("label " + std::to_string(c));
      lines.push_back(path + ": " + top_k_text(probs, top_k, names));
    }
    return lines;
  }

 private:
  std::string data_dir_;
};

}  // namespace

std::unique_ptr<Task> make_signs_task() { return std::make_unique<SignsTask>(); }

}  // namespace ember::train::detail

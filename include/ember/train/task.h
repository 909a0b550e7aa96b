#pragma once
// A task: what a model learns from and how it is scored — the dataset under --data_dir and its
// splits, the model's input and target in a batch, the loss, the metrics, and what `ember
// predict` prints. A registered model names its task (ModelInfo::task); the built-in ones:
//
//   fashion_mnist              Fashion-MNIST IDX files; images (N,1,28,28) normalised with mean
//                              0.2860, std 0.3530; cross-entropy on logits; accuracy.
//   fashion_mnist_autoencoder  the same images flattened to (N,784) and scaled to [-1,1] (the range
//                              of the decoder's tanh); MSE against the input; reconstruction grids.
//   signs                      a CS230 SIGNS folder (train_signs/, val_signs/, test_signs/ of
//                              {label}_IMG_{id}.jpg), 64x64 RGB; NLL on log-probabilities; accuracy.
//   ner                        the CS230 NER layout; masked NLL, masked accuracy and entity F1.
//
// A task object lives for one command: load() reads what it needs from data_dir once.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ember/data/dataloader.h"
#include "ember/train/metrics.h"
#include "ember/train/params.h"

namespace ember::nn {
class Module;
}
namespace ember::tensorboard {
class SummaryWriter;
}

namespace ember::train {

enum class Split { Train, Val, Test };
const char* split_name(Split split);  // "train", "val", "test"

using ExampleDataset = data::Dataset<data::Example>;
using Collate = data::DataLoader<data::Example>::Collate;

// Where a validation pass happens, for tasks that write pictures of it.
struct ValidationContext {
  int64_t epoch = 0;                                  // 1-based
  std::string model_dir;
  tensorboard::SummaryWriter* writer = nullptr;       // eval_summaries/ (may be null)
};

class Task {
 public:
  virtual ~Task() = default;

  // Reads data_dir's description (vocabularies, class lists) and fills the model's keys that
  // come from the data (ner: vocab_size and number_of_tags when they are 0). ember::Error naming
  // what is missing.
  virtual void load(const std::string& data_dir, Params& params) = 0;
  // A split of the data (max_*_samples applied). ember::Error naming a missing file or folder.
  virtual std::shared_ptr<const ExampleDataset> dataset(Split split, const Params& params) = 0;
  // How samples become a batch (empty: stack them).
  virtual Collate collate() const { return {}; }

  // The model's input and the loss target of a batch.
  virtual Tensor input(const data::Example& batch) const { return batch.data; }
  virtual Tensor target(const data::Example& batch) const { return batch.target; }
  // The batch's mean loss (differentiable).
  virtual Tensor loss(const Tensor& output, const Tensor& target) const = 0;
  // Adds the batch's share of the split's metrics to `sums`; `loss` is the batch's mean loss.
  virtual void accumulate(MetricSums& sums, const Tensor& output, const Tensor& target, double loss) const = 0;
  // The split's metrics from the sums ("loss" first, then e.g. "accuracy", "f1").
  virtual Metrics finalize(const MetricSums& sums) const { return sums.means(); }
  // The validation metric that picks best.safetensors unless params.json names one.
  virtual std::string default_metric() const { return "accuracy"; }
  // The names finalize() reports, so that params.json's "metric" is checked before training
  // (empty: not known in advance, checked after the first validation).
  virtual std::vector<std::string> metric_names() const { return {}; }
  // After each validation pass, with its first batch's input and output (autoencoder: an image grid).
  virtual void after_validation(const Tensor& input, const Tensor& output, const ValidationContext& ctx) const {}

  // `ember predict`: one line per input (an image path, or a sentence for ner). Files it writes
  // (autoencoder reconstructions) go to output_dir.
  virtual std::vector<std::string> predict(nn::Module& model, const std::vector<std::string>& inputs, int top_k,
                                           const std::string& output_dir) const = 0;
  // Whether predict() needs load() first (the vocabulary of ner); images do not.
  virtual bool predict_needs_data() const { return false; }
};

using TaskFactory = std::function<std::unique_ptr<Task>()>;

// Adds a task (ember::Error if the name is taken); the built-in ones are there from the start.
void register_task(const std::string& name, TaskFactory factory);
// A new instance of the task; ember::Error listing the registered tasks for an unknown name.
std::unique_ptr<Task> make_task(const std::string& name);
std::vector<std::string> task_names();

}  // namespace ember::train

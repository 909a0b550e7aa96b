#pragma once
// Internal: what train, evaluate and predict share — an experiment's params, task and model,
// the checkpoint a --restore_file names, and one pass over a split.
#include <functional>
#include <memory>
#include <string>

#include "ember/nn/module.h"
#include "ember/train/experiment.h"
#include "ember/train/params.h"
#include "ember/train/registry.h"
#include "ember/train/task.h"

namespace ember::train::detail {

struct Session {
  explicit Session(const std::string& model_dir) : exp(model_dir) {}
  ExperimentDir exp;
  Params params;
  const ModelInfo* info = nullptr;
  std::unique_ptr<Task> task;
  std::shared_ptr<nn::Module> model;
  std::string metric;  // the validation metric that selects the best epoch
};

// Loads model_dir/params.json, the task (load()ed from data_dir unless it is empty), and builds
// the model. ember::Error, with nothing written, for a missing directory or file, bad params, an
// unknown model or task, missing data.
Session open_session(const std::string& model_dir, const std::string& data_dir);

// The file --restore_file names: "last" / "best" in model_dir, else the path itself. ember::Error
// when it does not exist. `name` receives what metrics_test_<name>.json calls it.
std::string checkpoint_path(const ExperimentDir& exp, const std::string& restore_file, std::string* name = nullptr);

// Whether `path` is a training checkpoint (model + optimizer + ...) rather than a plain state_dict.
bool is_training_checkpoint(const std::string& path);

// One pass over `loader` with the model in eval mode and no gradients: the split's metrics (over
// every sample, not a mean of batch means). `first` (if given) is called with the first batch's
// input and output.
Metrics run_evaluation(Session& s, data::DataLoader<data::Example>& loader,
                       const std::function<void(const Tensor& input, const Tensor& output)>& first = nullptr);

// "accuracy: 0.9132 ; loss: 0.2451" (CS230's log format).
std::string metrics_text(const Metrics& metrics);

}  // namespace ember::train::detail

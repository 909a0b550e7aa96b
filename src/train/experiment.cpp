// ExperimentDir: the files of one experiment and how far a previous run got.
#include "ember/train/experiment.h"

#include <filesystem>

#include "ember/core/error.h"
#include "ember/train/metrics_file.h"

namespace fs = std::filesystem;

namespace ember::train {

ExperimentDir::ExperimentDir(std::string path) : path_(std::move(path)) {
  EMBER_CHECK(!path_.empty(), "experiment: empty model_dir");
}

std::string ExperimentDir::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

std::string ExperimentDir::test_metrics_file(const std::string& checkpoint_name) const {
  return file("metrics_test_" + checkpoint_name + ".json");
}

const std::vector<std::string>& ExperimentDir::training_outputs() {
  static const std::vector<std::string> names = {
      "train.log",     "last.safetensors",      "best.safetensors", "metrics_val_last_weights.json",
      "metrics_val_best_weights.json", "history.json", "curves.svg", "train_summaries", "eval_summaries",
      "reconstructions"};
  return names;
}

ExperimentDir::Status ExperimentDir::status(int64_t num_epochs) const {
  Status s;
  std::error_code ec;
  for (const std::string& name : training_outputs())
    if (fs::exists(file(name), ec)) s.outputs.push_back(name);
  if (fs::exists(history_file(), ec)) {
    try {
      s.epochs_done = static_cast<int64_t>(load_history(history_file()).size());
    } catch (const Error&) {
      s.epochs_done = 0;  // a damaged history counts as no progress
    }
  }
  s.finished = s.epochs_done >= num_epochs && fs::exists(best_metrics_file(), ec);
  return s;
}

std::vector<std::string> ExperimentDir::clear_training_outputs() const {
  std::vector<std::string> removed;
  for (const std::string& name : training_outputs()) {
    std::error_code ec;
    if (!fs::exists(file(name), ec)) continue;
    fs::remove_all(file(name), ec);
    EMBER_CHECK(!ec, file(name), ": cannot remove: ", ec.message());
    removed.push_back(name);
  }
  // What `ember evaluate` wrote describes the old weights: it goes too.
  std::error_code ec;
  std::vector<std::string> stale;
  for (const auto& entry : fs::directory_iterator(path_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "evaluate.log" || (name.rfind("metrics_test_", 0) == 0 && entry.path().extension() == ".json"))
      stale.push_back(name);
  }
  for (const std::string& name : stale) {
    fs::remove(file(name), ec);
    EMBER_CHECK(!ec, file(name), ": cannot remove: ", ec.message());
    removed.push_back(name);
  }
  return removed;
}

}  // namespace ember::train

#pragma once
// An experiment directory (CS230's model_dir): params.json, written by the user, and what
// `ember train` / `ember evaluate` write next to it.
//
//   experiments/base_model/
//     params.json                      the hyper-parameters (input)
//     train.log  evaluate.log          the logs
//     last.safetensors best.safetensors  training checkpoints (last epoch, best validation metric)
//     metrics_val_last_weights.json metrics_val_best_weights.json metrics_test_<name>.json
//     history.json  curves.svg         per-epoch metrics and their plot
//     train_summaries/ eval_summaries/ TensorBoard runs
#include <cstdint>
#include <string>
#include <vector>

namespace ember::train {

class ExperimentDir {
 public:
  explicit ExperimentDir(std::string path);

  const std::string& path() const { return path_; }
  // path/name
  std::string file(const std::string& name) const;
  std::string params_file() const { return file("params.json"); }
  std::string last_checkpoint() const { return file("last.safetensors"); }
  std::string best_checkpoint() const { return file("best.safetensors"); }
  std::string history_file() const { return file("history.json"); }
  std::string train_log() const { return file("train.log"); }
  std::string last_metrics_file() const { return file("metrics_val_last_weights.json"); }
  std::string best_metrics_file() const { return file("metrics_val_best_weights.json"); }
  // metrics_test_<checkpoint>.json, e.g. metrics_test_best.json.
  std::string test_metrics_file(const std::string& checkpoint_name) const;

  // What a previous `ember train` left here.
  struct Status {
    std::vector<std::string> outputs;  // the training outputs present (names relative to path)
    int64_t epochs_done = 0;           // entries in history.json (0 if absent or unreadable)
    bool finished = false;             // epochs_done >= num_epochs and the best metrics are written
    bool has_outputs() const { return !outputs.empty(); }
  };
  Status status(int64_t num_epochs) const;

  // Removes every training output (the names of training_outputs()) and what `ember evaluate`
  // wrote from the old weights (evaluate.log, metrics_test_*.json); params.json and files the
  // toolkit does not write are kept. Returns the names removed.
  std::vector<std::string> clear_training_outputs() const;

  // The names `ember train` writes (files and TensorBoard directories).
  static const std::vector<std::string>& training_outputs();

 private:
  std::string path_;
};

}  // namespace ember::train

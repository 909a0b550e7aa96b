#pragma once
// The toolkit's commands as library calls (what `ember train`, `ember evaluate` and
// `ember predict` run), for programs that drive experiments themselves.
//
// train: reads model_dir/params.json, builds the registered model, its task's data, the optimizer
// and scheduler, then for each epoch trains (a progress bar shows the running loss), validates on
// the whole validation split, and writes into model_dir (atomically): last.safetensors,
// best.safetensors (training checkpoints), metrics_val_last_weights.json,
// metrics_val_best_weights.json, history.json, curves.svg, train.log and the TensorBoard runs
// train_summaries/ and eval_summaries/. Everything that can fail (params, data, checkpoint) is
// checked before the first file is written. Ctrl-C stops at the end of the current batch after
// saving last.safetensors; --restore_file last then resumes where it stopped.
#include <iosfwd>
#include <string>
#include <vector>

#include "ember/train/metrics_file.h"

namespace ember::train {

struct TrainOptions {
  std::string data_dir, model_dir;
  // "" (start fresh), "last", "best" (in model_dir) or the path of a training checkpoint, or of a
  // plain state_dict (e.g. exported from PyTorch) whose weights start a fresh run.
  std::string restore_file;
  bool overwrite = false;  // replace a previous run's outputs
};

struct TrainResult {
  int64_t epochs_done = 0;   // counting the epochs of a resumed run
  bool interrupted = false;  // stopped by Ctrl-C (a checkpoint was saved)
  Metrics last, best;        // validation metrics of the last epoch and of the best one
};

TrainResult train(const TrainOptions& options);

struct EvaluateOptions {
  std::string data_dir, model_dir;
  std::string restore_file = "best";  // "best", "last", or a path (a checkpoint or a state_dict)
};
// Test-split metrics, also written to model_dir/metrics_test_<name>.json (name: best, last, or the
// file's stem) and logged to model_dir/evaluate.log.
Metrics evaluate(const EvaluateOptions& options);

struct PredictOptions {
  std::string model_dir;
  std::string restore_file = "best";
  std::string data_dir;  // needed by tasks with a vocabulary (ner); images need none
  std::vector<std::string> inputs;
  int top_k = 1;
};
// One line per input: "path: Trouser 0.9731" (images) or the tagged sentence (ner).
std::vector<std::string> predict(const PredictOptions& options);

}  // namespace ember::train

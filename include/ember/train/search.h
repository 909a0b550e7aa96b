#pragma once
// `ember search`: hyper-parameter search over child `ember train` processes (CS230's
// search_hyperparams.py, with ranges, random search and parallel trials).
//
// parent_dir/params.json holds the base params; parent_dir/search.json the search:
//
//   {"strategy": "grid",                       // "grid" (every combination) or "random"
//    "num_trials": 8, "seed": 0,               // random only: how many trials, and their seed
//    "params": {
//      "learning_rate": {"min": 1e-4, "max": 1e-2, "count": 3, "scale": "log"},
//      "batch_size": [32, 64],
//      "optimizer_options.momentum": [0.0, 0.9]}}
//
// A list gives the values; a range gives `count` points from min to max (grid; "scale" linear or
// log) or draws uniformly, or log-uniformly, between them (random). Integer keys are rounded.
// Each trial runs in parent_dir/<name>/ (name from its values, e.g.
// "learning_rate_0.0001-batch_size_32") with its full params.json; its output goes to
// <name>/output.log.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "ember/train/metrics_file.h"
#include "ember/train/params.h"

namespace ember::train {

struct SearchDimension {
  std::string key;                 // a params key, or "object_key.option"
  std::vector<ParamValue> values;  // a list (empty for a range)
  bool is_range = false;
  double min = 0, max = 0;
  int64_t count = 0;               // grid points of a range
  bool log_scale = false;
};

struct SearchSpec {
  std::string strategy = "grid";
  int64_t num_trials = 0;
  uint64_t seed = 0;
  std::vector<SearchDimension> dimensions;

  // ember::Error naming the file and the key for every mistake (unknown keys, min > max, a log
  // range that is not positive, an empty list, a grid range without count, ...).
  static SearchSpec parse(const std::string& json_text, const std::string& source);
  static SearchSpec load(const std::string& path);
};

struct Trial {
  std::string name;                                          // its directory under the parent
  std::vector<std::pair<std::string, ParamValue>> overrides;  // key -> value, in search.json order
  Params params;                                             // parent params + overrides, checked
};

// The trials of a search, in order. Every trial's params are checked against the parent's
// schema before anything runs, so a bad value fails the whole search up front.
std::vector<Trial> make_trials(const SearchSpec& spec, const Params& parent);

struct TrialResult {
  enum class Status { Ok, Failed, Skipped, Interrupted };
  std::string name;
  Status status = Status::Ok;
  int exit_code = 0;
  std::string message;   // why it failed or was skipped
  Metrics best;          // its metrics_val_best_weights.json (empty if none)
  double seconds = 0;
};

struct SearchOptions {
  std::string parent_dir;
  std::string data_dir;
  int jobs = 1;                      // trials running at once
  bool overwrite = false;            // re-run finished trials (passes --overwrite)
  // The trainer's argv before "--data_dir ... --model_dir ..."; empty: this executable + "train".
  std::vector<std::string> command;
  std::string search_file;           // default parent_dir/search.json
  std::ostream* out = nullptr;       // progress lines (default std::cout)
};

// Runs every trial, `jobs` child processes at a time (each gets OMP_NUM_THREADS = cores / jobs
// unless the environment sets it). A trial that fails is reported and the others go on; a
// finished trial with the same params is skipped; SIGINT stops launching new trials, forwards
// the signal to the running ones and waits for them.
std::vector<TrialResult> run_search(const SearchOptions& options, const Params::SchemaFor& schema_for);

// The summary: one row per trial (name, status, then its best metrics), sorted by `metric`.
std::string search_summary(const std::vector<TrialResult>& results, const std::string& metric);

const char* status_name(TrialResult::Status s);

}  // namespace ember::train

#pragma once
// The metrics files of an experiment, written atomically (a reader never sees half a file):
//   metrics_val_last_weights.json, metrics_val_best_weights.json, metrics_test_<name>.json
//       {"accuracy": 0.9132, "loss": 0.2451, "epoch": 7}
//   history.json: one object per epoch
//       [{"epoch": 1, "train_loss": 0.52, "train_accuracy": 0.81, "val_loss": 0.40, ...}, ...]
// A non-finite value (a diverged loss) is written as null and read back as NaN.
#include <string>
#include <utility>
#include <vector>

namespace ember::train {

// Named values in the order they were added.
using Metrics = std::vector<std::pair<std::string, double>>;

// The value of `name`, or ember::Error listing the names present.
double metric_value(const Metrics& metrics, const std::string& name);
bool has_metric(const Metrics& metrics, const std::string& name);

void save_metrics(const std::string& path, const Metrics& metrics);
// A flat JSON object of numbers; anything else throws ember::Error naming the file and key.
Metrics load_metrics(const std::string& path);

using History = std::vector<Metrics>;  // one entry per epoch, "epoch" first
void save_history(const std::string& path, const History& history);
History load_history(const std::string& path);

}  // namespace ember::train

// Session: params, task and model of an experiment; checkpoints; evaluation passes.
#include "train/session.h"

#include <algorithm>
#include <filesystem>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/io/safetensors.h"
#include "ember/train/synthesize.h"

namespace fs = std::filesystem;

namespace ember::train::detail {

Session open_session(const std::string& model_dir, const std::string& data_dir) {
  std::error_code ec;
  EMBER_CHECK(fs::is_directory(model_dir, ec), "model_dir ", model_dir, ": no such directory");
  Session s(model_dir);
  EMBER_CHECK(fs::exists(s.exp.params_file(), ec), s.exp.params_file(),
              ": no such file (an experiment directory holds a params.json; `ember models NAME` prints one)");
  s.params = load_params(s.exp.params_file());
  if (const int64_t n = s.params.get_int("num_threads"); n > 0) set_num_threads(static_cast<int>(n));
  s.info = &find_model(s.params.model());
  s.task = make_task(s.info->task);
  if (!data_dir.empty()) s.task->load(data_dir, s.params);
  s.metric = s.params.get_string("metric");
  if (s.metric.empty()) s.metric = s.task->default_metric();
  if (const std::vector<std::string> names = s.task->metric_names(); !names.empty()) {
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    EMBER_CHECK(std::find(names.begin(), names.end(), s.metric) != names.end(), s.exp.params_file(),
                ": key 'metric': model '", s.params.model(), "' reports no metric '", s.metric, "' (it reports: ", list,
                ")");
  }
  s.model = make_model(s.params);
  return s;
}

std::string checkpoint_path(const ExperimentDir& exp, const std::string& restore_file, std::string* name) {
  std::string path = restore_file;
  std::string label = fs::path(restore_file).stem().string();
  if (restore_file == "last" || restore_file == "best") {
    path = restore_file == "last" ? exp.last_checkpoint() : exp.best_checkpoint();
    label = restore_file;
  }
  std::error_code ec;
  EMBER_CHECK(fs::is_regular_file(path, ec), "restore_file ", path, ": no such file",
              restore_file == "last" || restore_file == "best" ? " (has this experiment been trained?)" : "");
  if (name) *name = label;
  return path;
}

bool is_training_checkpoint(const std::string& path) {
  return io::load_safetensors_metadata(path).count("ember.checkpoint") != 0;
}

Metrics run_evaluation(Session& s, data::DataLoader<data::Example>& loader,
                       const std::function<void(const Tensor&, const Tensor&)>& first) {
  s.model->eval();
  NoGradGuard no_grad;
  MetricSums sums;
  bool is_first = true;
  for (data::Example& batch : loader) {
    Tensor input = s.task->input(batch), target = s.task->target(batch);
    Tensor output = s.model->forward(input);
    const double loss = s.task->loss(output, target).item<double>();
    s.task->accumulate(sums, output, target, loss);
    if (is_first && first) first(input, output);
    is_first = false;
  }
  return s.task->finalize(sums);
}

std::string metrics_text(const Metrics& metrics) {
  std::vector<std::pair<std::string, double>> sorted(metrics.begin(), metrics.end());
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (const auto& [k, v] : sorted) out += (out.empty() ? "" : " ; ") + k + ": " + format_metric(v);
  return out;
}

}  // namespace ember::train::detail

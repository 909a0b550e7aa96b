// ember evaluate (CS230's evaluate.py) and ember predict.
#include <filesystem>

#include "ember/core/error.h"
#include "ember/io/checkpoint.h"
#include "ember/train/logger.h"
#include "ember/train/trainer.h"
#include "train/session.h"

namespace fs = std::filesystem;

namespace ember::train {

Metrics evaluate(const EvaluateOptions& o) {
  detail::Session s = detail::open_session(o.model_dir, o.data_dir);
  std::string name;
  const std::string path = detail::checkpoint_path(s.exp, o.restore_file, &name);
  auto test_set = s.task->dataset(Split::Test, s.params);
  EMBER_CHECK(test_set->size() > 0, "the test split is empty");
  ember::load(*s.model, path);  // a training checkpoint's model, or a plain (e.g. PyTorch) state_dict

  data::DataLoaderOptions opts;
  opts.batch_size = s.params.batch_size();
  opts.num_workers = static_cast<int>(s.params.get_int("num_workers"));
  data::DataLoader<data::Example> loader(test_set, opts, s.task->collate());

  Logger log(s.exp.file("evaluate.log"));
  log.info("Evaluating " + path + " on " + std::to_string(test_set->size()) + " test samples");
  Metrics m = detail::run_evaluation(s, loader);
  const std::string out = s.exp.test_metrics_file(name);
  save_metrics(out, m);
  log.info("- Test metrics: " + detail::metrics_text(m));
  log.info("Saved " + out);
  return m;
}

std::vector<std::string> predict(const PredictOptions& o) {
  EMBER_CHECK(!o.inputs.empty(), "predict: no inputs");
  // A task with a vocabulary reads it from data_dir; image tasks build the model without data.
  detail::Session probe = detail::open_session(o.model_dir, "");
  detail::Session s = probe.task->predict_needs_data() ? detail::open_session(o.model_dir, o.data_dir) : std::move(probe);
  EMBER_CHECK(!s.task->predict_needs_data() || !o.data_dir.empty(), "predict: model '", s.params.model(),
              "' needs --data_dir (its vocabulary)");
  const std::string path = detail::checkpoint_path(s.exp, o.restore_file);
  ember::load(*s.model, path);
  s.model->eval();
  return s.task->predict(*s.model, o.inputs, o.top_k, s.exp.file("predictions"));
}

}  // namespace ember::train

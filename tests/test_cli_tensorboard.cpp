// What `ember train` writes for TensorBoard, decoded with the independent event reader
// (tests/support/event_reader.h): train_summaries/ has the batch loss and accuracy and the lr
// every save_summary_steps steps and a histogram of every parameter each epoch, and its hparams
// run the hyper-parameters with the best metrics; eval_summaries/ has the validation metrics of
// each epoch at the global step where the epoch ended.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include <ember/ember.h>
#include <ember/train/trainer.h>

#include "support/event_reader.h"
#include "test_cli_util.h"

namespace fs = std::filesystem;
using namespace ember;
namespace tb = ember::testing::tb;

namespace {

class CliTensorBoard : public ember::testing::TempDirTest {};

// tag -> steps of the simple-value scalars in every event file under `dir` (not recursing).
std::map<std::string, std::vector<int64_t>> scalar_steps(const fs::path& dir) {
  std::map<std::string, std::vector<int64_t>> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    for (const tb::pb::Event& ev : tb::summaries(e.path()))
      for (const auto& v : ev.summary().value())
        if (v.value_case() == tb::pb::Summary::Value::kSimpleValue) out[v.tag()].push_back(ev.step());
  }
  return out;
}

}  // namespace

TEST_F(CliTensorBoard, TrainAndEvalSummaries) {
  ember::testing::write_dataset(dir_ / "data", "train", 400, 1);  // 360 train / 40 val samples
  ember::testing::write_dataset(dir_ / "data", "t10k", 50, 2);
  const fs::path exp = dir_ / "exp";
  ember::testing::write_file(exp / "params.json", R"({"model": "mlp", "num_epochs": 2, "batch_size": 40,
                                                      "save_summary_steps": 4, "num_threads": 1})");
  train::TrainResult r = train::train({(dir_ / "data").string(), exp.string(), "", false});
  ASSERT_EQ(r.epochs_done, 2);  // 9 steps per epoch, 18 in all

  auto train_scalars = scalar_steps(exp / "train_summaries");
  for (const char* tag : {"loss", "accuracy", "lr"})
    EXPECT_EQ(train_scalars[tag], (std::vector<int64_t>{4, 8, 12, 16})) << tag;
  auto eval_scalars = scalar_steps(exp / "eval_summaries");
  for (const char* tag : {"loss", "accuracy"}) EXPECT_EQ(eval_scalars[tag], (std::vector<int64_t>{9, 18})) << tag;

  // A histogram of each parameter per epoch.
  std::map<std::string, std::vector<int64_t>> histograms;
  for (const tb::pb::Event& ev : tb::summaries(tb::event_file_in(exp / "train_summaries")))
    for (const auto& v : ev.summary().value())
      if (v.value_case() == tb::pb::Summary::Value::kHisto) {
        histograms[v.tag()].push_back(ev.step());
        EXPECT_GT(v.histo().num(), 0);
      }
  EXPECT_EQ(histograms.size(), 6u);  // 1.weight, 1.bias, 3.weight, 3.bias, 5.weight, 5.bias
  EXPECT_EQ(histograms["5.weight"], (std::vector<int64_t>{1, 2}));

  // The hparams run: the params and the best validation metrics.
  std::set<std::string> plugins, metric_tags;
  for (const auto& e : fs::directory_iterator(exp / "train_summaries" / "hparams"))
    for (const tb::pb::Event& ev : tb::summaries(e.path()))
      for (const auto& v : ev.summary().value()) {
        if (v.has_metadata()) plugins.insert(v.metadata().plugin_data().plugin_name());
        if (v.value_case() == tb::pb::Summary::Value::kSimpleValue) metric_tags.insert(v.tag());
      }
  EXPECT_TRUE(plugins.count("hparams"));
  EXPECT_EQ(metric_tags, (std::set<std::string>{"hparam/accuracy", "hparam/loss"}));
}

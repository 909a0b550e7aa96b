// The toolkit's result files: metrics JSON and history (atomic, NaN-safe), the experiment
// directory's finished-run detection and --overwrite clean-up, and `ember synthesize`'s table.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <ember/train/experiment.h>
#include <ember/train/metrics_file.h>
#include <ember/train/synthesize.h>

#include "ember/core/error.h"
#include "test_cli_util.h"

using namespace ember;
using namespace ember::train;
using ember::testing::error_of;
namespace fs = std::filesystem;

namespace {

class ResultFiles : public ember::testing::TempDirTest {};

}  // namespace

TEST_F(ResultFiles, MetricsRoundTripInOrderWithNaNAsNull) {
  Metrics m = {{"accuracy", 0.9132}, {"loss", std::nan("")}, {"epoch", 7}};
  save_metrics(path("m.json"), m);
  const std::string text = read("m.json");
  EXPECT_HAS(text, "\"accuracy\": 0.9132");
  EXPECT_HAS(text, "\"loss\": null");
  EXPECT_HAS(text, "\"epoch\": 7");
  EXPECT_LT(text.find("accuracy"), text.find("epoch"));
  Metrics back = load_metrics(path("m.json"));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].first, "accuracy");
  EXPECT_DOUBLE_EQ(back[0].second, 0.9132);
  EXPECT_TRUE(std::isnan(back[1].second));
  EXPECT_EQ(metric_value(back, "epoch"), 7);
  EXPECT_HAS(error_of([&] { metric_value(back, "f1"); }), "no metric 'f1' (have: accuracy, loss, epoch)");
}

TEST_F(ResultFiles, HistoryRoundTripAndBadFiles) {
  History h = {{{"epoch", 1}, {"train_loss", 0.5}, {"val_accuracy", 0.8}},
               {{"epoch", 2}, {"train_loss", 0.25}, {"val_accuracy", 0.875}}};
  save_history(path("history.json"), h);
  History back = load_history(path("history.json"));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1], h[1]);
  write("bad.json", R"([{"epoch": 1, "train_loss": "x"}])");
  EXPECT_HAS(error_of([&] { load_history(path("bad.json")); }),
             "bad.json: entry 0: metric 'train_loss': expected a number, found string \"x\"");
  write("obj.json", R"({"epoch": 1})");
  EXPECT_HAS(error_of([&] { load_history(path("obj.json")); }), "expected a JSON array of epochs");
  write("m.json", R"({"accuracy": [1]})");
  EXPECT_HAS(error_of([&] { load_metrics(path("m.json")); }), "metric 'accuracy': expected a number, found an array");
}

TEST_F(ResultFiles, ExperimentStatusAndOverwrite) {
  ExperimentDir exp(dir_.string());
  write("params.json", "{}");
  write("notes.txt", "mine");
  EXPECT_FALSE(exp.status(2).has_outputs());
  save_history(exp.history_file(), {{{"epoch", 1}}});
  write("last.safetensors", "x");
  write("train_summaries/events.out", "x");
  ExperimentDir::Status s = exp.status(2);
  EXPECT_TRUE(s.has_outputs());
  EXPECT_EQ(s.epochs_done, 1);
  EXPECT_FALSE(s.finished);
  save_history(exp.history_file(), {{{"epoch", 1}}, {{"epoch", 2}}});
  EXPECT_FALSE(exp.status(2).finished);  // no best metrics yet
  save_metrics(exp.best_metrics_file(), {{"accuracy", 0.5}});
  write("metrics_test_best.json", "{}");
  write("evaluate.log", "x");
  EXPECT_TRUE(exp.status(2).finished);
  EXPECT_FALSE(exp.status(3).finished);  // more epochs asked for than were run

  std::vector<std::string> removed = exp.clear_training_outputs();
  EXPECT_EQ(removed.size(), 6u);
  EXPECT_FALSE(fs::exists(path("train_summaries")));
  EXPECT_FALSE(fs::exists(path("metrics_test_best.json")));
  EXPECT_FALSE(fs::exists(path("evaluate.log")));
  EXPECT_TRUE(fs::exists(path("params.json")));  // the user's files stay
  EXPECT_EQ(read("notes.txt"), "mine");
  EXPECT_FALSE(exp.status(2).has_outputs());
}

TEST_F(ResultFiles, SynthesizeSortsByTheMetricWithRelativeNames) {
  save_metrics((fs::create_directories(dir_ / "lr_0.1"), path("lr_0.1/metrics_val_best_weights.json")),
               {{"accuracy", 0.81}, {"loss", 0.6}});
  fs::create_directories(dir_ / "lr_0.01");
  save_metrics(path("lr_0.01/metrics_val_best_weights.json"), {{"accuracy", 0.9}, {"loss", 0.3}});
  fs::create_directories(dir_ / "deeper" / "lr_1");
  save_metrics(path("deeper/lr_1/metrics_val_best_weights.json"), {{"accuracy", 0.1}, {"loss", 2.3}, {"f1", 0.05}});
  write("broken/metrics_val_best_weights.json", "{\"accuracy\": ");
  write("lr_0.1/metrics_val_last_weights.json", R"({"accuracy": 0.99})");  // not a best file: ignored

  std::vector<std::string> warnings;
  std::string table = synthesize(dir_.string(), "accuracy", &warnings);
  const std::string expected =
      "| experiment  | accuracy | f1     | loss   |\n"
      "| ----------- | -------- | ------ | ------ |\n"
      "| lr_0.01     | 0.9000   |        | 0.3000 |\n"
      "| lr_0.1      | 0.8100   |        | 0.6000 |\n"
      "| deeper/lr_1 | 0.1000   | 0.0500 | 2.3000 |\n";
  EXPECT_EQ(table, expected);
  EXPECT_EQ(read("results.md"), expected);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_HAS(warnings[0], "broken/metrics_val_best_weights.json");

  // Lower is better for a loss.
  table = synthesize(dir_.string(), "loss");
  EXPECT_LT(table.find("lr_0.01"), table.find("lr_0.1 "));
  EXPECT_LT(table.find("lr_0.1 "), table.find("deeper/lr_1"));
  // A metric some rows lack: those rows go last.
  table = synthesize(dir_.string(), "f1");
  EXPECT_LT(table.find("deeper/lr_1"), table.find("lr_0.01"));
  EXPECT_HAS(error_of([&] { synthesize(dir_.string(), "bleu"); }),
             "no experiment has the metric 'bleu' (metrics found: accuracy, f1, loss)");
}

TEST_F(ResultFiles, SynthesizeOfAnEmptyOrMissingDirectoryIsAClearError) {
  EXPECT_HAS(error_of([&] { synthesize(dir_.string(), "accuracy"); }), "no metrics_val_best_weights.json found");
  EXPECT_FALSE(fs::exists(path("results.md")));
  EXPECT_HAS(error_of([&] { synthesize(path("nope"), "accuracy"); }), "nope: no such directory");
}

TEST(FormatMetric, IntegersDecimalsAndSmallValues) {
  EXPECT_EQ(format_metric(7), "7");
  EXPECT_EQ(format_metric(0.91316), "0.9132");
  EXPECT_EQ(format_metric(0.000123), "1.230e-04");
  EXPECT_EQ(format_metric(std::nan("")), "nan");
  EXPECT_TRUE(lower_is_better("val_loss"));
  EXPECT_FALSE(lower_is_better("accuracy"));
}

// ember::train::train() details: history's lr is the lr each epoch trained with, params.json's
// "metric" is checked before anything is written, a last batch of one sample is dropped, and
// best.safetensors follows the chosen metric.
#include <gtest/gtest.h>

#include <cmath>

#include <ember/ember.h>
#include <ember/train/metrics_file.h>
#include <ember/train/trainer.h>

#include "support/checkpoint_seal.h"
#include "test_cli_util.h"

namespace fs = std::filesystem;
using namespace ember;
using namespace ember::train;
using ember::testing::error_of;
using ember::testing::write_file;

namespace {

class CliTrain : public ember::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ember::testing::write_dataset(dir_ / "data", "train", 300, 1);  // 270 train / 30 val samples
    ember::testing::write_dataset(dir_ / "data", "t10k", 50, 2);
  }
  TrainResult run(const std::string& params) {
    write_file(dir_ / "exp" / "params.json", params);
    return train::train({(dir_ / "data").string(), (dir_ / "exp").string(), "", true});
  }
};

}  // namespace

TEST_F(CliTrain, HistoryLrIsTheLrOfEachEpoch) {
  run(R"({"model": "mlp", "num_epochs": 3, "batch_size": 30, "learning_rate": 0.01, "num_threads": 1,
          "lr_scheduler": "StepLR", "lr_scheduler_options": {"step_size": 1, "gamma": 0.5}})");
  History h = load_history((dir_ / "exp" / "history.json").string());
  ASSERT_EQ(h.size(), 3u);
  EXPECT_DOUBLE_EQ(metric_value(h[0], "lr"), 0.01);
  EXPECT_DOUBLE_EQ(metric_value(h[1], "lr"), 0.005);
  EXPECT_DOUBLE_EQ(metric_value(h[2], "lr"), 0.0025);
}

TEST_F(CliTrain, UnknownMetricFailsBeforeWritingAnything) {
  std::string msg = error_of([&] { run(R"({"model": "mlp", "metric": "f1"})"); });
  EXPECT_HAS(msg, "params.json: key 'metric': model 'mlp' reports no metric 'f1' (it reports: loss, accuracy)");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "exp"), fs::directory_iterator()), 1);  // params.json only
}

TEST_F(CliTrain, BestFollowsTheChosenMetric) {
  TrainResult r = run(R"({"model": "mlp", "num_epochs": 3, "batch_size": 30, "learning_rate": 0.05,
                          "num_threads": 1, "metric": "loss"})");
  History h = load_history((dir_ / "exp" / "history.json").string());
  size_t best = 0;
  for (size_t e = 1; e < h.size(); ++e)
    if (metric_value(h[e], "val_loss") < metric_value(h[best], "val_loss")) best = e;
  Metrics m = load_metrics((dir_ / "exp" / "metrics_val_best_weights.json").string());
  EXPECT_EQ(metric_value(m, "epoch"), static_cast<double>(best + 1));
  EXPECT_DOUBLE_EQ(metric_value(m, "loss"), metric_value(h[best], "val_loss"));
  EXPECT_EQ(Checkpoint::read_info((dir_ / "exp" / "best.safetensors").string()).epoch, static_cast<int64_t>(best + 1));
  EXPECT_DOUBLE_EQ(*Checkpoint::read_info((dir_ / "exp" / "best.safetensors").string()).best_metric,
                   metric_value(m, "loss"));
  EXPECT_EQ(r.epochs_done, 3);
}

TEST_F(CliTrain, ALastBatchOfOneIsDropped) {
  // 270 training samples in batches of 269: the second batch would hold one sample, which
  // BatchNorm1d cannot normalise in training mode; it is dropped, so the epoch's training
  // accuracy counts 269 samples.
  run(R"({"model": "mlp", "num_epochs": 1, "batch_size": 269, "num_threads": 1})");
  History h = load_history((dir_ / "exp" / "history.json").string());
  ASSERT_EQ(h.size(), 1u);
  const double correct = metric_value(h[0], "train_accuracy") * 269;
  EXPECT_NEAR(correct, std::round(correct), 1e-6);
  EXPECT_GT(correct, 0.5);     // 0 < correct < 269: then correct / 270 * 269 is not a whole number,
  EXPECT_LT(correct, 268.5);   // so the denominator really was 269
}

// The partial-epoch metadata of a checkpoint saved by Ctrl-C, damaged but checksummed as if
// written so: errors naming the file and key (std::stoll threw std::invalid_argument for
// "x" and took "-1" or a count beyond the epoch as it came).
TEST_F(CliTrain, DamagedPartialEpochMetadataIsAnError) {
  run(R"({"model": "mlp", "num_epochs": 1, "batch_size": 30, "num_threads": 1})");  // 9 batches an epoch
  write_file(dir_ / "exp" / "params.json", R"({"model": "mlp", "num_epochs": 2, "batch_size": 30, "num_threads": 1})");
  const std::string last = (dir_ / "exp" / "last.safetensors").string();
  const io::SafetensorsFile good = io::load_safetensors(last);
  auto resume_with = [&](const std::string& batches, const std::string& sums) {
    io::SafetensorsFile f = good;
    f.metadata["user.partial_batches"] = batches;
    f.metadata["user.partial_epoch"] = "2";
    f.metadata["user.partial_train_sums"] = sums;
    ember::testing::reseal(f);  // as if written so: the checks behind the checksum
    io::save_safetensors(last, f);
    return error_of([&] { train::train({(dir_ / "data").string(), (dir_ / "exp").string(), "last", false}); });
  };
  for (const std::string bad : {"x", "-1", "9", "3x", "", "99999999999999999999"}) {
    const std::string msg = resume_with(bad, "");
    EXPECT_HAS(msg, "last.safetensors: metadata \"user.partial_batches\" is \"" + bad + "\"");
    EXPECT_HAS(msg, "0 to 8 (an epoch has 9 batches");
  }
  EXPECT_HAS(resume_with("4", "loss=1.5"), "last.safetensors: metadata \"user.partial_train_sums\": MetricSums: bad entry");
  // The good file still resumes: both epochs done.
  io::save_safetensors(last, good);
  EXPECT_EQ(train::train({(dir_ / "data").string(), (dir_ / "exp").string(), "last", false}).epochs_done, 2);
}

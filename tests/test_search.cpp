// ember search: search.json parsing, grid and seeded random trials, and the runner's handling of
// child processes (parallelism bound, failures, logs, skipping finished trials). The runner is
// driven here with a small shell "trainer"; tests/test_cli_e2e.cpp runs it with `ember train`.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <ember/train/search.h>

#include "ember/core/error.h"
#include "test_cli_util.h"

using namespace ember;
using namespace ember::train;
using ember::testing::error_of;
namespace fs = std::filesystem;

namespace {

std::vector<ParamSpec> schema(const std::string& model) {
  std::vector<ParamSpec> s = Params::common_specs();
  if (model == "toy") s.push_back(int_param("hidden", 64, "hidden units", 1));
  return s;
}

Params parent_params() { return Params::parse(R"({"model": "toy", "num_epochs": 1})", "parent/params.json", schema); }


std::vector<std::string> names_of(const std::vector<Trial>& trials) {
  std::vector<std::string> out;
  for (const Trial& t : trials) out.push_back(t.name);
  return out;
}

void write(const fs::path& p, const std::string& text) { ember::testing::write_file(p, text); }
std::string read(const fs::path& p) { return ember::testing::read_file(p); }

}  // namespace

TEST(SearchSpec, GridOfRangeAndList) {
  SearchSpec spec = SearchSpec::parse(R"({"params": {
      "learning_rate": {"min": 1e-4, "max": 1e-2, "count": 3, "scale": "log"},
      "batch_size": [32, 64]}})", "search.json");
  EXPECT_EQ(spec.strategy, "grid");
  std::vector<Trial> trials = make_trials(spec, parent_params());
  ASSERT_EQ(trials.size(), 6u);
  EXPECT_EQ(names_of(trials), (std::vector<std::string>{
                                  "learning_rate_0.0001-batch_size_32", "learning_rate_0.0001-batch_size_64",
                                  "learning_rate_0.001-batch_size_32", "learning_rate_0.001-batch_size_64",
                                  "learning_rate_0.01-batch_size_32", "learning_rate_0.01-batch_size_64"}));
  // log-spaced points, tidied to 6 significant digits (1e-4 * 10**1 is exactly 0.001 here)
  EXPECT_EQ(trials[2].params.learning_rate(), 0.001);
  EXPECT_EQ(trials[5].params.learning_rate(), 0.01);
  EXPECT_EQ(trials[5].params.batch_size(), 64);
  EXPECT_EQ(trials[0].params.num_epochs(), 1);  // the parent's other keys are kept
  ASSERT_EQ(trials[3].overrides.size(), 2u);
  EXPECT_EQ(trials[3].overrides[0].first, "learning_rate");
}

TEST(SearchSpec, LinearIntegerRangesRoundAndDeduplicate) {
  SearchSpec spec = SearchSpec::parse(R"({"params": {"hidden": {"min": 1, "max": 3, "count": 5}}})", "s.json");
  std::vector<Trial> trials = make_trials(spec, parent_params());
  // 1, 1.5, 2, 2.5, 3 round (half away from zero) to 1, 2, 2, 3, 3 -> 1, 2, 3
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].params.get_int("hidden"), 1);
  EXPECT_EQ(trials[1].params.get_int("hidden"), 2);
  EXPECT_EQ(trials[2].params.get_int("hidden"), 3);
  EXPECT_EQ(trials[2].name, "hidden_3");
}

TEST(SearchSpec, OptionsOfObjectsByDottedKey) {
  SearchSpec spec =
      SearchSpec::parse(R"({"params": {"optimizer": ["SGD"], "optimizer_options.momentum": [0.0, 0.9]}})", "s.json");
  std::vector<Trial> trials = make_trials(spec, parent_params());
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[1].name, "optimizer_SGD-momentum_0.9");
  EXPECT_DOUBLE_EQ(trials[1].params.get_object("optimizer_options").get("momentum"), 0.9);
  EXPECT_EQ(trials[1].params.get_string("optimizer"), "SGD");
}

TEST(SearchSpec, RandomIsSeededAndInsideTheRanges) {
  const char* text = R"({"strategy": "random", "num_trials": 20, "seed": 7, "params": {
      "learning_rate": {"min": 1e-5, "max": 1e-1, "scale": "log"},
      "dropout_rate": {"min": 0.1, "max": 0.3},
      "batch_size": [16, 32, 64]}})";
  std::vector<Trial> a = make_trials(SearchSpec::parse(text, "s.json"), parent_params());
  std::vector<Trial> b = make_trials(SearchSpec::parse(text, "s.json"), parent_params());
  ASSERT_EQ(a.size(), 20u);
  std::set<int64_t> batch_sizes;
  int below_1e3 = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].params.to_json(), b[i].params.to_json());  // same seed, same trials
    const double lr = a[i].params.learning_rate();
    EXPECT_GE(lr, 1e-5);
    EXPECT_LE(lr, 1e-1);
    below_1e3 += lr < 1e-3;
    const double dr = a[i].params.get_float("dropout_rate");
    EXPECT_GE(dr, 0.1);
    EXPECT_LE(dr, 0.3);
    batch_sizes.insert(a[i].params.batch_size());
  }
  EXPECT_EQ(batch_sizes, (std::set<int64_t>{16, 32, 64}));
  // log-uniform over 4 decades: half the draws fall below 1e-3 on average (uniform would give ~1%)
  EXPECT_GE(below_1e3, 4);
  std::string other = std::string(text);
  other.replace(other.find("\"seed\": 7"), 9, "\"seed\": 8");
  std::vector<Trial> c = make_trials(SearchSpec::parse(other, "s.json"), parent_params());
  EXPECT_NE(c[0].params.learning_rate(), a[0].params.learning_rate());
  const std::vector<std::string> all_names = names_of(a);
  std::set<std::string> names(all_names.begin(), all_names.end());
  EXPECT_EQ(names.size(), a.size());  // unique directories even when values repeat
}

TEST(SearchSpec, MistakesNameTheFileAndKey) {
  auto err = [](const std::string& text) { return error_of([&] { SearchSpec::parse(text, "p/search.json"); }); };
  EXPECT_HAS(err(R"({"params": {"learning_rate": {"min": 1, "max": 0.1, "count": 2}}})"),
             "p/search.json: params.learning_rate: min (1) is greater than max (0.1)");
  EXPECT_HAS(err(R"({"params": {"learning_rate": {"min": 0, "max": 0.1, "count": 2, "scale": "log"}}})"),
             "a log-scale range needs min > 0");
  EXPECT_HAS(err(R"({"params": {"learning_rate": {"min": 0.01, "max": 0.1}}})"), "a grid range needs \"count\"");
  EXPECT_HAS(err(R"({"params": {"learning_rate": {"min": 0.01, "max": 0.1, "count": 2, "step": 1}}})"),
             "unknown range key 'step'");
  EXPECT_HAS(err(R"({"params": {"batch_size": []}})"), "params.batch_size: the list of values is empty");
  EXPECT_HAS(err(R"({"params": {"batch_size": 32}})"), "expected a list of values or a range");
  EXPECT_HAS(err(R"({"strategy": "random", "params": {"batch_size": [32]}})"), "needs \"num_trials\" >= 1");
  EXPECT_HAS(err(R"({"strategy": "bayes", "params": {"batch_size": [32]}})"), "\"bayes\" is not one of: grid, random");
  EXPECT_HAS(err(R"({"param": {"batch_size": [32]}})"), "p/search.json: unknown key 'param'");
  EXPECT_HAS(err(R"({"params": {}})"), "no hyper-parameters to search");
  EXPECT_HAS(err(R"({"params": {"batch_size": [32,]}})"), "p/search.json:1:");
  // Searches too large to hold were built trial by trial until memory ran out (10^15: a hang).
  EXPECT_HAS(err(R"({"params": {"learning_rate": {"min": 0.1, "max": 1, "count": 1000000000000000}}})"),
             "p/search.json: the grid has 1000000000000000 combinations, more than the limit of 10000 trials");
  EXPECT_HAS(err(R"({"params": {"learning_rate": {"min": 0.1, "max": 1, "count": 200}, "batch_size": [1, 2, 3],
                                 "weight_decay": {"min": 0, "max": 1, "count": 20}}})"),
             "the grid has 200 x 3 x 20 combinations, more than the limit of 10000 trials");
  EXPECT_HAS(err(R"({"strategy": "random", "num_trials": 18446744073709551615, "params": {"batch_size": [32]}})"),
             "num_trials 9223372036854775807 is more than the limit of 10000 trials");
  EXPECT_EQ(SearchSpec::parse(R"({"strategy": "random", "seed": 18446744073709551615, "num_trials": 1,
                                  "params": {"batch_size": [32]}})", "p/search.json").seed,
            18446744073709551615ull);
  EXPECT_EQ(SearchSpec::parse(R"({"params": {"learning_rate": {"min": 0.1, "max": 1, "count": 100},
                                  "batch_size": {"min": 1, "max": 100, "count": 100}}})", "p/search.json")
                .dimensions.size(), 2u);  // 10000 trials: at the limit
}

TEST(SearchSpec, BadValuesFailBeforeAnythingRuns) {
  auto err = [](const std::string& text) {
    return error_of([&] { make_trials(SearchSpec::parse(text, "s.json"), parent_params()); });
  };
  EXPECT_HAS(err(R"({"params": {"batch_size": [32, "64"]}})"), "trial 'batch_size_64': parent/params.json: key 'batch_size'");
  EXPECT_HAS(err(R"({"params": {"learning_rat": [0.1]}})"), "unknown key 'learning_rat'");
  EXPECT_HAS(err(R"({"params": {"optimizer": {"min": 0, "max": 1, "count": 2}}})"), "only numbers can be given as a range");
  EXPECT_HAS(err(R"({"params": {"model": ["mlp"]}})"), "'model' cannot be searched");
}

// The runner, with a shell script standing in for `ember train`.
class SearchRunner : public ember::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    fs::create_directories(dir_ / "parent");
    fs::create_directories(dir_ / "running");
    // Fake trainer: `trainer --data_dir D --model_dir M [flags]`. It records how many trainers run
    // at once, fails for batch_size 64, else writes the files of a finished 1-epoch run with
    // accuracy = 1 - learning_rate.
    write(dir_ / "trainer.sh", R"(#!/bin/sh
model_dir="$4"
mkdir "$RUNNING/$$"
ls "$RUNNING" | wc -l >> "$RUNNING/../concurrency.txt"
echo "args: $*"
echo "omp: $OMP_NUM_THREADS"
sleep 0.2
rmdir "$RUNNING/$$"
if grep -q '"batch_size": 64' "$model_dir/params.json"; then echo "error: batch_size 64 is not supported" >&2; exit 3; fi
lr=$(sed -n 's/.*"learning_rate": \([0-9.e-]*\).*/\1/p' "$model_dir/params.json")
acc=$(awk "BEGIN { print 1 - $lr }")
echo "[{\"epoch\": 1, \"val_accuracy\": $acc}]" > "$model_dir/history.json"
echo "{\"accuracy\": $acc, \"loss\": $lr}" > "$model_dir/metrics_val_best_weights.json"
)");
    fs::permissions(dir_ / "trainer.sh", fs::perms::owner_all);
    ::setenv("RUNNING", (dir_ / "running").c_str(), 1);
    write(dir_ / "parent" / "params.json", R"({"model": "toy", "num_epochs": 1})");
    write(dir_ / "parent" / "search.json",
          R"({"params": {"learning_rate": [0.1, 0.2, 0.3], "batch_size": [32, 64]}})");
  }
  std::vector<TrialResult> run(int jobs, bool overwrite = false) {
    SearchOptions o;
    o.parent_dir = (dir_ / "parent").string();
    o.data_dir = "/data";
    o.jobs = jobs;
    o.overwrite = overwrite;
    o.command = {(dir_ / "trainer.sh").string()};
    o.out = &log_;
    return run_search(o, schema);
  }
  const TrialResult& result(const std::vector<TrialResult>& rs, const std::string& name) {
    for (const TrialResult& r : rs)
      if (r.name == name) return r;
    ADD_FAILURE() << "no trial " << name;
    return rs.front();
  }

  std::ostringstream log_;
};

TEST_F(SearchRunner, RunsTrialsInParallelAndReportsFailures) {
  std::vector<TrialResult> rs = run(2);
  ASSERT_EQ(rs.size(), 6u);
  const TrialResult& ok = result(rs, "learning_rate_0.2-batch_size_32");
  EXPECT_EQ(ok.status, TrialResult::Status::Ok) << log_.str();
  EXPECT_DOUBLE_EQ(metric_value(ok.best, "accuracy"), 0.8);
  const TrialResult& bad = result(rs, "learning_rate_0.2-batch_size_64");
  EXPECT_EQ(bad.status, TrialResult::Status::Failed);
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_EQ(bad.message, "error: batch_size 64 is not supported");  // the child's last line
  int ok_count = 0;
  for (const TrialResult& r : rs) ok_count += r.status == TrialResult::Status::Ok;
  EXPECT_EQ(ok_count, 3);  // the failures did not stop the others

  // Each trial has its full params.json and its output.
  const fs::path trial = dir_ / "parent" / "learning_rate_0.3-batch_size_32";
  std::string params = read(trial / "params.json");
  EXPECT_NE(params.find("\"learning_rate\": 0.3"), std::string::npos);
  EXPECT_NE(params.find("\"seed\": 230"), std::string::npos);
  std::string out = read(trial / "output.log");
  EXPECT_NE(out.find("args: --data_dir /data --model_dir " + trial.string()), std::string::npos) << out;
  EXPECT_NE(out.find("omp: "), std::string::npos);
  EXPECT_EQ(out.find("omp: \n"), std::string::npos);  // OMP_NUM_THREADS is set for the child

  // Never more than --jobs trainers at once.
  std::istringstream counts(read(dir_ / "concurrency.txt"));
  int n = 0, max_seen = 0, lines = 0;
  while (counts >> n) {
    max_seen = std::max(max_seen, n);
    ++lines;
  }
  EXPECT_EQ(lines, 6);
  EXPECT_LE(max_seen, 2);

  // The summary is sorted by the metric, failures last.
  std::string table = search_summary(rs, "accuracy");
  EXPECT_LT(table.find("learning_rate_0.1-batch_size_32"), table.find("learning_rate_0.2-batch_size_32"));
  EXPECT_LT(table.find("learning_rate_0.3-batch_size_32"), table.find("FAILED"));
  EXPECT_NE(table.find("| 0.9000"), std::string::npos) << table;
}

TEST_F(SearchRunner, FinishedTrialsAreSkippedOnTheNextRun) {
  run(1);
  fs::remove(dir_ / "concurrency.txt");
  std::vector<TrialResult> rs = run(3);
  EXPECT_EQ(result(rs, "learning_rate_0.1-batch_size_32").status, TrialResult::Status::Skipped);
  EXPECT_DOUBLE_EQ(metric_value(result(rs, "learning_rate_0.1-batch_size_32").best, "accuracy"), 0.9);
  EXPECT_EQ(result(rs, "learning_rate_0.1-batch_size_64").status, TrialResult::Status::Failed);
  std::istringstream counts(read(dir_ / "concurrency.txt"));
  int n = 0, lines = 0;
  while (counts >> n) ++lines;
  EXPECT_EQ(lines, 3);  // only the failed trials ran again

  rs = run(2, /*overwrite=*/true);
  EXPECT_EQ(result(rs, "learning_rate_0.1-batch_size_32").status, TrialResult::Status::Ok);
  EXPECT_NE(read(dir_ / "parent" / "learning_rate_0.1-batch_size_32" / "output.log").find("--overwrite"),
            std::string::npos);
}

TEST_F(SearchRunner, OutputsOfOtherParamsAreNotTouched) {
  const fs::path trial = dir_ / "parent" / "learning_rate_0.1-batch_size_32";
  fs::create_directories(trial);
  write(trial / "params.json", R"({"model": "toy", "num_epochs": 1, "learning_rate": 0.5})");
  write(trial / "metrics_val_best_weights.json", R"({"accuracy": 0.5})");
  std::vector<TrialResult> rs = run(2);
  const TrialResult& r = result(rs, "learning_rate_0.1-batch_size_32");
  EXPECT_EQ(r.status, TrialResult::Status::Failed);
  EXPECT_NE(r.message.find("--overwrite"), std::string::npos);
  EXPECT_NE(read(trial / "params.json").find("0.5"), std::string::npos);  // left as it was
  EXPECT_EQ(read(trial / "metrics_val_best_weights.json"), R"({"accuracy": 0.5})");
}

TEST_F(SearchRunner, MissingTrainerIsAFailedTrialNotACrash) {
  SearchOptions o;
  o.parent_dir = (dir_ / "parent").string();
  o.data_dir = "/data";
  o.command = {(dir_ / "no_such_trainer").string()};
  o.out = &log_;
  std::vector<TrialResult> rs = run_search(o, schema);
  for (const TrialResult& r : rs) EXPECT_EQ(r.status, TrialResult::Status::Failed);
}

TEST_F(SearchRunner, BadParentParamsStopBeforeAnyTrial) {
  write(dir_ / "parent" / "params.json", R"({"model": "toy", "batch_size": "x"})");
  std::string msg = error_of([&] { run(2); });
  EXPECT_HAS(msg, "params.json: key 'batch_size'");
  EXPECT_FALSE(fs::exists(dir_ / "parent" / "learning_rate_0.1-batch_size_32"));
}

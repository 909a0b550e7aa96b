// End to end: the `ember` executable on a small synthetic Fashion-MNIST-shaped dataset (IDX files
// written here; class c has a bright band at rows 2c+4..2c+5, so a model learns it in an epoch).
// train -> evaluate -> refuse to overwrite -> resume (bit-identical to an uninterrupted run) ->
// search with 2 parallel jobs -> synthesize; Ctrl-C mid-epoch then resume; and each bad input
// (corrupt params.json, unknown model, missing data_dir, corrupt checkpoint) exits non-zero with a
// clear message and leaves every file as it was.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include <ember/train/metrics_file.h>

#include "test_cli_util.h"

namespace fs = std::filesystem;
using namespace ember::train;
using ember::testing::read_file;
using ember::testing::write_file;
using ember::testing::write_dataset;

namespace {

fs::path ember_exe() {
  return fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "tools" / "ember" / "ember";
}

struct CmdResult {
  int rc = -1;
  std::string out;  // stdout and stderr
};

CmdResult run_ember(const std::string& args) {
  const std::string cmd = ember_exe().string() + " " + args + " 2>&1";
  CmdResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Every file under `dir` with its bytes.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = read_file(e.path());
  return files;
}

class CliEndToEnd : public ember::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    ASSERT_TRUE(fs::exists(ember_exe())) << ember_exe() << " is not built";
    data_ = dir_ / "data";
    write_dataset(data_, "train", 600, 1);
    write_dataset(data_, "t10k", 200, 2);
  }
  // An experiment directory with an mlp params.json.
  fs::path experiment(const std::string& name, int epochs = 2, int batch_size = 32) {
    const fs::path d = dir_ / name;
    write_file(d / "params.json", R"({"model": "mlp", "num_epochs": )" + std::to_string(epochs) +
                                      R"(, "batch_size": )" + std::to_string(batch_size) +
                                      R"(, "save_summary_steps": 5, "num_threads": 1})" + "\n");
    return d;
  }
  std::string flags(const fs::path& model_dir) const {
    return "--data_dir " + data_.string() + " --model_dir " + model_dir.string();
  }
  fs::path data_;
};

#define ASSERT_RUN_OK(run) ASSERT_EQ((run).rc, 0) << (run).out

}  // namespace

TEST_F(CliEndToEnd, TrainEvaluateResumeSearchSynthesize) {
  const fs::path exp = experiment("base");
  CmdResult r = run_ember("train " + flags(exp));
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "Epoch 2/2");
  EXPECT_HAS(r.out, "loss=");  // the progress bar's running loss
  for (const char* f : {"train.log", "last.safetensors", "best.safetensors", "metrics_val_last_weights.json",
                        "metrics_val_best_weights.json", "history.json", "curves.svg"})
    EXPECT_TRUE(fs::is_regular_file(exp / f)) << f;
  for (const char* d : {"train_summaries", "eval_summaries", "train_summaries/hparams"})
    EXPECT_FALSE(fs::is_empty(exp / d)) << d;
  EXPECT_HAS(read_file(exp / "train.log"), ":INFO: - Eval metrics: accuracy: ");
  EXPECT_HAS(read_file(exp / "curves.svg"), "<svg");

  History h = load_history((exp / "history.json").string());
  ASSERT_EQ(h.size(), 2u);
  for (const char* key : {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds",
                          "train_samples_per_s"})
    EXPECT_TRUE(has_metric(h[1], key)) << key;
  EXPECT_EQ(metric_value(h[1], "epoch"), 2);
  EXPECT_GT(metric_value(h[1], "val_accuracy"), 0.9);  // the bands are easy: it learned
  Metrics best = load_metrics((exp / "metrics_val_best_weights.json").string());
  double best_val = 0;
  for (const Metrics& row : h) best_val = std::max(best_val, metric_value(row, "val_accuracy"));
  EXPECT_DOUBLE_EQ(metric_value(best, "accuracy"), best_val);
  // Validation accuracy is over the whole split: a multiple of 1/60 (60 held-out samples).
  const double correct = metric_value(h[1], "val_accuracy") * 60;
  EXPECT_NEAR(correct, std::round(correct), 1e-9);

  r = run_ember("evaluate " + flags(exp));
  ASSERT_RUN_OK(r);
  Metrics test = load_metrics((exp / "metrics_test_best.json").string());
  EXPECT_GT(metric_value(test, "accuracy"), 0.9);
  EXPECT_HAS(read_file(exp / "evaluate.log"), "- Test metrics: accuracy: ");
  r = run_ember("evaluate --restore_file last " + flags(exp));
  ASSERT_RUN_OK(r);
  EXPECT_TRUE(fs::exists(exp / "metrics_test_last.json"));

  // A finished experiment is not overwritten without --overwrite.
  auto before = snapshot(exp);
  r = run_ember("train " + flags(exp));
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.out, "already holds a finished run (2 of 2 epochs); pass --overwrite");
  EXPECT_EQ(snapshot(exp), before);

  // Resuming continues the epoch count and the best metric, bit-identically to one 3-epoch run.
  experiment("base", 3);
  r = run_ember("train --restore_file last " + flags(exp));
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "Resuming from last after epoch 2");
  EXPECT_HAS(r.out, "Epoch 3/3");
  const fs::path straight = experiment("straight", 3);
  ASSERT_RUN_OK(run_ember("train " + flags(straight)));
  History resumed = load_history((exp / "history.json").string());
  History uninterrupted = load_history((straight / "history.json").string());
  ASSERT_EQ(resumed.size(), 3u);
  ASSERT_EQ(uninterrupted.size(), 3u);
  EXPECT_EQ(resumed[0], h[0]);
  for (size_t e = 0; e < 3; ++e)
    for (const char* key : {"train_loss", "train_accuracy", "val_loss", "val_accuracy"})
      EXPECT_EQ(metric_value(resumed[e], key), metric_value(uninterrupted[e], key)) << "epoch " << e + 1 << " " << key;

  // --overwrite starts again (and removes the old test metrics).
  r = run_ember("train --overwrite " + flags(exp));
  ASSERT_RUN_OK(r);
  EXPECT_FALSE(fs::exists(exp / "metrics_test_best.json"));
  EXPECT_EQ(load_history((exp / "history.json").string()).size(), 3u);

  // Search: 4 trials, 2 at a time, each with its own params.json, log and metrics.
  const fs::path parent = experiment("search", 1);
  write_file(parent / "search.json",
             R"({"params": {"learning_rate": [0.01, 0.001], "batch_size": [16, 64]}})");
  r = run_ember("search --jobs 2 --parent_dir " + parent.string() + " --data_dir " + data_.string());
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "search: 4 trials (grid)");
  EXPECT_HAS(r.out, "| trial");
  for (const char* t : {"learning_rate_0.01-batch_size_16", "learning_rate_0.01-batch_size_64",
                        "learning_rate_0.001-batch_size_16", "learning_rate_0.001-batch_size_64"}) {
    EXPECT_HAS(read_file(parent / t / "params.json"), "\"num_epochs\": 1");
    EXPECT_TRUE(fs::exists(parent / t / "metrics_val_best_weights.json")) << t;
    EXPECT_HAS(read_file(parent / t / "output.log"), "Epoch 1/1");
  }
  EXPECT_HAS(read_file(parent / "learning_rate_0.001-batch_size_64" / "params.json"), "\"batch_size\": 64");

  r = run_ember("synthesize --parent_dir " + parent.string());
  ASSERT_RUN_OK(r);
  const std::string table = read_file(parent / "results.md");
  EXPECT_HAS(r.out, table);
  EXPECT_HAS(table, "| experiment");
  EXPECT_HAS(table, "| learning_rate_0.01-batch_size_16 ");
  // Sorted by accuracy, best first.
  std::vector<double> acc;
  for (size_t at = table.find("\n| learning_rate"); at != std::string::npos; at = table.find("\n| learning_rate", at + 1)) {
    const size_t bar = table.find('|', at + 2);
    acc.push_back(std::stod(table.substr(bar + 1)));
  }
  ASSERT_EQ(acc.size(), 4u);
  EXPECT_TRUE(std::is_sorted(acc.rbegin(), acc.rend())) << table;

  r = run_ember("synthesize --parent_dir " + (dir_ / "data").string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.out, "no metrics_val_best_weights.json found");
}

TEST_F(CliEndToEnd, BadInputsExitNonZeroAndTouchNothing) {
  const fs::path exp = experiment("exp");
  ASSERT_RUN_OK(run_ember("train " + flags(exp)));

  auto check_untouched = [&](const std::string& args, const std::vector<std::string>& parts) {
    auto before = snapshot(dir_);
    CmdResult r = run_ember(args);
    EXPECT_EQ(r.rc, 1) << args << "\n" << r.out;
    for (const std::string& p : parts) EXPECT_HAS(r.out, p);
    EXPECT_LACKS(r.out, "terminate called");
    EXPECT_EQ(snapshot(dir_), before) << args;
  };

  // A corrupt params.json (here: in a fresh directory, and in a trained one with --overwrite).
  const fs::path bad = dir_ / "bad";
  write_file(bad / "params.json", "{\"model\": \"mlp\",\n \"batch_size\": 32,,\n}\n");
  check_untouched("train " + flags(bad), {"bad/params.json:2:", "malformed JSON"});
  const std::string good_params = read_file(exp / "params.json");
  write_file(exp / "params.json", "{\"model\": \"mlp\", \"batch_size\": \"32\"}");
  check_untouched("train --overwrite " + flags(exp), {"key 'batch_size': expected an integer, found string \"32\""});
  write_file(exp / "params.json", "{\"model\": \"mlp\", \"learnig_rate\": 0.1}");
  check_untouched("evaluate " + flags(exp), {"unknown key 'learnig_rate' (did you mean 'learning_rate'?)"});

  // An unknown model.
  write_file(exp / "params.json", "{\"model\": \"resnet152\"}");
  check_untouched("train --overwrite " + flags(exp),
                  {"unknown model 'resnet152'", "autoencoder, fashion_cnn, mlp, ner_lstm, signs_cnn"});
  write_file(exp / "params.json", good_params);

  // A missing data_dir.
  check_untouched("train --overwrite --data_dir " + (dir_ / "nowhere").string() + " --model_dir " + exp.string(),
                  {"nowhere: no such directory"});
  check_untouched("evaluate --data_dir " + (dir_ / "nowhere").string() + " --model_dir " + exp.string(),
                  {"nowhere: no such directory"});
  // A data_dir without the IDX files.
  fs::create_directories(dir_ / "empty");
  check_untouched("train --overwrite --data_dir " + (dir_ / "empty").string() + " --model_dir " + exp.string(),
                  {"train-images-idx3-ubyte"});
  // A missing model_dir.
  check_untouched("train " + flags(dir_ / "no_such_experiment"), {"no_such_experiment: no such directory"});

  // A corrupt checkpoint: truncated, and with a flipped data byte.
  std::string ckpt = read_file(exp / "last.safetensors");
  write_file(dir_ / "truncated.safetensors", ckpt.substr(0, ckpt.size() - 100));
  check_untouched("train --restore_file " + (dir_ / "truncated.safetensors").string() + " " + flags(exp),
                  {"truncated.safetensors"});
  check_untouched("evaluate --restore_file " + (dir_ / "truncated.safetensors").string() + " " + flags(exp),
                  {"truncated.safetensors"});
  std::string flipped = ckpt;
  flipped[flipped.size() - 10] ^= 0x40;
  write_file(exp / "last.safetensors", flipped);
  check_untouched("train --restore_file last " + flags(exp), {"last.safetensors"});
  check_untouched("evaluate --restore_file last " + flags(exp), {"last.safetensors"});
  // A checkpoint of another architecture.
  const fs::path other = dir_ / "other";
  write_file(other / "params.json", "{\"model\": \"autoencoder\", \"num_epochs\": 1}");
  check_untouched("evaluate --restore_file " + (exp / "best.safetensors").string() + " " + flags(other),
                  {"best.safetensors"});
  // Contradictory flags, missing required ones.
  check_untouched("train --overwrite --restore_file last " + flags(exp), {"contradict"});
  CmdResult r = run_ember("train --model_dir " + exp.string());
  EXPECT_NE(r.rc, 0);
  EXPECT_HAS(r.out, "--data_dir is required");
}

TEST_F(CliEndToEnd, CtrlCSavesACheckpointAndResumesWhereItStopped) {
  // 5,400 training samples in batches of 4: 1,350 steps, long enough to interrupt inside the epoch.
  write_dataset(data_, "train", 6000, 3);
  const fs::path exp = experiment("interrupted", 1, 4);
  const fs::path straight = experiment("straight", 1, 4);

  const fs::path log = dir_ / "interrupted.out";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::freopen(log.c_str(), "w", stdout);
    ::dup2(::fileno(stdout), 2);
    const std::string exe = ember_exe().string(), data = data_.string(), md = exp.string();
    ::execl(exe.c_str(), exe.c_str(), "train", "--data_dir", data.c_str(), "--model_dir", md.c_str(), nullptr);
    ::_exit(127);
  }
  // Interrupt once the log says the epoch began (the handler is installed by then).
  bool started = false;
  for (int i = 0; i < 3000 && !started; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    started = read_file(log).find("Epoch 1/1\n") != std::string::npos;
  }
  ASSERT_TRUE(started) << read_file(log);
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << read_file(log);
  const std::string out = read_file(log);
  if (WEXITSTATUS(status) == 0) GTEST_SKIP() << "the epoch ended before the interrupt arrived:\n" << out;
  EXPECT_EQ(WEXITSTATUS(status), 130) << out;
  EXPECT_HAS(out, "Interrupted after ");
  EXPECT_HAS(out, "resume with --restore_file last");
  EXPECT_TRUE(fs::exists(exp / "last.safetensors"));
  EXPECT_FALSE(fs::exists(exp / "history.json"));  // no epoch finished

  CmdResult r = run_ember("train --restore_file last " + flags(exp));
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "Resuming from last after epoch 0 and ");
  ASSERT_RUN_OK(run_ember("train " + flags(straight)));
  History a = load_history((exp / "history.json").string());
  History b = load_history((straight / "history.json").string());
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  for (const char* key : {"train_loss", "train_accuracy", "val_loss", "val_accuracy"})
    EXPECT_EQ(metric_value(a[0], key), metric_value(b[0], key)) << key;
}

// The other built-in models on data the `ember data` tools write: signs_cnn on a SIGNS folder made
// from the IDX files, ner_lstm on a generated corpus, and the autoencoder with its pictures.
TEST_F(CliEndToEnd, DataToolsAndTheOtherModels) {
  const fs::path signs = dir_ / "signs";
  CmdResult r = run_ember("data fashion-mnist-to-signs --mnist_dir " + data_.string() + " --out_dir " + signs.string() +
                          " --limit 120");
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "wrote 96 train, 24 val and 120 test images");
  const fs::path sexp = dir_ / "signs_exp";
  write_file(sexp / "params.json", R"({"model": "signs_cnn", "num_classes": 10, "num_channels": 4, "num_epochs": 1,
                                       "batch_size": 16, "num_threads": 1})");
  r = run_ember("train --data_dir " + signs.string() + " --model_dir " + sexp.string());
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "96 training and 24 validation samples");
  ASSERT_RUN_OK(run_ember("evaluate --data_dir " + signs.string() + " --model_dir " + sexp.string()));
  EXPECT_EQ(load_metrics((sexp / "metrics_test_best.json").string()).size(), 2u);
  const fs::path image = fs::directory_iterator(signs / "test_signs")->path();
  r = run_ember("predict --top_k 2 --model_dir " + sexp.string() + " " + image.string());
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, image.string() + ": label ");
  // A folder with more classes than the model has outputs.
  write_file(sexp / "params.json", R"({"model": "signs_cnn", "num_classes": 6})");
  r = run_ember("evaluate --data_dir " + signs.string() + " --model_dir " + sexp.string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.out, "num_classes is 6 but");

  const fs::path ner = dir_ / "ner";
  r = run_ember("data ner-corpus --train 300 --val 60 --test 60 --out_dir " + ner.string());
  ASSERT_RUN_OK(r);
  const fs::path nexp = dir_ / "ner_exp";
  write_file(nexp / "params.json", R"({"model": "ner_lstm", "num_epochs": 2, "batch_size": 16, "learning_rate": 0.01,
                                       "embedding_dim": 16, "lstm_hidden_dim": 16, "num_threads": 1})");
  r = run_ember("train --data_dir " + ner.string() + " --model_dir " + nexp.string());
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "best model by val f1");
  Metrics val = load_metrics((nexp / "metrics_val_best_weights.json").string());
  for (const char* k : {"loss", "accuracy", "f1", "precision", "recall"}) EXPECT_TRUE(has_metric(val, k)) << k;
  ASSERT_RUN_OK(run_ember("evaluate --data_dir " + ner.string() + " --model_dir " + nexp.string()));
  r = run_ember("predict --data_dir " + ner.string() + " --model_dir " + nexp.string() + " 'the city of Paris'");
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "the/");
  EXPECT_HAS(r.out, "Paris/");
  r = run_ember("predict --model_dir " + nexp.string() + " 'the city'");
  EXPECT_EQ(r.rc, 1);
  EXPECT_HAS(r.out, "needs --data_dir");

  const fs::path ae = dir_ / "ae_exp";
  write_file(ae / "params.json", R"({"model": "autoencoder", "num_epochs": 1, "batch_size": 64, "num_threads": 1})");
  r = run_ember("train " + flags(ae));
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "best model by val loss");
  EXPECT_TRUE(fs::exists(ae / "reconstructions" / "epoch_001.png"));
  Metrics ae_val = load_metrics((ae / "metrics_val_best_weights.json").string());
  EXPECT_TRUE(has_metric(ae_val, "loss"));
  EXPECT_FALSE(has_metric(ae_val, "accuracy"));
  r = run_ember("predict --model_dir " + ae.string() + " " + image.string());
  ASSERT_RUN_OK(r);
  EXPECT_HAS(r.out, "reconstruction MSE");
  EXPECT_TRUE(fs::exists(ae / "predictions" / (image.stem().string() + "_reconstruction.png")));
}

// ember train: the training loop (CS230's train.py / train_and_evaluate).
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/io/checkpoint.h"
#include "ember/io/plot.h"
#include "ember/io/tensorboard.h"
#include "ember/nn/utils/clip_grad.h"
#include "ember/train/logger.h"
#include "ember/train/optimizer_factory.h"
#include "ember/train/progress.h"
#include "ember/train/synthesize.h"
#include "ember/train/trainer.h"
#include "train/interrupt.h"
#include "train/session.h"

namespace fs = std::filesystem;

namespace ember::train {

using detail::metrics_text;
using Clock = std::chrono::steady_clock;

namespace {

// Checkpoint metadata keys of a run stopped mid-epoch (Ctrl-C): the epoch in progress and the
// batches of it already trained; the loader generator is saved as it was when that epoch began.
constexpr const char* kPartialEpoch = "partial_epoch";
constexpr const char* kPartialBatches = "partial_batches";
constexpr const char* kPartialSums = "partial_train_sums";  // the epoch's training metric sums so far

bool better(double value, std::optional<double> best, bool higher) {
  if (std::isnan(value)) return false;
  if (!best || std::isnan(*best)) return true;
  return higher ? value > *best : value < *best;
}

// The batches of an interrupted epoch already trained, as a checkpoint's metadata says (that
// metadata is outside the data checksum: a damaged value was taken by std::stoll as it came).
int64_t partial_batches(const std::string& text, int64_t steps_per_epoch, const std::string& path) {
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(text.c_str(), &end, 10);
  EMBER_CHECK(!text.empty() && errno == 0 && *end == '\0' && n >= 0 && n < steps_per_epoch, "checkpoint ", path,
              ": metadata \"user.", kPartialBatches, "\" is \"", text, "\": expected the batches of the interrupted epoch "
              "already trained, 0 to ", steps_per_epoch - 1, " (an epoch has ", steps_per_epoch,
              " batches; was batch_size changed?)");
  return n;
}

std::string status_hint(const ExperimentDir::Status& st, int64_t num_epochs) {
  if (st.finished)
    return "already holds a finished run (" + std::to_string(st.epochs_done) + " of " + std::to_string(num_epochs) +
           " epochs); pass --overwrite to train again from scratch";
  return "holds the outputs of an earlier run (" + std::to_string(st.epochs_done) + " of " +
         std::to_string(num_epochs) + " epochs done); pass --restore_file last to resume it, or --overwrite to start over";
}

// "train_loss", "val_accuracy", ... for history.json and the plot.
void add_prefixed(Metrics& row, const std::string& prefix, const Metrics& m) {
  for (const auto& [k, v] : m) row.emplace_back(prefix + k, v);
}

// The curves of history.json: one panel per metric the task reports, train vs validation.
void write_plot(const History& history, const Metrics& val_example, const std::string& path, const std::string& title) {
  std::vector<io::MetricCurves> curves;
  for (const auto& [name, unused] : val_example) {
    io::MetricCurves c;
    c.name = name;
    for (const Metrics& row : history) {
      c.train.push_back(has_metric(row, "train_" + name) ? metric_value(row, "train_" + name) : std::nan(""));
      c.val.push_back(has_metric(row, "val_" + name) ? metric_value(row, "val_" + name) : std::nan(""));
    }
    curves.push_back(std::move(c));
  }
  io::training_curves(curves, title).save(path);
}

}  // namespace

TrainResult train(const TrainOptions& o) {
  // ---- 1. Everything that can fail, before any file is written --------------------------------
  detail::Session s = detail::open_session(o.model_dir, o.data_dir);
  const ExperimentDir& exp = s.exp;
  const Params& params = s.params;
  const int64_t num_epochs = params.num_epochs();
  EMBER_CHECK(!(o.overwrite && !o.restore_file.empty()), "--overwrite and --restore_file contradict each other: "
                                                         "--overwrite starts from scratch, --restore_file resumes");
  const ExperimentDir::Status status = exp.status(num_epochs);
  if (o.restore_file.empty() && status.has_outputs() && !o.overwrite)
    EMBER_THROW("model_dir ", exp.path(), " ", status_hint(status, num_epochs));

  auto train_set = s.task->dataset(Split::Train, params);
  auto val_set = s.task->dataset(Split::Val, params);
  EMBER_CHECK(train_set->size() > 0, "the training split is empty");
  EMBER_CHECK(val_set->size() > 0, "the validation split is empty");
  const int64_t batch_size = params.batch_size();
  auto loader_gen = std::make_shared<Generator>(static_cast<uint64_t>(params.seed()));
  data::DataLoaderOptions train_opts;
  train_opts.batch_size = batch_size;
  train_opts.shuffle = true;
  train_opts.num_workers = static_cast<int>(params.get_int("num_workers"));
  train_opts.generator = loader_gen;
  // A last batch of one sample breaks batch norm's training statistics: drop it.
  train_opts.drop_last = train_set->size() % batch_size == 1 && train_set->size() > 1;
  data::DataLoader<data::Example> train_loader(train_set, train_opts, s.task->collate());
  data::DataLoaderOptions val_opts = train_opts;
  val_opts.shuffle = false;
  val_opts.drop_last = false;
  val_opts.generator = nullptr;
  data::DataLoader<data::Example> val_loader(val_set, val_opts, s.task->collate());
  const int64_t steps_per_epoch = train_loader.size();

  const bool higher = !lower_is_better(s.metric);
  std::unique_ptr<optim::Optimizer> optimizer = make_optimizer(params, s.model->parameters());
  TrainScheduler scheduler(params, *optimizer, steps_per_epoch, higher);

  Checkpoint ckpt(*s.model, optimizer.get(), scheduler.get());
  ckpt.generators["loader"] = loader_gen.get();
  ckpt.metadata["params"] = params.to_json();
  int64_t start_epoch = 0, skip_batches = 0;
  MetricSums resumed_sums;
  std::optional<double> best;
  History history;
  if (!o.restore_file.empty()) {
    const std::string path = detail::checkpoint_path(exp, o.restore_file);
    if (detail::is_training_checkpoint(path)) {
      ckpt.load(path);  // checks the whole file before assigning anything
      start_epoch = ckpt.epoch;
      best = ckpt.best_metric;
      if (ckpt.metadata.count(kPartialBatches)) {  // stopped by Ctrl-C inside epoch start_epoch + 1
        skip_batches = partial_batches(ckpt.metadata.at(kPartialBatches), steps_per_epoch, path);
        if (ckpt.metadata.count(kPartialSums)) {
          try {
            resumed_sums = MetricSums::from_string(ckpt.metadata.at(kPartialSums));
          } catch (const Error& e) {
            EMBER_THROW("checkpoint ", path, ": metadata \"user.", kPartialSums, "\": ", e.what());
          }
        }
        for (const char* k : {kPartialBatches, kPartialEpoch, kPartialSums}) ckpt.metadata.erase(k);
      }
      ckpt.metadata["params"] = params.to_json();
    } else {
      ember::load(*s.model, path);  // a plain state_dict: its weights start a fresh run
    }
    if (start_epoch > 0 && fs::exists(exp.history_file())) {
      history = load_history(exp.history_file());
      if (static_cast<int64_t>(history.size()) > start_epoch) history.resize(static_cast<size_t>(start_epoch));
    }
  }

  // ---- 2. The run ----------------------------------------------------------------------------
  TrainResult result;
  result.epochs_done = start_epoch;
  Logger log;  // the console until the run starts; then train.log too
  if (start_epoch >= num_epochs) {
    log.info("Nothing to do: " + exp.path() + " has trained " + std::to_string(start_epoch) + " of " +
             std::to_string(num_epochs) + " epochs (raise num_epochs in params.json to train longer)");
    if (fs::exists(exp.best_metrics_file())) result.best = load_metrics(exp.best_metrics_file());
    return result;
  }
  if (o.overwrite) exp.clear_training_outputs();
  log.set_file(exp.train_log());
  const int64_t global_step0 = start_epoch * steps_per_epoch + skip_batches;
  tensorboard::SummaryWriterOptions tb_opts;
  if (global_step0 > 0) tb_opts.purge_step = global_step0;  // hide events of the run's abandoned tail
  tensorboard::SummaryWriter train_writer(exp.file("train_summaries"), tb_opts);
  tensorboard::SummaryWriter eval_writer(exp.file("eval_summaries"), tb_opts);

  log.info("Model " + params.model() + " (" + std::to_string(s.model->parameter_count()) + " parameters), " +
           std::to_string(train_set->size()) + " training and " + std::to_string(val_set->size()) +
           " validation samples, " + optimizer->name() + " lr " + format_metric(params.learning_rate()) +
           ", scheduler " + scheduler.name() + ", best model by val " + s.metric);
  if (start_epoch > 0 || skip_batches > 0)
    log.info("Resuming from " + o.restore_file + " after epoch " + std::to_string(start_epoch) +
             (skip_batches ? " and " + std::to_string(skip_batches) + " batches of the next" : "") +
             (best ? ", best val " + s.metric + " " + format_metric(*best) : ""));
  log.info("Starting training for " + std::to_string(num_epochs - start_epoch) + " epoch(s)");

  detail::InterruptGuard interrupt;
  const int64_t summary_steps = params.get_int("save_summary_steps");
  const double clip = params.get_float("clip_grad_norm");
  int64_t global_step = global_step0;

  for (int64_t epoch = start_epoch + 1; epoch <= num_epochs; ++epoch) {
    log.info("Epoch " + std::to_string(epoch) + "/" + std::to_string(num_epochs));
    const auto t0 = Clock::now();
    const Generator loader_at_epoch_start = *loader_gen;
    s.model->train();
    MetricSums train_sums = skip_batches ? resumed_sums : MetricSums();
    double running = 0;  // exponential running loss shown by the progress bar
    int64_t seen = 0, batches = 0, samples = 0;  // samples: trained by this process (for the rate)
    ProgressBar bar(steps_per_epoch, {.desc = "Epoch " + std::to_string(epoch) + "/" + std::to_string(num_epochs)});
    bool stopped = false;
    for (data::Example& batch : train_loader) {
      if (batches < skip_batches) {  // a resumed epoch: these batches were trained before Ctrl-C
        ++batches;
        bar.update();
        continue;
      }
      Tensor input = s.task->input(batch), target = s.task->target(batch);
      Tensor output = s.model->forward(input);
      Tensor loss = s.task->loss(output, target);
      optimizer->zero_grad();
      loss.backward();
      if (clip > 0) nn::utils::clip_grad_norm_(s.model->parameters(), clip);
      optimizer->step();
      scheduler.after_batch();
      const double l = loss.item<double>();
      {
        NoGradGuard no_grad;
        s.task->accumulate(train_sums, output.detach(), target, l);
        if (++global_step % summary_steps == 0) {
          MetricSums one;
          s.task->accumulate(one, output.detach(), target, l);
          for (const auto& [k, v] : s.task->finalize(one)) train_writer.add_scalar(k, v, global_step);
          train_writer.add_scalar("lr", optimizer->param_groups()[0].lr(), global_step);
        }
      }
      running = seen == 0 ? l : 0.9 * running + 0.1 * l;
      ++seen;
      ++batches;
      samples += input.size(0);
      bar.set_postfix({{"loss", running}});
      bar.update();
      if (detail::InterruptGuard::requested() && batches < steps_per_epoch) {
        stopped = true;
        break;
      }
    }
    bar.close();
    if (stopped) {  // save where we are, with the loader generator as the epoch began
      Generator now = *loader_gen;
      *loader_gen = loader_at_epoch_start;
      ckpt.epoch = epoch - 1;
      ckpt.best_metric = best;
      ckpt.metadata[kPartialEpoch] = std::to_string(epoch);
      ckpt.metadata[kPartialBatches] = std::to_string(batches);
      ckpt.metadata[kPartialSums] = train_sums.to_string();
      ckpt.save(exp.last_checkpoint());
      for (const char* k : {kPartialBatches, kPartialEpoch, kPartialSums}) ckpt.metadata.erase(k);
      *loader_gen = now;
      log.info("Interrupted after " + std::to_string(batches) + " of " + std::to_string(steps_per_epoch) +
               " batches of epoch " + std::to_string(epoch) + ": saved " + exp.last_checkpoint() +
               " (resume with --restore_file last)");
      result.interrupted = true;
      break;
    }
    skip_batches = 0;
    const double train_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const double epoch_lr = optimizer->param_groups()[0].lr();  // the lr of the epoch's last step

    Metrics train_metrics = s.task->finalize(train_sums);
    ValidationContext vctx{epoch, exp.path(), &eval_writer};
    Metrics val_metrics = detail::run_evaluation(s, val_loader, [&](const Tensor& in, const Tensor& out) {
      s.task->after_validation(in, out, vctx);
    });
    EMBER_CHECK(has_metric(val_metrics, s.metric), exp.params_file(), ": key 'metric': the task reports no '", s.metric,
                "' (it reports: ", metrics_text(val_metrics), ")");
    const double val = metric_value(val_metrics, s.metric);
    scheduler.after_epoch(val);
    const bool is_best = better(val, best, higher);
    if (is_best) best = val;

    ckpt.epoch = epoch;
    ckpt.best_metric = best;
    ckpt.save(exp.last_checkpoint());
    Metrics val_file = val_metrics;
    val_file.emplace_back("epoch", static_cast<double>(epoch));
    save_metrics(exp.last_metrics_file(), val_file);
    if (is_best) {
      ckpt.save(exp.best_checkpoint());
      save_metrics(exp.best_metrics_file(), val_file);
      result.best = val_metrics;
    }
    result.last = val_metrics;
    result.epochs_done = epoch;

    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    Metrics row = {{"epoch", static_cast<double>(epoch)}};
    add_prefixed(row, "train_", train_metrics);
    add_prefixed(row, "val_", val_metrics);
    row.emplace_back("lr", epoch_lr);
    row.emplace_back("seconds", seconds);
    row.emplace_back("train_samples_per_s", train_seconds > 0 ? static_cast<double>(samples) / train_seconds : 0.0);
    history.push_back(row);
    save_history(exp.history_file(), history);
    write_plot(history, val_metrics, exp.file("curves.svg"), params.model() + " (" + exp.path() + ")");

    for (const auto& [k, v] : val_metrics) eval_writer.add_scalar(k, v, global_step);
    for (const auto& [name, p] : s.model->named_parameters()) {
      try {
        train_writer.add_histogram(name, p.detach(), epoch);
      } catch (const Error& e) {  // e.g. non-finite weights of a diverged run: the histogram is skipped
        log.warning("no histogram of ", name, " at epoch ", epoch, ": ", e.what());
      }
    }
    train_writer.flush();
    eval_writer.flush();

    log.info("- Train metrics: " + metrics_text(train_metrics));
    log.info("- Eval metrics: " + metrics_text(val_metrics) + (is_best ? "  (new best " + s.metric + ")" : ""));
    if (detail::InterruptGuard::requested()) {
      log.info("Interrupted after epoch " + std::to_string(epoch) + ": saved " + exp.last_checkpoint() +
               " (resume with --restore_file last)");
      result.interrupted = epoch < num_epochs;
      break;
    }
  }

  if (!result.interrupted) {
    tensorboard::HParams hp;
    for (const ParamSpec& spec : params.schema()) {
      const ParamValue& v = params.at(spec.name);
      switch (v.type()) {
        case ParamValue::Type::Int: hp.emplace_back(spec.name, static_cast<double>(v.as_int())); break;
        case ParamValue::Type::Float: hp.emplace_back(spec.name, v.as_float()); break;
        case ParamValue::Type::Bool: hp.emplace_back(spec.name, v.as_bool()); break;
        default: hp.emplace_back(spec.name, v.to_string());
      }
    }
    tensorboard::ScalarDict hmetrics;
    for (const auto& [k, v] : result.best)
      if (std::isfinite(v)) hmetrics.emplace_back("hparam/" + k, v);
    train_writer.add_hparams(hp, hmetrics, {}, "hparams");
    log.info("Done: best val " + s.metric + " " + (best ? format_metric(*best) : "n/a") + "; checkpoints " +
             exp.last_checkpoint() + ", " + exp.best_checkpoint() + "; curves " + exp.file("curves.svg") +
             "; TensorBoard: tensorboard --logdir " + exp.path());
  }
  return result;
}

}  // namespace ember::train

// run_cli: the `ember` command line (CLI11), shared by tools/ember and user programs.
#include "ember/train/cli.h"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>

#include "ember/core/error.h"
#include "ember/train/registry.h"
#include "ember/train/search.h"
#include "ember/train/synthesize.h"
#include "ember/train/task.h"
#include "train/commands.h"

namespace fs = std::filesystem;

namespace ember::train {

namespace {

int list_models(const std::string& name) {
  if (name.empty()) {
    std::cout << "models (params.json \"model\"):\n";
    for (const std::string& n : model_names()) {
      const ModelInfo& m = find_model(n);
      std::cout << "  " << n << std::string(n.size() < 14 ? 14 - n.size() : 1, ' ') << "[" << m.task << "] "
                << m.description << "\n";
    }
    std::cout << "`ember models NAME` shows a model's keys and a params.json with every default.\n";
    return 0;
  }
  const ModelInfo& m = find_model(name);
  std::cout << m.name << " [" << m.task << "]: " << m.description << "\n\nkeys of params.json:\n";
  Params p(schema_for(name));
  p.set("model", ParamValue(name));
  for (const ParamSpec& s : p.schema())
    std::cout << "  " << s.name << " (" << type_name(s.type) << (s.required ? ", required" : "")
              << "): " << s.help << "\n";
  std::cout << "\nparams.json with the defaults:\n" << p.to_json();
  return 0;
}

int search(const SearchOptions& opts, const std::string& metric_arg) {
  std::vector<TrialResult> results = run_search(opts, schema_for);
  std::string metric = metric_arg;
  if (metric.empty()) {  // the metric that picked each trial's best epoch
    const Params parent = load_params((fs::path(opts.parent_dir) / "params.json").string());
    metric = parent.get_string("metric");
    if (metric.empty()) metric = make_task(find_model(parent.model()).task)->default_metric();
  }
  std::cout << "\n" << search_summary(results, metric);
  int failed = 0, interrupted = 0;
  for (const TrialResult& r : results) {
    failed += r.status == TrialResult::Status::Failed;
    interrupted += r.status == TrialResult::Status::Interrupted;
  }
  if (interrupted) {
    std::cout << "search interrupted: " << interrupted << " trial(s) did not finish\n";
    return 130;
  }
  if (failed) {
    std::cout << failed << " of " << results.size() << " trial(s) failed (see output.log in their directories)\n";
    return 1;
  }
  std::cout << "all " << results.size() << " trial(s) done; `ember synthesize --parent_dir " << opts.parent_dir
            << "` tabulates them in results.md\n";
  return 0;
}

int synthesize_cmd(const std::string& parent_dir, const std::string& metric) {
  std::vector<std::string> warnings;
  std::string table = synthesize(parent_dir, metric, &warnings);
  for (const std::string& w : warnings) std::cerr << "warning: " << w << "\n";
  std::cout << table << "written to " << (fs::path(parent_dir) / "results.md").string() << "\n";
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"ember: train, evaluate and compare models from experiment directories (model_dir/params.json)"};
  app.require_subcommand(1);
  app.footer(
      "An experiment is a directory with a params.json (`ember models NAME` prints one). For example:\n"
      "  ember train      --data_dir /usr/share/datasets/fashion-mnist --model_dir experiments/fashion_cnn\n"
      "  ember evaluate   --data_dir /usr/share/datasets/fashion-mnist --model_dir experiments/fashion_cnn\n"
      "  ember search     --data_dir /usr/share/datasets/fashion-mnist --parent_dir experiments/learning_rate "
      "--jobs 2\n"
      "  ember synthesize --parent_dir experiments/learning_rate\n"
      "Every subcommand has --help.");
  app.fallthrough(false);

  cmd::TrainArgs train_args;
  CLI::App* train = app.add_subcommand("train", "Train the model of model_dir/params.json, evaluating on the "
                                                "validation split after every epoch");
  train->add_option("--data_dir", train_args.data_dir, "Directory holding the dataset")->required();
  train->add_option("--model_dir", train_args.model_dir, "Experiment directory holding params.json")->required();
  train->add_option("--restore_file", train_args.restore_file,
                    "Resume from a training checkpoint: 'last', 'best' (in model_dir) or a path; a plain "
                    "state_dict (e.g. exported from PyTorch) starts a fresh run from its weights");
  train->add_flag("--overwrite", train_args.overwrite,
                  "Replace the outputs of a previous run (checkpoints, logs, metrics) instead of refusing");

  cmd::EvaluateArgs eval_args;
  CLI::App* evaluate = app.add_subcommand("evaluate", "Evaluate a trained model on the test split");
  evaluate->add_option("--data_dir", eval_args.data_dir, "Directory holding the dataset")->required();
  evaluate->add_option("--model_dir", eval_args.model_dir, "Experiment directory holding params.json")->required();
  evaluate->add_option("--restore_file", eval_args.restore_file,
                       "Weights to evaluate: 'best', 'last' (in model_dir) or the path of a safetensors "
                       "checkpoint or PyTorch state_dict")->capture_default_str();

  cmd::PredictArgs predict_args;
  CLI::App* predict = app.add_subcommand("predict", "Predict with a trained model: the class and probability of "
                                                    "image files, or the tags of sentences");
  predict->add_option("--model_dir", predict_args.model_dir, "Experiment directory holding params.json")->required();
  predict->add_option("--restore_file", predict_args.restore_file, "Weights: 'best', 'last' or a path")->capture_default_str();
  predict->add_option("--data_dir", predict_args.data_dir, "Dataset directory, for models with a vocabulary (ner_lstm)");
  predict->add_option("--top_k", predict_args.top_k, "Classes to show per image")->capture_default_str()->check(CLI::Range(1, 1000));
  predict->add_option("inputs", predict_args.inputs, "Image files (JPEG/PNG), or sentences for a tagging model")
      ->required();

  SearchOptions search_opts;
  std::string search_metric;
  CLI::App* search_cmd = app.add_subcommand("search", "Hyper-parameter search: one child `ember train` per trial "
                                                      "(parent_dir/params.json + parent_dir/search.json)");
  search_cmd->add_option("--parent_dir", search_opts.parent_dir, "Directory holding params.json and search.json")
      ->required();
  search_cmd->add_option("--data_dir", search_opts.data_dir, "Directory holding the dataset")->required();
  search_cmd->add_option("--jobs,-j", search_opts.jobs, "Trials running at once")->capture_default_str()->check(CLI::Range(1, 256));
  search_cmd->add_option("--search_file", search_opts.search_file, "The search (default parent_dir/search.json)");
  search_cmd->add_option("--metric", search_metric, "Metric that orders the summary (default: the one that picks "
                                                    "the best epoch: params' metric, else the model's)");
  search_cmd->add_flag("--overwrite", search_opts.overwrite, "Re-run trials that already finished");

  std::string synth_dir, synth_metric = "accuracy";
  CLI::App* synth = app.add_subcommand("synthesize", "Collect every metrics_val_best_weights.json under a directory "
                                                     "into results.md, sorted by a metric");
  synth->add_option("--parent_dir", synth_dir, "Directory to search (recursively)")->required();
  synth->add_option("--metric", synth_metric, "Metric to sort by (lower is better for *loss and *error)")->capture_default_str();

  std::string model_name;
  CLI::App* models = app.add_subcommand("models", "List the registered models, or show one's params.json keys");
  models->add_option("name", model_name, "A model name");

  cmd::DataArgs data_args;
  CLI::App* data = cmd::add_data_command(app, data_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  const char* name = argc > 1 ? argv[1] : "ember";
  try {
    if (train->parsed()) return cmd::train(train_args);
    if (evaluate->parsed()) return cmd::evaluate(eval_args);
    if (predict->parsed()) return cmd::predict(predict_args);
    if (search_cmd->parsed()) return search(search_opts, search_metric);
    if (synth->parsed()) return synthesize_cmd(synth_dir, synth_metric);
    if (models->parsed()) return list_models(model_name);
    if (data->parsed()) return cmd::run_data(*data, data_args);
  } catch (const Error& e) {
    std::cerr << "ember " << name << ": error: " << e.what() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ember " << name << ": error: " << e.what() << std::endl;
    return 1;
  }
  return 2;
}

}  // namespace ember::train

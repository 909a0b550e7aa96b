#pragma once
// Internal: the subcommands behind run_cli. Each returns an exit status and lets ember::Error
// propagate (run_cli prints it).
#include <string>
#include <vector>

#include "ember/data/tools.h"

namespace CLI {
class App;
}

namespace ember::train::cmd {

struct TrainArgs {
  std::string data_dir, model_dir, restore_file;
  bool overwrite = false;
};
int train(const TrainArgs& args);

struct EvaluateArgs {
  std::string data_dir, model_dir, restore_file = "best";
};
int evaluate(const EvaluateArgs& args);

struct PredictArgs {
  std::string model_dir, restore_file = "best", data_dir;
  std::vector<std::string> inputs;
  int top_k = 1;
};
int predict(const PredictArgs& args);

// `ember data ...`: adds the subcommand (and its own subcommands, whose options land in `args`)
// to `app`; run_data runs the one that was parsed.
struct DataArgs {
  std::string mnist_dir = "/usr/share/datasets/fashion-mnist", out_dir, data_dir;
  data::SignsExportOptions signs;
  data::NERCorpusOptions ner;
  data::NERVocabOptions vocab;
};
CLI::App* add_data_command(CLI::App& app, DataArgs& args);
int run_data(CLI::App& data, const DataArgs& args);

}  // namespace ember::train::cmd

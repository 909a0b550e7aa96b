// TEMPORARY (phase A): the commands that need the layers, losses and data loaders of other branches.
#include <CLI/CLI.hpp>

#include "ember/core/error.h"
#include "train/commands.h"

namespace ember::train::cmd {

int train(const TrainArgs&) { EMBER_THROW("train: not available yet"); }
int evaluate(const EvaluateArgs&) { EMBER_THROW("evaluate: not available yet"); }
int predict(const PredictArgs&) { EMBER_THROW("predict: not available yet"); }
CLI::App* add_data_command(CLI::App& app) { return app.add_subcommand("data", "Dataset tools (not available yet)"); }
int run_data(CLI::App&) { EMBER_THROW("data: not available yet"); }

}  // namespace ember::train::cmd

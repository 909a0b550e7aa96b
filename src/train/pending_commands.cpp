// TEMPORARY: `ember data` waits for the data branch's dataset tools.
#include <CLI/CLI.hpp>

#include "ember/core/error.h"
#include "train/commands.h"

namespace ember::train::cmd {

CLI::App* add_data_command(CLI::App& app) { return app.add_subcommand("data", "Dataset tools (not available yet)"); }
int run_data(CLI::App&) { EMBER_THROW("data: not available yet"); }

}  // namespace ember::train::cmd

// The train / evaluate / predict subcommands: the library calls plus exit statuses.
#include <iostream>

#include "ember/train/trainer.h"
#include "train/commands.h"

namespace ember::train::cmd {

int train(const TrainArgs& a) {
  TrainResult r = ember::train::train({a.data_dir, a.model_dir, a.restore_file, a.overwrite});
  return r.interrupted ? 130 : 0;
}

int evaluate(const EvaluateArgs& a) {
  ember::train::evaluate({a.data_dir, a.model_dir, a.restore_file});
  return 0;
}

int predict(const PredictArgs& a) {
  for (const std::string& line : ember::train::predict({a.model_dir, a.restore_file, a.data_dir, a.inputs, a.top_k}))
    std::cout << line << "\n";
  return 0;
}

}  // namespace ember::train::cmd

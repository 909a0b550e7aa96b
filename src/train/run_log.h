#pragma once
// Internal: the log of a command: messages to the console and, with a timestamp and level as
// CS230's utils.set_logger writes them ("2018-01-31 12:00:00,123:INFO: message"), to a file.
#include <fstream>
#include <iostream>
#include <string>

namespace ember::train::detail {

class RunLog {
 public:
  RunLog() = default;
  // Appends to `path` (created if missing).
  void open(const std::string& path);
  void info(const std::string& message);
  void warning(const std::string& message);

 private:
  void write(const char* level, const std::string& message);
  std::ofstream file_;
};

}  // namespace ember::train::detail

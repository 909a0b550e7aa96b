#pragma once
// A logger like the one CS230's utils.set_logger configures: every message goes to the log
// file as "%(asctime)s:%(levelname)s: %(message)s" (appended, flushed line by line) and, as
// the plain message, to the console (std::cerr, as Python's StreamHandler).
//
//   auto& log = ember::train::set_logger("experiments/base_model/train.log");
//   log.info("Loading the datasets...");
//   log.info("- Train metrics: accuracy: ", acc, " ; loss: ", loss);
//
//   train.log:  2024-05-01 13:45:06,789:INFO: Loading the datasets...
//   console:    Loading the datasets...
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>

#include "ember/core/error.h"

namespace ember::train {

enum class LogLevel : int { Debug = 10, Info = 20, Warning = 30, Error = 40, Critical = 50 };
const char* level_name(LogLevel level);  // "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"

class Logger {
 public:
  // Console only (std::cerr).
  Logger();
  // Appends to `log_path` (created if missing; its directory must exist: ember::Error otherwise)
  // and writes to std::cerr (set_console changes or silences that).
  explicit Logger(const std::string& log_path, LogLevel level = LogLevel::Info);
  ~Logger();
  Logger(Logger&&) noexcept;
  Logger& operator=(Logger&&) noexcept;

  // Switches the log file (appending); an empty path stops file output.
  void set_file(const std::string& log_path);
  const std::string& file() const;
  void set_console(std::ostream* console);  // null: no console output; default std::cerr
  void set_level(LogLevel level);           // messages below it are dropped (default Info)
  LogLevel level() const;

  // Writes one record; never throws (a failing log write is reported once on std::cerr, as
  // Python's logging reports a handler error, and training goes on).
  void log(LogLevel level, const std::string& message);
  // The arguments streamed together: info("epoch ", e, "/", n).
  template <class... Args> void debug(const Args&... a) { log(LogLevel::Debug, detail::cat_str(a...)); }
  template <class... Args> void info(const Args&... a) { log(LogLevel::Info, detail::cat_str(a...)); }
  template <class... Args> void warning(const Args&... a) { log(LogLevel::Warning, detail::cat_str(a...)); }
  template <class... Args> void error(const Args&... a) { log(LogLevel::Error, detail::cat_str(a...)); }
  template <class... Args> void critical(const Args&... a) { log(LogLevel::Critical, detail::cat_str(a...)); }

  // Python logging's default asctime for a time in milliseconds since the epoch, local time:
  // "2024-05-01 13:45:06,789".
  static std::string format_time(int64_t unix_ms);

 private:
  void check_alive() const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The process-wide logger: console only until set_logger gives it a file. set_logger(path)
// points it at `path` (CS230's set_logger keeps its first file; here a later call switches).
Logger& logger();
Logger& set_logger(const std::string& log_path);

}  // namespace ember::train

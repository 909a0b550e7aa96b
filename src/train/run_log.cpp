// RunLog: console messages mirrored to a log file with CS230's line format.
#include "train/run_log.h"

#include <chrono>
#include <cstring>
#include <ctime>

#include "ember/core/error.h"

namespace ember::train::detail {

void RunLog::open(const std::string& path) {
  file_.open(path, std::ios::app);
  EMBER_CHECK(file_.is_open(), path, ": cannot open for writing: ", std::strerror(errno));
}

void RunLog::info(const std::string& message) { write("INFO", message); }
void RunLog::warning(const std::string& message) { write("WARNING", message); }

void RunLog::write(const char* level, const std::string& message) {
  std::cout << message << std::endl;
  if (!file_.is_open()) return;
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const long ms = static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char stamp[64];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
  char millis[8];
  std::snprintf(millis, sizeof(millis), ",%03ld", ms);
  file_ << stamp << millis << ":" << level << ": " << message << "\n";
  file_.flush();
}

}  // namespace ember::train::detail

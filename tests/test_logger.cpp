// Logger: the file gets Python logging's "%(asctime)s:%(levelname)s: %(message)s" lines
// (asctime as "%Y-%m-%d %H:%M:%S,mmm", checked against Python's own formatting of the same
// instant), appended and flushed per line; the console gets the plain messages.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <ember/train/logger.h>

#include "support/error_matchers.h"

namespace fs = std::filesystem;
using ember::train::LogLevel;
using ember::train::Logger;

namespace {

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream f(p);
  std::vector<std::string> v;
  for (std::string l; std::getline(f, l);) v.push_back(l);
  return v;
}

struct TempLog {
  fs::path dir = fs::temp_directory_path() / ("ember_log_" + std::to_string(getpid()) + "_" + std::to_string(n++));
  TempLog() { fs::create_directories(dir); }
  ~TempLog() { fs::remove_all(dir); }
  std::string path(const std::string& name = "train.log") const { return (dir / name).string(); }
  static inline int n = 0;
};

}  // namespace

// Python: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(1714570506)) + ",%03d" % 789 with
// TZ=UTC gives "2024-05-01 13:35:06,789".
TEST(Logger, TimeFormatLikePythonLogging) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "UTC", 1);
  tzset();
  EXPECT_EQ(Logger::format_time(1714570506789LL), "2024-05-01 13:35:06,789");
  EXPECT_EQ(Logger::format_time(1714570506005LL), "2024-05-01 13:35:06,005");
  if (old) setenv("TZ", saved.c_str(), 1); else unsetenv("TZ");
  tzset();
}

TEST(Logger, FileLinesAndConsoleMessages) {
  TempLog t;
  std::ostringstream console;
  {
    Logger log(t.path());
    log.set_console(&console);
    log.info("Loading the datasets...");
    log.info("- Train metrics: accuracy: ", 0.9125, " ; loss: ", 0.25);
    log.debug("hidden at INFO");
    log.warning("lr is large");
    log.error("boom");
    // Flushed per line: another reader sees the lines while the logger is open.
    auto lines = read_lines(t.path());
    ASSERT_EQ(lines.size(), 4u);
    std::regex line(R"((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}):(INFO|WARNING|ERROR): (.*))");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(lines[0], m, line)) << lines[0];
    EXPECT_EQ(m[2], "INFO");
    EXPECT_EQ(m[3], "Loading the datasets...");
    ASSERT_TRUE(std::regex_match(lines[1], m, line)) << lines[1];
    EXPECT_EQ(m[3], "- Train metrics: accuracy: 0.9125 ; loss: 0.25");
    ASSERT_TRUE(std::regex_match(lines[2], m, line));
    EXPECT_EQ(m[2], "WARNING");
    ASSERT_TRUE(std::regex_match(lines[3], m, line));
    EXPECT_EQ(m[2], "ERROR");
    // The timestamp is now (local time).
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    EXPECT_EQ(lines[3].substr(0, 16), Logger::format_time(ms).substr(0, 16));
  }
  EXPECT_EQ(console.str(),
            "Loading the datasets...\n- Train metrics: accuracy: 0.9125 ; loss: 0.25\nlr is large\nboom\n");
}

TEST(Logger, AppendsAcrossRunsAndLevels) {
  TempLog t;
  {
    Logger a(t.path(), LogLevel::Debug);
    a.set_console(nullptr);
    a.debug("one");
  }
  {
    Logger b(t.path(), LogLevel::Warning);
    b.set_console(nullptr);
    b.info("dropped");
    b.critical("two");
  }
  auto lines = read_lines(t.path());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(":DEBUG: one"), std::string::npos);
  EXPECT_NE(lines[1].find(":CRITICAL: two"), std::string::npos);
}

TEST(Logger, GlobalSetLogger) {
  TempLog t;
  std::ostringstream console;
  auto& log = ember::train::set_logger(t.path());
  EXPECT_EQ(&log, &ember::train::logger());
  log.set_console(&console);
  ember::train::logger().info("epoch ", 1, "/", 10);
  EXPECT_EQ(console.str(), "epoch 1/10\n");
  auto lines = read_lines(t.path());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(":INFO: epoch 1/10"), std::string::npos);
  // Switch files.
  ember::train::set_logger(t.path("eval.log")).info("eval");
  EXPECT_EQ(read_lines(t.path()).size(), 1u);
  EXPECT_EQ(read_lines(t.path("eval.log")).size(), 1u);
  log.set_file("");
  log.set_console(nullptr);
}

TEST(Logger, ConcurrentLinesStayWhole) {
  TempLog t;
  {
    Logger log(t.path());
    log.set_console(nullptr);
    std::vector<std::thread> threads;
    for (int k = 0; k < 4; ++k)
      threads.emplace_back([&log, k] {
        for (int i = 0; i < 250; ++i) log.info("thread ", k, " line ", i, std::string(50, 'x'));
      });
    for (auto& th : threads) th.join();
  }
  auto lines = read_lines(t.path());
  ASSERT_EQ(lines.size(), 1000u);
  std::regex whole(R"(.*:INFO: thread \d line \d+x{50})");
  for (auto& l : lines) EXPECT_TRUE(std::regex_match(l, whole)) << l;
}

TEST(Logger, BadPathIsAnErrorNamingIt) {
  EXPECT_ERROR_CONTAINS("/nonexistent_dir_ember/train.log", Logger log("/nonexistent_dir_ember/train.log"));
  Logger moved;
  Logger other = std::move(moved);
  EXPECT_NO_THROW(moved.info("ignored"));
  EXPECT_ERROR_CONTAINS("moved from", moved.set_level(LogLevel::Debug));
}

// Logger: one mutex-guarded FILE* in append mode, flushed after every record.
#include "ember/train/logger.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>

namespace ember::train {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO";
    case LogLevel::Warning: return "WARNING";
    case LogLevel::Error: return "ERROR";
    case LogLevel::Critical: return "CRITICAL";
  }
  return "LEVEL";
}

struct Logger::Impl {
  std::mutex mu;
  std::string path;
  std::FILE* file = nullptr;
  std::ostream* console = &std::cerr;
  LogLevel level = LogLevel::Info;
  bool reported_failure = false;

  ~Impl() {
    if (file) std::fclose(file);
  }
  void open(const std::string& p) {
    std::FILE* f = nullptr;
    if (!p.empty()) {
      f = std::fopen(p.c_str(), "a");
      EMBER_CHECK(f != nullptr, "Logger: cannot open '", p, "' for appending: ", std::strerror(errno));
    }
    if (file) std::fclose(file);
    file = f;
    path = p;
    reported_failure = false;
  }
};

Logger::Logger() : impl_(std::make_unique<Impl>()) {}

Logger::Logger(const std::string& log_path, LogLevel level) : impl_(std::make_unique<Impl>()) {
  impl_->open(log_path);
  impl_->level = level;
}

Logger::~Logger() = default;
Logger::Logger(Logger&&) noexcept = default;
Logger& Logger::operator=(Logger&&) noexcept = default;

void Logger::set_file(const std::string& log_path) {
  check_alive();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->open(log_path);
}

const std::string& Logger::file() const {
  check_alive();
  return impl_->path;
}

void Logger::set_console(std::ostream* console) {
  check_alive();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->console = console;
}

void Logger::set_level(LogLevel level) {
  check_alive();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->level = level;
}

LogLevel Logger::level() const {
  check_alive();
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->level;
}

std::string Logger::format_time(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ",%03d", static_cast<int>(unix_ms % 1000));
  return buf;
}

void Logger::check_alive() const { EMBER_CHECK(impl_ != nullptr, "Logger: used after being moved from"); }

void Logger::log(LogLevel level, const std::string& message) {
  if (!impl_) return;  // moved from: log() never throws
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (static_cast<int>(level) < static_cast<int>(m.level)) return;
  if (m.file) {
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const std::string line = format_time(ms) + ":" + level_name(level) + ": " + message + "\n";
    const bool ok = std::fwrite(line.data(), 1, line.size(), m.file) == line.size() && std::fflush(m.file) == 0;
    if (!ok && !m.reported_failure) {
      m.reported_failure = true;
      std::cerr << "ember Logger: writing '" << m.path << "' failed: " << std::strerror(errno) << std::endl;
    }
  }
  if (m.console) {
    try {
      *m.console << message << '\n';
      m.console->flush();
    } catch (...) {  // a closed console must not stop training
    }
  }
}

Logger& logger() {
  static Logger global;
  return global;
}

Logger& set_logger(const std::string& log_path) {
  Logger& l = logger();
  l.set_file(log_path);
  return l;
}

}  // namespace ember::train

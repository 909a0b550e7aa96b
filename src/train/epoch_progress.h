#pragma once
// Internal, temporary: a minimal progress display for the training loop (count, rate, running
// loss), redrawn in place on a terminal and printed every 10% otherwise. To be replaced by the
// tqdm-like bar of include/ember/train/progress.h when it lands.
#include <chrono>
#include <cstdint>
#include <string>

namespace ember::train::detail {

class Progress {
 public:
  Progress(int64_t total, std::string desc);
  void update(int64_t n, const std::string& postfix);
  void close();

 private:
  void draw(bool final);
  int64_t total_, count_ = 0;
  std::string desc_, postfix_;
  bool tty_, closed_ = false;
  int64_t next_plain_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace ember::train::detail

// The training loop's progress line.
#include "train/epoch_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ember::train::detail {

Progress::Progress(int64_t total, std::string desc)
    : total_(total), desc_(std::move(desc)), tty_(::isatty(STDOUT_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_draw_(start_) {
  next_plain_ = total_ / 10;
}

void Progress::update(int64_t n, const std::string& postfix) {
  count_ += n;
  postfix_ = postfix;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - last_draw_ > std::chrono::milliseconds(100) || count_ == total_) draw(false);
  } else if (count_ >= next_plain_ && count_ < total_) {
    draw(false);
    next_plain_ = count_ + std::max<int64_t>(1, total_ / 10);
  }
}

void Progress::draw(bool final) {
  last_draw_ = std::chrono::steady_clock::now();
  const double secs = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = secs > 0 ? static_cast<double>(count_) / secs : 0.0;
  char line[256];
  std::snprintf(line, sizeof(line), "%s: %3d%% %lld/%lld [%.1fs, %.1f it/s] %s", desc_.c_str(),
                total_ > 0 ? static_cast<int>(100 * count_ / total_) : 100, static_cast<long long>(count_),
                static_cast<long long>(total_), secs, rate, postfix_.c_str());
  if (tty_) std::printf("\r%s\033[K%s", line, final ? "\n" : "");
  else std::printf("%s\n", line);
  std::fflush(stdout);
}

void Progress::close() {
  if (closed_) return;
  closed_ = true;
  draw(true);
}

}  // namespace ember::train::detail

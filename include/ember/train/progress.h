#pragma once
// A tqdm-like progress bar.
//
//   ember::train::ProgressBar bar(loader.size(), {.desc = "Epoch 3/10"});
//   for (auto& batch : loader) {
//     ...
//     bar.set_postfix({{"loss", running_loss}});
//     bar.update();
//   }
//   bar.close();   // or let the destructor do it
//
// On a terminal it redraws one line in place (at most every `mininterval` seconds):
//   Epoch 3/10:  45%|█████████▍           | 45/100 [00:02<00:02, 18.50it/s, loss=0.341]
// Otherwise (a log file, a pipe) it writes a plain line every `plain_interval` seconds and a
// final one at close:
//   Epoch 3/10:  45% 45/100 [00:02<00:02, 18.50it/s, loss=0.341]
// Output problems never throw (a progress bar must not stop training); the destructor never
// throws. One thread updates; set_postfix / set_description from another thread are safe.
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ember::train {

struct ProgressOptions {
  std::string desc;               // shown before the bar, followed by ": "
  std::string unit = "it";        // "18.50it/s"
  std::ostream* out = nullptr;    // default std::cerr, as tqdm
  std::optional<bool> dynamic;    // redraw in place; default: `out` is std::cerr/std::cout on a terminal
  int ncols = 0;                  // line width; 0: the terminal's width (80 when unknown)
  double mininterval = 0.1;       // seconds between redraws on a terminal
  double plain_interval = 10.0;   // seconds between plain lines otherwise
  bool leave = true;              // keep the final line (terminal); print the final line (plain)
  bool ascii = false;             // "#########4" instead of Unicode blocks
};

class ProgressBar {
 public:
  // total 0: unknown (shows a count and a rate, no bar).
  explicit ProgressBar(int64_t total = 0, ProgressOptions options = {});
  ~ProgressBar();  // close(); never throws
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(int64_t n = 1);
  // Text after the rate: set_postfix("loss=0.3412"). Shown at the next redraw.
  void set_postfix(const std::string& postfix);
  // key=value pairs in this order, numbers as tqdm formats them (3 significant digits):
  // set_postfix({{"loss", 0.34123}, {"acc", 0.9}}) shows "loss=0.341, acc=0.9".
  void set_postfix(const std::vector<std::pair<std::string, double>>& values);
  void set_description(const std::string& desc);
  void refresh();  // draw now
  // Draws the final state (terminal: then a newline, or erases the line if !leave). Idempotent.
  void close();

  int64_t n() const;
  int64_t total() const { return total_; }
  double elapsed() const;  // seconds since construction
  bool dynamic() const { return dynamic_; }

  // ---- tqdm's formatting, exposed for tests and custom displays -----------------------
  // The line for these numbers (tqdm.format_meter). ncols 0 leaves out the bar; rate < 0 means
  // n / elapsed. total 0: unknown total.
  static std::string format_meter(int64_t n, int64_t total, double elapsed, int ncols, const std::string& prefix = "",
                                  const std::string& postfix = "", const std::string& unit = "it", bool ascii = false,
                                  double rate = -1);
  static std::string format_interval(double seconds);  // "00:05", "1:02:05"
  static std::string format_num(double v);              // "0.341", "1.23e+4", "1e-5", "3"

 private:
  void draw_locked(bool final_line);
  int width_locked() const;

  int64_t total_;
  ProgressOptions opts_;
  std::ostream* out_;
  bool dynamic_;
  int fd_ = -1;  // the terminal's file descriptor, when known
  mutable std::mutex mu_;
  int64_t n_ = 0;
  std::string postfix_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int64_t last_draw_n_ = 0;
  double ema_dn_ = 0, ema_dt_ = 0;  // tqdm's smoothed rate (smoothing 0.3)
  int ema_calls_ = 0;
  size_t last_len_ = 0;  // columns of the last dynamic line, to erase leftovers
  bool closed_ = false;
};

}  // namespace ember::train

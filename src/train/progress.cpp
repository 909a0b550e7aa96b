// ProgressBar: tqdm's format_meter / format_interval / format_num and its smoothed rate
// (an exponential moving average of items and seconds between redraws, smoothing 0.3).
#include "ember/train/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace ember::train {

namespace {

constexpr double kSmoothing = 0.3;
const char* const kBlocks[] = {" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};  // tqdm's Unicode charset
const char* const kAscii[] = {" ", "1", "2", "3", "4", "5", "6", "7", "8", "9", "#"};

// Display columns of UTF-8 text (one per code point: tqdm's bar characters are all narrow).
size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string fixed(double v, int width, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*.*f", width, decimals, v);
  return buf;
}

// Python's repr(float): the shortest digits that read back as v; positional for exponents
// -4..15 (with ".0" when integral), else d.ddde+XX.
std::string python_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // "-1.2345e+03"
  const size_t e_pos = sci.find('e');
  const int exp = std::stoi(sci.substr(e_pos + 1));
  std::string sign = sci[0] == '-' ? "-" : "";
  std::string digits;
  for (size_t i = sign.size(); i < e_pos; ++i)
    if (sci[i] != '.') digits += sci[i];
  if (exp >= -4 && exp < 16) {
    std::string out;
    if (exp < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
    } else if (static_cast<size_t>(exp) + 1 >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(exp) + 1 - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exp) + 1) + "." + digits.substr(static_cast<size_t>(exp) + 1);
    }
    return sign + out;
  }
  std::string mant = digits.substr(0, 1);
  if (digits.size() > 1) {
    mant += '.';
    mant.append(digits, 1, std::string::npos);
  }
  std::snprintf(buf, sizeof buf, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
  return sign + mant + buf;
}

}  // namespace

std::string ProgressBar::format_interval(double seconds) {
  const long long t = static_cast<long long>(seconds);
  const long long h = t / 3600, m = (t / 60) % 60, s = t % 60;
  char buf[48];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", m, s);
  return buf;
}

std::string ProgressBar::format_num(double v) {
  // tqdm: f = '{0:.3g}'.format(v) with every "+0" -> "+" and "-0" -> "-"; f if shorter than str(v).
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  std::string f;
  for (const char* p = buf; *p; ++p) {
    f += *p;
    if ((*p == '+' || *p == '-') && p[1] == '0') ++p;
  }
  const std::string r = python_repr(v);
  return f.size() < r.size() ? f : r;
}

std::string ProgressBar::format_meter(int64_t n, int64_t total, double elapsed, int ncols, const std::string& prefix,
                                      const std::string& postfix, const std::string& unit, bool ascii, double rate) {
  if (total > 0 && n > total) total = 0;  // past the end: show as unknown total, as tqdm
  if (rate < 0) rate = elapsed > 0 ? static_cast<double>(n) / elapsed : 0.0;
  const std::string elapsed_s = format_interval(elapsed);
  std::string rate_s;
  if (rate > 0 && 1.0 / rate > 1.0)
    rate_s = fixed(1.0 / rate, 5, 2) + "s/" + unit;
  else
    rate_s = (rate > 0 ? fixed(rate, 5, 2) : std::string("?")) + unit + "/s";
  const std::string post = postfix.empty() ? "" : ", " + postfix;
  const std::string pre = prefix.empty() ? "" : prefix + ": ";

  if (total <= 0) return pre + std::to_string(n) + unit + " [" + elapsed_s + ", " + rate_s + post + "]";

  const double frac = static_cast<double>(n) / static_cast<double>(total);
  const std::string remaining = rate > 0 ? format_interval(static_cast<double>(total - n) / rate) : "?";
  const std::string l_bar = pre + fixed(frac * 100, 3, 0) + "%|";
  const std::string r_bar = "| " + std::to_string(n) + "/" + std::to_string(total) + " [" + elapsed_s + "<" +
                            remaining + ", " + rate_s + post + "]";
  if (ncols == 0) return l_bar.substr(0, l_bar.size() - 1) + r_bar.substr(1);

  const int bars = std::max<int>(1, ncols - static_cast<int>(columns(l_bar) + columns(r_bar)));
  const char* const* set = ascii ? kAscii : kBlocks;
  const int nsyms = ascii ? 10 : 8;
  const long long ticks = static_cast<long long>(frac * bars * nsyms);
  const long long full = ticks / nsyms, part = ticks % nsyms;
  std::string bar;
  for (long long i = 0; i < full && i < bars; ++i) bar += set[nsyms];
  if (full < bars) {
    bar += set[part];
    for (long long i = full + 1; i < bars; ++i) bar += set[0];
  }
  return l_bar + bar + r_bar;
}

ProgressBar::ProgressBar(int64_t total, ProgressOptions options)
    : total_(std::max<int64_t>(total, 0)), opts_(std::move(options)) {
  out_ = opts_.out ? opts_.out : &std::cerr;
  if (out_ == &std::cerr || out_ == &std::clog)
    fd_ = STDERR_FILENO;
  else if (out_ == &std::cout)
    fd_ = STDOUT_FILENO;
  dynamic_ = opts_.dynamic ? *opts_.dynamic : (fd_ >= 0 && isatty(fd_));
  start_ = last_draw_ = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  if (dynamic_) draw_locked(false);
}

ProgressBar::~ProgressBar() {
  try {
    close();
  } catch (...) {  // a destructor never throws; drawing already swallows stream errors
  }
}

int ProgressBar::width_locked() const {
  if (opts_.ncols > 0) return opts_.ncols;
  winsize ws{};
  if (fd_ >= 0 && ioctl(fd_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

void ProgressBar::draw_locked(bool final_line) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed_s = std::chrono::duration<double>(now - start_).count();
  double rate = -1;  // the average
  if (!final_line) {
    const double dt = std::chrono::duration<double>(now - last_draw_).count();
    const double dn = static_cast<double>(n_ - last_draw_n_);
    if (dt > 0 && dn > 0) {
      ema_dn_ = kSmoothing * dn + (1 - kSmoothing) * ema_dn_;
      ema_dt_ = kSmoothing * dt + (1 - kSmoothing) * ema_dt_;
      ++ema_calls_;
    }
    if (ema_calls_ > 0 && ema_dt_ > 0) rate = ema_dn_ / ema_dt_;  // the bias corrections cancel
  }
  last_draw_ = now;
  last_draw_n_ = n_;
  try {
    if (dynamic_) {
      const std::string line = format_meter(n_, total_, elapsed_s, width_locked(), opts_.desc, postfix_, opts_.unit,
                                            opts_.ascii, rate);
      const size_t len = columns(line);
      *out_ << '\r' << line << std::string(last_len_ > len ? last_len_ - len : 0, ' ');
      last_len_ = len;
    } else {
      *out_ << format_meter(n_, total_, elapsed_s, 0, opts_.desc, postfix_, opts_.unit, opts_.ascii, rate) << '\n';
    }
    out_->flush();
  } catch (...) {  // a broken terminal or log must not stop training
  }
}

void ProgressBar::update(int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  n_ += n;
  const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_draw_).count();
  if (since >= (dynamic_ ? opts_.mininterval : opts_.plain_interval)) draw_locked(false);
}

void ProgressBar::set_postfix(const std::string& postfix) {
  std::lock_guard<std::mutex> lock(mu_);
  postfix_ = postfix;
}

void ProgressBar::set_postfix(const std::vector<std::pair<std::string, double>>& values) {
  std::string s;
  for (const auto& [k, v] : values) s += (s.empty() ? "" : ", ") + k + "=" + format_num(v);
  set_postfix(s);
}

void ProgressBar::set_description(const std::string& desc) {
  std::lock_guard<std::mutex> lock(mu_);
  opts_.desc = desc;
}

void ProgressBar::refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!closed_) draw_locked(false);
}

void ProgressBar::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return;
  closed_ = true;
  if (!opts_.leave) {
    if (dynamic_) {
      try {
        *out_ << '\r' << std::string(last_len_, ' ') << '\r';
        out_->flush();
      } catch (...) {
      }
    }
    return;
  }
  draw_locked(true);
  if (dynamic_) {
    try {
      *out_ << '\n';
      out_->flush();
    } catch (...) {
    }
  }
}

int64_t ProgressBar::n() const {
  std::lock_guard<std::mutex> lock(mu_);
  return n_;
}

double ProgressBar::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace ember::train

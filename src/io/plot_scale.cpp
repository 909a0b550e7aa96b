// Scales and ticks (see plot_scale.h).
#include "io/plot_scale.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ember::io::plot_detail {

double Scale::to_pixel(double v) const {
  double a = log ? std::log10(lo) : lo, b = log ? std::log10(hi) : hi, x = log ? std::log10(v) : v;
  if (b == a) return (p0 + p1) / 2;
  return p0 + (x - a) / (b - a) * (p1 - p0);
}

namespace {

// 1, 2 or 5 x 10^k, the one nearest `raw` (Heckbert's "nice numbers").
double nice_step(double raw) {
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

}  // namespace

std::vector<Tick> Scale::ticks(int target, bool integers) const {
  std::vector<Tick> out;
  if (log) {
    const int k0 = static_cast<int>(std::floor(std::log10(lo))), k1 = static_cast<int>(std::ceil(std::log10(hi)));
    const int decades = k1 - k0;
    const int every = std::max(1, (decades + target - 1) / std::max(target, 1));
    for (int k = k0; k <= k1; ++k) {
      for (double m : {1.0, 2.0, 5.0}) {
        if (m != 1.0 && decades > 2) continue;
        if (m == 1.0 && (k - k0) % every != 0) continue;
        const double v = m * std::pow(10.0, k);
        if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) continue;
        out.push_back({v, format_number(v, v)});
      }
    }
    return out;
  }
  double step = nice_step((hi - lo) / std::max(target, 1));
  if (integers) step = std::max(1.0, std::round(step));
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (double v = first; v <= hi + step * 1e-9; v += step) {
    const double t = std::fabs(v) < step * 1e-9 ? 0.0 : v;  // no "-0"
    out.push_back({t, format_number(t, step)});
    if (out.size() > 100) break;
  }
  return out;
}

bool data_range(const std::vector<double>& v, bool log, double margin, double& lo, double& hi) {
  bool any = false;
  for (double x : v) {
    if (!std::isfinite(x) || (log && x <= 0)) continue;
    double t = log ? std::log10(x) : x;
    lo = any ? std::min(lo, t) : t;
    hi = any ? std::max(hi, t) : t;
    any = true;
  }
  if (!any) return false;
  if (hi == lo) {
    const double half = log ? 0.5 : (lo == 0 ? 0.5 : std::fabs(lo) * 0.1);
    lo -= half;
    hi += half;
  } else {
    const double pad = (hi - lo) * margin;
    lo -= pad;
    hi += pad;
  }
  if (log) {
    lo = std::pow(10.0, lo);
    hi = std::pow(10.0, hi);
  }
  return true;
}

std::string format_number(double v, double step) {
  char buf[32];
  const double a = std::fabs(step);
  if (v != 0 && (std::fabs(v) >= 1e6 || a < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    int decimals = a >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(a) - 1e-9));
    if (a < 1 && std::fabs(a * std::pow(10.0, decimals) - std::round(a * std::pow(10.0, decimals))) > 1e-6) ++decimals;
    std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 10), v);
  }
  return buf;
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace ember::io::plot_detail

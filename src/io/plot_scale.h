#pragma once
// Axis scales for plot.cpp: data range -> pixels, and "nice" tick positions and labels.
#include <string>
#include <vector>

namespace ember::io::plot_detail {

struct Tick {
  double value;       // in data units
  std::string label;
};

// A linear or log10 axis mapping [lo, hi] (data units; lo > 0 for log) onto [p0, p1] pixels.
struct Scale {
  double lo = 0, hi = 1;
  double p0 = 0, p1 = 1;
  bool log = false;
  double to_pixel(double v) const;
  // Ticks inside [lo, hi]: steps of 1, 2 or 5 x 10^k, about `target` of them (integers only
  // when `integers`); on a log axis the powers of ten (and 2x, 5x over few decades).
  std::vector<Tick> ticks(int target, bool integers) const;
};

// The range a set of values should span: their min and max (positive ones only for log),
// widened by `margin` of the span on each side (in log space for log); a single value
// gets a unit-wide (or one-decade) range. Returns false if there is no usable value.
bool data_range(const std::vector<double>& v, bool log, double margin, double& lo, double& hi);

// A number as a short label: "0.25", "1e-05", "12000".
std::string format_number(double v, double step);
// A value for an annotation: 4 significant digits.
std::string format_value(double v);

}  // namespace ember::io::plot_detail

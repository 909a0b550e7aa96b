// Figure -> SVG (see include/ember/io/plot.h). Each panel: a frame, grid lines at the ticks,
// tick labels, axis labels, the series clipped to the frame, best-point marks and a legend in
// the corner that covers the fewest points.
#include "ember/io/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "ember/core/error.h"
#include "io/plot_scale.h"

namespace ember::io {

using plot_detail::Scale;

namespace {

const char* const kCycle[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                              "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};  // matplotlib tab10
constexpr int kMarginLeft = 64, kMarginRight = 18, kMarginTop = 34, kMarginBottom = 48;
constexpr double kCharWidth = 6.8;  // average width of a 12 px sans-serif character
constexpr size_t kMaxMarkers = 60;

std::string esc(const std::string& s) {
  std::string r;
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      default: r += c;
    }
  }
  return r;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

std::vector<double> x_of(const Series& s) {
  if (!s.x.empty()) return s.x;
  std::vector<double> x(s.y.size());
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i + 1);
  return x;
}

bool usable(double x, double y, const Axes& ax) {
  return std::isfinite(x) && std::isfinite(y) && (!ax.log_x || x > 0) && (!ax.log_y || y > 0);
}

struct Rect {
  double x0, y0, x1, y1;
  bool contains(double x, double y) const { return x >= x0 && x <= x1 && y >= y0 && y <= y1; }
};

// One panel at (ox, oy) of size w x h; `id` makes its clip path unique.
void draw_axes(std::ostringstream& o, const Axes& ax, size_t id, double ox, double oy, double w, double h) {
  const double fx0 = ox + kMarginLeft, fx1 = ox + w - kMarginRight;
  const double fy0 = oy + kMarginTop, fy1 = oy + h - kMarginBottom;

  std::vector<double> xs, ys;
  std::vector<std::vector<double>> series_x;
  bool integer_x = true;
  for (const auto& s : ax.series) {
    series_x.push_back(x_of(s));
    EMBER_CHECK(series_x.back().size() == s.y.size(), "plot: panel '", ax.title, "', series '", s.label, "' has ",
                series_x.back().size(), " x values but ", s.y.size(), " y values");
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!usable(series_x.back()[i], s.y[i], ax)) continue;
      xs.push_back(series_x.back()[i]);
      ys.push_back(s.y[i]);
      integer_x = integer_x && series_x.back()[i] == std::round(series_x.back()[i]);
    }
  }
  Scale sx, sy;
  sx.log = ax.log_x;
  sy.log = ax.log_y;
  if (!plot_detail::data_range(xs, ax.log_x, 0.03, sx.lo, sx.hi)) {
    sx.lo = ax.log_x ? 1 : 0;
    sx.hi = ax.log_x ? 10 : 1;
  }
  if (!plot_detail::data_range(ys, ax.log_y, 0.06, sy.lo, sy.hi)) {
    sy.lo = ax.log_y ? 1 : 0;
    sy.hi = ax.log_y ? 10 : 1;
  }
  if (ax.ymin) sy.lo = *ax.ymin;
  if (ax.ymax) sy.hi = *ax.ymax;
  EMBER_CHECK(sy.hi > sy.lo && (!ax.log_y || sy.lo > 0), "plot: panel '", ax.title, "' has y limits [", sy.lo, ", ",
              sy.hi, "]", ax.log_y ? " (a log axis needs positive limits)" : "");
  sx.p0 = fx0;
  sx.p1 = fx1;
  sy.p0 = fy1;  // y grows upwards
  sy.p1 = fy0;

  // Grid and ticks.
  o << "<g font-size=\"11\" fill=\"#333\">\n";
  for (const auto& t : sy.ticks(std::max(3, static_cast<int>((fy1 - fy0) / 55)), false)) {
    const double y = sy.to_pixel(t.value);
    o << "<line x1=\"" << num(fx0) << "\" y1=\"" << num(y) << "\" x2=\"" << num(fx1) << "\" y2=\"" << num(y)
      << "\" stroke=\"#e6e6e6\"/>\n";
    o << "<line x1=\"" << num(fx0 - 4) << "\" y1=\"" << num(y) << "\" x2=\"" << num(fx0) << "\" y2=\"" << num(y)
      << "\" stroke=\"#333\"/>\n";
    o << "<text x=\"" << num(fx0 - 7) << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\">" << esc(t.label)
      << "</text>\n";
  }
  for (const auto& t : sx.ticks(std::max(3, static_cast<int>((fx1 - fx0) / 70)), integer_x && !ax.log_x)) {
    const double x = sx.to_pixel(t.value);
    o << "<line x1=\"" << num(x) << "\" y1=\"" << num(fy0) << "\" x2=\"" << num(x) << "\" y2=\"" << num(fy1)
      << "\" stroke=\"#e6e6e6\"/>\n";
    o << "<line x1=\"" << num(x) << "\" y1=\"" << num(fy1) << "\" x2=\"" << num(x) << "\" y2=\"" << num(fy1 + 4)
      << "\" stroke=\"#333\"/>\n";
    o << "<text x=\"" << num(x) << "\" y=\"" << num(fy1 + 17) << "\" text-anchor=\"middle\">" << esc(t.label)
      << "</text>\n";
  }
  o << "</g>\n";
  o << "<rect x=\"" << num(fx0) << "\" y=\"" << num(fy0) << "\" width=\"" << num(fx1 - fx0) << "\" height=\""
    << num(fy1 - fy0) << "\" fill=\"none\" stroke=\"#333\"/>\n";
  if (!ax.title.empty())
    o << "<text x=\"" << num((fx0 + fx1) / 2) << "\" y=\"" << num(oy + 22) << "\" text-anchor=\"middle\" "
      << "font-size=\"14\" font-weight=\"bold\">" << esc(ax.title) << "</text>\n";
  if (!ax.xlabel.empty())
    o << "<text x=\"" << num((fx0 + fx1) / 2) << "\" y=\"" << num(fy1 + 38) << "\" text-anchor=\"middle\" "
      << "font-size=\"12\">" << esc(ax.xlabel) << "</text>\n";
  if (!ax.ylabel.empty()) {
    const double cx = ox + 16, cy = (fy0 + fy1) / 2;
    o << "<text x=\"" << num(cx) << "\" y=\"" << num(cy) << "\" text-anchor=\"middle\" font-size=\"12\" "
      << "transform=\"rotate(-90 " << num(cx) << " " << num(cy) << ")\">" << esc(ax.ylabel) << "</text>\n";
  }

  // Series, clipped to the frame.
  o << "<clipPath id=\"frame" << id << "\"><rect x=\"" << num(fx0) << "\" y=\"" << num(fy0) << "\" width=\""
    << num(fx1 - fx0) << "\" height=\"" << num(fy1 - fy0) << "\"/></clipPath>\n";
  o << "<g clip-path=\"url(#frame" << id << ")\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\">\n";
  std::vector<std::pair<double, double>> pixels;  // every drawn point, for the legend placement
  std::vector<std::string> colors;
  for (size_t k = 0; k < ax.series.size(); ++k) {
    const Series& s = ax.series[k];
    colors.push_back(s.color.empty() ? kCycle[k % 10] : s.color);
    const std::string& color = colors.back();
    const std::vector<double>& x = series_x[k];
    std::string run;
    auto flush_run = [&] {
      if (!run.empty())
        o << "<polyline points=\"" << run << "\" stroke=\"" << esc(color) << "\""
          << (s.dashed ? " stroke-dasharray=\"7 4\"" : "") << "/>\n";
      run.clear();
    };
    size_t drawn = 0;
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!usable(x[i], s.y[i], ax)) {
        flush_run();
        continue;
      }
      const double px = sx.to_pixel(x[i]), py = sy.to_pixel(s.y[i]);
      if (!run.empty()) run += ' ';
      run += num(px);
      run += ',';
      run += num(py);
      pixels.emplace_back(px, py);
      ++drawn;
    }
    flush_run();
    if (s.markers && drawn <= kMaxMarkers)
      for (size_t i = pixels.size() - drawn; i < pixels.size(); ++i)
        o << "<circle cx=\"" << num(pixels[i].first) << "\" cy=\"" << num(pixels[i].second) << "\" r=\"2.8\" fill=\""
          << esc(color) << "\" stroke=\"none\"/>\n";
  }
  o << "</g>\n";

  // Best points: a ring and the value.
  for (size_t k = 0; k < ax.series.size(); ++k) {
    const Series& s = ax.series[k];
    if (s.best == Series::Best::None) continue;
    const std::vector<double>& x = series_x[k];
    size_t best = s.y.size();
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!usable(x[i], s.y[i], ax)) continue;
      if (best == s.y.size() || (s.best == Series::Best::Min ? s.y[i] < s.y[best] : s.y[i] > s.y[best])) best = i;
    }
    if (best == s.y.size()) continue;
    const double px = sx.to_pixel(x[best]), py = sy.to_pixel(s.y[best]);
    if (px < fx0 || px > fx1 || py < fy0 || py > fy1) continue;
    const double ty = py - fy0 < 24 ? py + 18 : py - 10;
    const char* anchor = px > fx1 - 60 ? "end" : px < fx0 + 60 ? "start" : "middle";
    o << "<circle cx=\"" << num(px) << "\" cy=\"" << num(py) << "\" r=\"6\" fill=\"none\" stroke=\"" << esc(colors[k])
      << "\" stroke-width=\"2\"/>\n";
    o << "<text x=\"" << num(px) << "\" y=\"" << num(ty) << "\" text-anchor=\"" << anchor << "\" font-size=\"11\" "
      << "fill=\"" << esc(colors[k]) << "\">" << (s.best == Series::Best::Min ? "min " : "max ")
      << esc(plot_detail::format_value(s.y[best])) << " @ " << esc(plot_detail::format_value(x[best])) << "</text>\n";
    pixels.emplace_back(px, ty);
  }

  // Legend: in the corner (upper right, upper left, lower left, lower right) covering the fewest points.
  std::vector<size_t> labelled;
  size_t longest = 0;
  for (size_t k = 0; k < ax.series.size(); ++k)
    if (!ax.series[k].label.empty()) {
      labelled.push_back(k);
      longest = std::max(longest, ax.series[k].label.size());
    }
  if (labelled.empty()) return;
  const double lw = 40 + kCharWidth * static_cast<double>(longest), lh = 8 + 18.0 * labelled.size();
  const double pad = 8;
  const Rect corners[] = {{fx1 - pad - lw, fy0 + pad, fx1 - pad, fy0 + pad + lh},
                          {fx0 + pad, fy0 + pad, fx0 + pad + lw, fy0 + pad + lh},
                          {fx0 + pad, fy1 - pad - lh, fx0 + pad + lw, fy1 - pad},
                          {fx1 - pad - lw, fy1 - pad - lh, fx1 - pad, fy1 - pad}};
  const Rect* best_rect = &corners[0];
  size_t fewest = SIZE_MAX;
  for (const Rect& r : corners) {
    size_t n = std::count_if(pixels.begin(), pixels.end(), [&](auto& p) { return r.contains(p.first, p.second); });
    if (n < fewest) {
      fewest = n;
      best_rect = &r;
    }
  }
  const Rect& r = *best_rect;
  o << "<rect x=\"" << num(r.x0) << "\" y=\"" << num(r.y0) << "\" width=\"" << num(lw) << "\" height=\"" << num(lh)
    << "\" rx=\"3\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n";
  for (size_t j = 0; j < labelled.size(); ++j) {
    const Series& s = ax.series[labelled[j]];
    const double y = r.y0 + 4 + 18.0 * j + 9;
    o << "<line x1=\"" << num(r.x0 + 8) << "\" y1=\"" << num(y) << "\" x2=\"" << num(r.x0 + 30) << "\" y2=\""
      << num(y) << "\" stroke=\"" << esc(colors[labelled[j]]) << "\" stroke-width=\"2\""
      << (s.dashed ? " stroke-dasharray=\"7 4\"" : "") << "/>\n";
    o << "<text x=\"" << num(r.x0 + 36) << "\" y=\"" << num(y + 4) << "\" font-size=\"12\">" << esc(s.label)
      << "</text>\n";
  }
}

}  // namespace

Axes& Axes::plot(const std::string& label, const std::vector<double>& y) {
  Series s;
  s.label = label;
  s.y = y;
  return plot(std::move(s));
}

Axes& Axes::plot(const std::string& label, const std::vector<double>& x, const std::vector<double>& y) {
  EMBER_CHECK(x.size() == y.size(), "plot: series '", label, "' has ", x.size(), " x values but ", y.size(),
              " y values");
  Series s;
  s.label = label;
  s.x = x;
  s.y = y;
  return plot(std::move(s));
}

Axes& Axes::plot(Series s) {
  series.push_back(std::move(s));
  return *this;
}

Figure::Figure(std::string title, int panel_width, int panel_height)
    : title_(std::move(title)), panel_width_(panel_width), panel_height_(panel_height) {
  EMBER_CHECK(panel_width >= 200 && panel_height >= 150, "Figure: panels must be at least 200x150 pixels, got ",
              panel_width, "x", panel_height);
}

Axes& Figure::add_axes(const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  Axes a;
  a.title = title;
  a.xlabel = xlabel;
  a.ylabel = ylabel;
  axes_.push_back(std::move(a));
  return axes_.back();
}

Axes& Figure::axes(size_t i) {
  EMBER_CHECK(i < axes_.size(), "Figure: no panel ", i, " (it has ", axes_.size(), ")");
  return axes_[i];
}

std::string Figure::to_svg() const {
  const double top = title_.empty() ? 0 : 30;
  const double w = static_cast<double>(panel_width_) * static_cast<double>(std::max<size_t>(axes_.size(), 1));
  const double h = panel_height_ + top;
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(w) << "\" height=\"" << num(h)
    << "\" viewBox=\"0 0 " << num(w) << " " << num(h) << "\" "
    << "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!title_.empty())
    o << "<text x=\"" << num(w / 2) << "\" y=\"22\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">"
      << esc(title_) << "</text>\n";
  for (size_t i = 0; i < axes_.size(); ++i)
    draw_axes(o, axes_[i], i, static_cast<double>(panel_width_) * static_cast<double>(i), top, panel_width_,
              panel_height_);
  o << "</svg>\n";
  return o.str();
}

void Figure::save(const std::string& path) const {
  const std::string svg = to_svg();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  EMBER_CHECK(f.good(), "Figure::save: cannot open '", path, "' for writing");
  f << svg;
  f.close();
  EMBER_CHECK(!f.fail(), "Figure::save: writing '", path, "' failed");
}

// ---- training curves ------------------------------------------------------------------------

namespace {

bool lower_is_better(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name.find("loss") != std::string::npos || name.find("error") != std::string::npos ||
         name.find("perplexity") != std::string::npos;
}

}  // namespace

Figure training_curves(const std::vector<MetricCurves>& metrics, const std::string& title) {
  EMBER_CHECK(!metrics.empty(), "training_curves: no metrics given");
  Figure fig(title);
  for (const auto& m : metrics) {
    Axes& ax = fig.add_axes(m.name, "epoch", m.name);
    const auto best = lower_is_better(m.name) ? Series::Best::Min : Series::Best::Max;
    if (!m.train.empty()) {
      Series s;
      s.label = "train";
      s.y = m.train;
      s.color = kCycle[0];
      ax.plot(std::move(s));
    }
    if (!m.val.empty()) {
      Series s;
      s.label = "validation";
      s.y = m.val;
      s.color = kCycle[1];
      s.dashed = true;
      s.best = best;
      ax.plot(std::move(s));
    }
  }
  return fig;
}

Figure training_curves(const std::vector<std::map<std::string, double>>& train,
                       const std::vector<std::map<std::string, double>>& val, const std::string& title) {
  const auto& first = !train.empty() ? train.front() : !val.empty() ? val.front() : std::map<std::string, double>{};
  EMBER_CHECK(!first.empty(), "training_curves: no epochs with metrics given");
  auto column = [](const std::vector<std::map<std::string, double>>& epochs, const std::string& key) {
    std::vector<double> v;
    for (const auto& e : epochs) {
      auto it = e.find(key);
      v.push_back(it == e.end() ? NAN : it->second);
    }
    return v;
  };
  std::vector<MetricCurves> metrics;
  for (const auto& [key, unused] : first) metrics.push_back({key, column(train, key), column(val, key)});
  return training_curves(metrics, title);
}

}  // namespace ember::io

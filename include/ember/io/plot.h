#pragma once
// Line plots as SVG: training curves a user would rather look at than read. Panels sit side by
// side; each has a title, axis labels, "nice" ticks with grid lines, a legend placed where the
// curves are not, and optionally a marked best point.
//
//   auto fig = ember::io::training_curves({{"loss", train_loss, val_loss},
//                                          {"accuracy", train_acc, val_acc}});
//   fig.save("experiments/base_model/curves.svg");      // open in any browser
//
//   ember::io::Figure f("Learning rate finder");
//   auto& ax = f.add_axes("", "learning rate", "loss");
//   ax.log_x = true;
//   ax.plot("loss", lrs, losses);
//   f.save("lr.svg");
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ember::io {

struct Series {
  enum class Best { None, Min, Max };  // mark the lowest / highest point with its value
  std::string label;
  std::vector<double> x;  // empty: 1, 2, ..., y.size() (epochs)
  std::vector<double> y;  // NaN or Inf leaves a gap in the line
  std::string color;      // any SVG colour; empty: the next of matplotlib's default cycle
  bool dashed = false;
  bool markers = true;    // dots on the points (drawn while a series has at most 60 points)
  Best best = Best::None;
};

struct Axes {
  std::string title, xlabel, ylabel;
  std::optional<double> ymin, ymax;  // fixed y limits (e.g. 0 and 1 for accuracy); default: fit
  bool log_x = false, log_y = false;  // log scales need positive values (others are skipped)
  std::vector<Series> series;

  Axes& plot(const std::string& label, const std::vector<double>& y);
  Axes& plot(const std::string& label, const std::vector<double>& x, const std::vector<double>& y);
  Axes& plot(Series s);
};

class Figure {
 public:
  explicit Figure(std::string title = "", int panel_width = 480, int panel_height = 360);
  // A new panel to the right of the others.
  Axes& add_axes(const std::string& title = "", const std::string& xlabel = "", const std::string& ylabel = "");
  Axes& axes(size_t i);
  size_t num_axes() const { return axes_.size(); }

  // The whole figure as an SVG document. Throws ember::Error for a series whose x and y
  // lengths differ (naming the panel and the series).
  std::string to_svg() const;
  // Writes to_svg() to `path`; errors name the file.
  void save(const std::string& path) const;

 private:
  std::string title_;
  int panel_width_, panel_height_;
  std::vector<Axes> axes_;
};

// One metric's per-epoch values on the training and validation sets (either may be empty).
struct MetricCurves {
  std::string name;
  std::vector<double> train, val;
};
// One panel per metric: train (solid) vs validation (dashed), x = epoch 1..n, the best
// validation epoch marked (lowest for names containing "loss" or "error", else highest).
Figure training_curves(const std::vector<MetricCurves>& metrics, const std::string& title = "Training curves");
// The same from per-epoch metric dicts, as CS230's evaluate() returns them: one panel per key
// of the first epoch's dict (a key missing in an epoch is a gap).
Figure training_curves(const std::vector<std::map<std::string, double>>& train,
                       const std::vector<std::map<std::string, double>>& val,
                       const std::string& title = "Training curves");

}  // namespace ember::io

// The SVG plot writer: the drawn polylines must put each data point where the axes say it is
// (read back from the SVG: points inside the frame, ordered as the data, ticks labelled with
// the values at their pixel positions), legends and best-point marks must name the right
// things, and an SVG renderer (rsvg-convert, when installed) must accept the document.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>

#include <ember/core/error.h>
#include <ember/io/plot.h>

#include "support/error_matchers.h"

namespace fs = std::filesystem;
using namespace ember;
using namespace ember::io;

namespace {

using Points = std::vector<std::pair<double, double>>;

std::vector<Points> polylines(const std::string& svg) {
  std::vector<Points> out;
  std::regex line(R"re(<polyline points="([^"]*)")re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), line); it != std::sregex_iterator(); ++it) {
    Points pts;
    std::string s = (*it)[1];
    std::regex pt(R"(([-\d.]+),([-\d.]+))");
    for (auto p = std::sregex_iterator(s.begin(), s.end(), pt); p != std::sregex_iterator(); ++p)
      pts.emplace_back(std::stod((*p)[1]), std::stod((*p)[2]));
    out.push_back(pts);
  }
  return out;
}

struct Frame {
  double x0, y0, x1, y1;
};
// The panel frames (rects with a #333 stroke), in order.
std::vector<Frame> frames(const std::string& svg) {
  std::vector<Frame> out;
  std::regex r(R"re(<rect x="([-\d.]+)" y="([-\d.]+)" width="([-\d.]+)" height="([-\d.]+)" fill="none" stroke="#333"/>)re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), r); it != std::sregex_iterator(); ++it) {
    double x = std::stod((*it)[1]), y = std::stod((*it)[2]);
    out.push_back({x, y, x + std::stod((*it)[3]), y + std::stod((*it)[4])});
  }
  return out;
}

// (label, pixel y) of the y-axis tick labels (text-anchor end).
std::vector<std::pair<std::string, double>> y_ticks(const std::string& svg) {
  std::vector<std::pair<std::string, double>> out;
  std::regex r(R"re(<text x="[-\d.]+" y="([-\d.]+)" text-anchor="end">([^<]*)</text>)re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), r); it != std::sregex_iterator(); ++it)
    out.emplace_back((*it)[2], std::stod((*it)[1]) - 4);  // labels sit 4 px below their tick
  return out;
}

bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace

TEST(Plot, PointsLandWhereTheAxesSay) {
  Figure f("fig");
  auto& ax = f.add_axes("loss", "epoch", "loss");
  const std::vector<double> y = {2.0, 1.2, 0.9, 0.5, 0.45, 0.3};
  ax.plot("train", y);
  const std::string svg = f.to_svg();
  auto lines = polylines(svg);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].size(), y.size());
  auto fr = frames(svg);
  ASSERT_EQ(fr.size(), 1u);
  for (size_t i = 0; i < y.size(); ++i) {
    auto [px, py] = lines[0][i];
    EXPECT_GT(px, fr[0].x0);
    EXPECT_LT(px, fr[0].x1);
    EXPECT_GT(py, fr[0].y0);
    EXPECT_LT(py, fr[0].y1);
    if (i > 0) {
      EXPECT_GT(px, lines[0][i - 1].first);   // epochs go right
      EXPECT_GT(py, lines[0][i - 1].second);  // smaller loss is lower on screen
    }
  }
  // Equal epoch spacing.
  EXPECT_NEAR(lines[0][1].first - lines[0][0].first, lines[0][5].first - lines[0][4].first, 0.02);
  // The y ticks are nice numbers, and linear interpolation between two of them puts each data
  // point at its drawn pixel.
  auto ticks = y_ticks(svg);
  ASSERT_GE(ticks.size(), 3u);
  std::vector<std::string> labels;
  for (auto& t : ticks) labels.push_back(t.first);
  EXPECT_EQ(labels, (std::vector<std::string>{"0.5", "1.0", "1.5", "2.0"}));
  const double v0 = std::stod(ticks.front().first), p0 = ticks.front().second;
  const double v1 = std::stod(ticks.back().first), p1 = ticks.back().second;
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(lines[0][i].second, p0 + (y[i] - v0) / (v1 - v0) * (p1 - p0), 0.05);
  EXPECT_TRUE(contains(svg, ">fig</text>"));
  EXPECT_TRUE(contains(svg, ">loss</text>"));
  EXPECT_TRUE(contains(svg, ">epoch</text>"));
  EXPECT_TRUE(contains(svg, "rotate(-90"));  // the y label
}

TEST(Plot, TrainingCurvesPanelsLegendAndBestEpoch) {
  const std::vector<double> train_loss = {1.0, 0.6, 0.4, 0.3}, val_loss = {1.1, 0.7, 0.6, 0.65};
  const std::vector<double> train_acc = {0.5, 0.7, 0.8, 0.9}, val_acc = {0.45, 0.66, 0.74, 0.71};
  std::string svg = training_curves({{"loss", train_loss, val_loss}, {"accuracy", train_acc, val_acc}}).to_svg();
  EXPECT_EQ(frames(svg).size(), 2u);
  EXPECT_EQ(polylines(svg).size(), 4u);
  EXPECT_TRUE(contains(svg, ">Training curves</text>"));
  EXPECT_TRUE(contains(svg, ">train</text>"));
  EXPECT_TRUE(contains(svg, ">validation</text>"));
  EXPECT_TRUE(contains(svg, "stroke-dasharray"));  // validation dashed
  EXPECT_TRUE(contains(svg, ">min 0.6 @ 3</text>"));   // best validation loss, epoch 3
  EXPECT_TRUE(contains(svg, ">max 0.74 @ 3</text>"));  // best validation accuracy
  // The second panel sits right of the first.
  auto fr = frames(svg);
  EXPECT_GT(fr[1].x0, fr[0].x1);
}

TEST(Plot, TrainingCurvesFromMetricDicts) {
  std::vector<std::map<std::string, double>> train = {{{"accuracy", 0.5}, {"loss", 1.0}},
                                                      {{"accuracy", 0.7}, {"loss", 0.8}}};
  std::vector<std::map<std::string, double>> val = {{{"accuracy", 0.4}, {"loss", 1.2}}, {{"loss", 0.9}}};
  std::string svg = training_curves(train, val, "run <1> & \"friends\"").to_svg();
  EXPECT_TRUE(contains(svg, ">run &lt;1&gt; &amp; &quot;friends&quot;</text>"));
  auto lines = polylines(svg);
  // accuracy: train (2 points), val (1 point: epoch 2 missing); loss: 2 + 2.
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].size(), 2u);
  EXPECT_EQ(lines[1].size(), 1u);
  EXPECT_EQ(lines[2].size(), 2u);
  EXPECT_EQ(lines[3].size(), 2u);
}

TEST(Plot, GapsLogAxesAndLegendAvoidsData) {
  Figure f;
  auto& ax = f.add_axes("gaps");
  ax.plot("a", {1.0, 2.0, NAN, 4.0, 5.0, INFINITY, 7.0});
  auto lines = polylines(f.to_svg());
  ASSERT_EQ(lines.size(), 3u);  // split at the NaN and the Inf
  EXPECT_EQ(lines[0].size(), 2u);
  EXPECT_EQ(lines[1].size(), 2u);
  EXPECT_EQ(lines[2].size(), 1u);

  Figure g;
  auto& lx = g.add_axes("lr", "lr", "loss");
  lx.log_x = true;
  lx.plot("loss", {1e-5, 1e-4, 1e-3, 1e-2, 1e-1}, {3.0, 2.0, 1.0, 1.5, 4.0});
  std::string svg = g.to_svg();
  auto l = polylines(svg);
  ASSERT_EQ(l.size(), 1u);
  ASSERT_EQ(l[0].size(), 5u);
  for (size_t i = 2; i < 5; ++i)  // decades equally spaced
    EXPECT_NEAR(l[0][i].first - l[0][i - 1].first, l[0][1].first - l[0][0].first, 0.02);

  // Rising data: the legend goes to the upper left, away from the curve's end.
  Figure h;
  h.add_axes("up").plot("rising", {0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0});
  std::string hs = h.to_svg();
  auto hf = frames(hs);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(hs, m, std::regex(R"re(<rect x="([-\d.]+)" y="([-\d.]+)" width="[-\d.]+" height="[-\d.]+" rx="3")re")));
  EXPECT_LT(std::stod(m[1]), (hf[0].x0 + hf[0].x1) / 2);
  EXPECT_LT(std::stod(m[2]), (hf[0].y0 + hf[0].y1) / 2);
}

TEST(Plot, FixedLimitsClipAndErrors) {
  Figure f;
  auto& ax = f.add_axes("acc");
  ax.ymin = 0;
  ax.ymax = 1;
  ax.plot("a", {0.2, 0.4});
  auto ticks = y_ticks(f.to_svg());
  ASSERT_FALSE(ticks.empty());
  EXPECT_EQ(ticks.front().first, "0.0");
  EXPECT_EQ(ticks.back().first, "1.0");
  EXPECT_TRUE(contains(f.to_svg(), "clip-path=\"url(#frame0)\""));

  EXPECT_ERROR_CONTAINS("series 's'", Figure g; g.add_axes("p").plot("s", {1.0, 2.0}, {1.0}));
  Series bad;
  bad.label = "bad";
  bad.x = {1, 2, 3};
  bad.y = {1};
  EXPECT_ERROR_CONTAINS("panel 'panel', series 'bad'", Figure g; g.add_axes("panel").plot(bad); g.to_svg());
  Figure logf;
  auto& lax = logf.add_axes("logp");
  lax.log_y = true;
  lax.ymin = 0;
  lax.plot("s", {1.0, 2.0});
  EXPECT_ERROR_CONTAINS("log axis", logf.to_svg());
  EXPECT_ERROR_CONTAINS("no panel 0", Figure g; g.axes(0));
  EXPECT_ERROR_CONTAINS("/nonexistent_dir_ember/p.svg", Figure g; g.save("/nonexistent_dir_ember/p.svg"));
  EXPECT_ERROR_CONTAINS("no metrics", training_curves(std::vector<MetricCurves>{}));
}

TEST(Plot, RendersWithRsvgConvert) {
  if (std::system("command -v rsvg-convert > /dev/null 2>&1") != 0) GTEST_SKIP() << "rsvg-convert not installed";
  const fs::path dir = fs::temp_directory_path() / ("ember_plot_" + std::to_string(getpid()));
  fs::create_directories(dir);
  training_curves({{"loss", {1.0, 0.5, 0.25}, {1.2, 0.7, 0.5}}, {"accuracy", {0.5, 0.7, 0.9}, {0.4, 0.6, 0.7}}})
      .save((dir / "c.svg").string());
  const std::string cmd = "rsvg-convert '" + (dir / "c.svg").string() + "' -o '" + (dir / "c.png").string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_GT(fs::file_size(dir / "c.png"), 1000u);
  fs::remove_all(dir);
}

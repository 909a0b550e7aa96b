// ember synthesize: a Markdown table of every experiment's best validation metrics.
#include "ember/train/synthesize.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "ember/core/error.h"
#include "train/json_util.h"
#include "train/markdown.h"

namespace fs = std::filesystem;

namespace ember::train {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string markdown_row(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string out = "|";
  for (size_t i = 0; i < cells.size(); ++i) out += " " + cells[i] + std::string(widths[i] - cells[i].size(), ' ') + " |";
  return out + "\n";
}

}  // namespace

std::string detail::markdown_table(const std::vector<std::vector<std::string>>& cells) {
  if (cells.empty()) return "";
  std::vector<size_t> widths(cells[0].size(), 3);
  for (const auto& line : cells)
    for (size_t i = 0; i < line.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  std::string out = markdown_row(cells[0], widths);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  out += markdown_row(rule, widths);
  for (size_t i = 1; i < cells.size(); ++i) out += markdown_row(cells[i], widths);
  return out;
}

std::string format_metric(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof(buf), "%.0f", v);
  else if (std::fabs(v) < 1e-3) std::snprintf(buf, sizeof(buf), "%.3e", v);
  else std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

bool lower_is_better(const std::string& metric) {
  for (const char* suffix : {"loss", "error", "mse", "mae", "perplexity"})
    if (ends_with(metric, suffix)) return true;
  return false;
}

std::vector<ResultRow> collect_results(const std::string& parent_dir, std::vector<std::string>* warnings) {
  std::error_code ec;
  EMBER_CHECK(fs::exists(parent_dir, ec), parent_dir, ": no such directory");
  EMBER_CHECK(fs::is_directory(parent_dir, ec), parent_dir, ": not a directory");
  std::vector<ResultRow> rows;
  const fs::path root(parent_dir);
  auto consider = [&](const fs::path& file) {
    if (file.filename() != "metrics_val_best_weights.json") return;
    std::string name = fs::relative(file.parent_path(), root, ec).generic_string();
    if (name.empty()) name = ".";
    try {
      rows.push_back({name, load_metrics(file.string())});
    } catch (const Error& e) {
      if (warnings) warnings->push_back(std::string("skipped ") + e.what());
    }
  };
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) consider(it->path());
  }
  std::sort(rows.begin(), rows.end(), [](const ResultRow& a, const ResultRow& b) { return a.name < b.name; });
  return rows;
}

std::string results_table(std::vector<ResultRow> rows, const std::string& metric) {
  std::set<std::string> all;
  bool any = false;
  for (const ResultRow& r : rows) {
    for (const auto& kv : r.metrics) all.insert(kv.first);
    any = any || has_metric(r.metrics, metric);
  }
  if (!any) {
    std::string names;
    for (const std::string& n : all) names += (names.empty() ? "" : ", ") + n;
    EMBER_THROW("synthesize: no experiment has the metric '", metric, "' (metrics found: ",
                names.empty() ? "none" : names, ")");
  }
  const bool ascending = lower_is_better(metric);
  std::stable_sort(rows.begin(), rows.end(), [&](const ResultRow& a, const ResultRow& b) {
    const bool ha = has_metric(a.metrics, metric) && !std::isnan(metric_value(a.metrics, metric));
    const bool hb = has_metric(b.metrics, metric) && !std::isnan(metric_value(b.metrics, metric));
    if (ha != hb) return ha;
    if (!ha) return false;
    const double va = metric_value(a.metrics, metric), vb = metric_value(b.metrics, metric);
    return ascending ? va < vb : va > vb;
  });
  std::vector<std::string> columns = {metric};
  for (const std::string& n : all)
    if (n != metric) columns.push_back(n);

  std::vector<std::vector<std::string>> cells;
  cells.push_back({"experiment"});
  cells[0].insert(cells[0].end(), columns.begin(), columns.end());
  for (const ResultRow& r : rows) {
    std::vector<std::string> line = {r.name};
    for (const std::string& c : columns) line.push_back(has_metric(r.metrics, c) ? format_metric(metric_value(r.metrics, c)) : "");
    cells.push_back(line);
  }
  return detail::markdown_table(cells);
}

std::string synthesize(const std::string& parent_dir, const std::string& metric, std::vector<std::string>* warnings) {
  std::vector<ResultRow> rows = collect_results(parent_dir, warnings);
  EMBER_CHECK(!rows.empty(), parent_dir,
              ": no metrics_val_best_weights.json found (nothing trained here yet: run `ember train` or `ember search` first)");
  std::string table = results_table(std::move(rows), metric);
  detail::write_text_atomic((fs::path(parent_dir) / "results.md").string(), table);
  return table;
}

}  // namespace ember::train

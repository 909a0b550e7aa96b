#pragma once
// `ember synthesize`: every metrics_val_best_weights.json under a directory, in one Markdown
// table sorted by a metric (CS230's synthesize_results.py).
//
//   | experiment                 | accuracy | loss   | epoch |
//   |----------------------------|----------|--------|-------|
//   | learning_rate_0.001        | 0.9132   | 0.2451 | 7     |
#include <string>
#include <vector>

#include "ember/train/metrics_file.h"

namespace ember::train {

struct ResultRow {
  std::string name;  // the experiment's directory relative to the parent ("." for the parent)
  Metrics metrics;
};

// Walks `parent_dir` (recursively) for metrics_val_best_weights.json, rows sorted by name. A file
// that does not parse is skipped and described in `warnings` (when given).
std::vector<ResultRow> collect_results(const std::string& parent_dir, std::vector<std::string>* warnings = nullptr);

// True for metrics where lower is better: names ending in "loss" or "error" (and "mse", "mae",
// "perplexity").
bool lower_is_better(const std::string& metric);

// Sorts rows by `metric` (best first; rows without it last, by name) and formats the table:
// `metric` is the first metric column, the others follow in alphabetical order. ember::Error if
// no row has `metric` (the message lists those present).
std::string results_table(std::vector<ResultRow> rows, const std::string& metric);

// collect_results + results_table, written atomically to parent_dir/results.md; returns the
// table. ember::Error for a missing directory, or one without any metrics file.
std::string synthesize(const std::string& parent_dir, const std::string& metric,
                       std::vector<std::string>* warnings = nullptr);

// Number formatting of the tables: integers as integers, others with 4 decimals (or 3
// significant digits in exponent form when smaller than 1e-3), NaN as "nan".
std::string format_metric(double v);

}  // namespace ember::train

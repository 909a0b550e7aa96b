#pragma once
// Serialized Summary messages, one builder per kind, as torch/utils/tensorboard/summary.py
// builds them (field numbers: ../shared/FORMATS.md §1.5-1.8). Internal to SummaryWriter.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ember/io/tensorboard.h"

namespace ember::tensorboard::summary {

// Value{tag, simple_value} or, new_style, Value{tag, tensor (rank 0, DT_FLOAT/DT_DOUBLE),
// metadata{plugin "scalars"}}.
std::string scalar(const std::string& tag, double value, bool new_style = false, bool double_precision = false);

struct Histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};
// TensorBoard's default buckets: -1e20 < ... -1e-12, 0, 1e-12 ... < 1e20 (factor 1.1).
const std::vector<double>& default_bins();
// numpy.histogram's edges for `count` equal bins over [min, max] (min == max widens by 0.5).
std::vector<double> uniform_bins(double min, double max, int64_t count);
// PyTorch's make_histogram: numpy.histogram counts (bins [e_i, e_i+1), the last one closed),
// optional merging down to max_bins, then only the populated span plus one empty bucket on
// the left. `what` names the caller in errors.
Histogram make_histogram(const std::vector<double>& values, const std::vector<double>& edges,
                         std::optional<int64_t> max_bins, const std::string& what);
std::string histogram(const std::string& tag, const Histogram& h);

// Value{tag, image{height, width, colorspace = channels, encoded PNG}}.
std::string image(const std::string& tag, int64_t height, int64_t width, int64_t channels, const std::string& png);

// Value{tag + "/text_summary", tensor DT_STRING [1] = text, metadata{plugin "text"}}.
std::string text(const std::string& tag, const std::string& text);

// The three summaries of the hparams plugin.
struct HParamsSummaries {
  std::string experiment, session_start_info, session_end_info;
};
HParamsSummaries hparams(const HParams& hparams, const ScalarDict& metrics, const HParamDomains& domains);

}  // namespace ember::tensorboard::summary

// Summary builders (see tensorboard_summary.h). Message and field names follow TensorBoard's
// protos: Summary.Value tag=1 simple_value=2 image=4 histo=5 tensor=8 metadata=9, ...
#include "io/tensorboard_summary.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "ember/core/error.h"
#include "io/protobuf_writer.h"

// Round each product before the add that follows, as NumPy and PyTorch do (no fused
// multiply-add): bin edges and pixel values must match theirs bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace ember::tensorboard::summary {

namespace {

using io::ProtoWriter;

// DataType enum of TensorProto.
constexpr int64_t kDtFloat = 1, kDtDouble = 2, kDtString = 7;

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (n < 0 || s.size() - i <= static_cast<size_t>(n)) return false;
    uint32_t cp = n == 0 ? c : c & (0x3F >> n);
    for (int k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<size_t>(n) + 1;
  }
  return true;
}

// Tags and names go in protobuf `string` fields, which TensorBoard's reader rejects unless they
// are UTF-8: one bad tag made the whole event file unreadable (PyTorch's str tags cannot be).
const std::string& checked_name(const std::string& name, const char* what) {
  EMBER_CHECK(is_utf8(name), "TensorBoard ", what, " '", name, "' is not valid UTF-8");
  return name;
}

// Summary.Value{tag}
ProtoWriter tagged_value(const std::string& tag) {
  ProtoWriter v;
  v.set_string(1, checked_name(tag, "tag"));
  return v;
}

// Summary{value=[v]}
std::string wrap_value(const ProtoWriter& value) {
  ProtoWriter s;
  s.add_message(1, value);
  return s.release();
}

// SummaryMetadata{plugin_data{plugin_name, content}}
ProtoWriter plugin_metadata(const std::string& plugin, const std::string& content = "") {
  ProtoWriter pd;
  pd.set_string(1, plugin);
  pd.set_string(2, content);
  ProtoWriter md;
  md.add_message(1, pd);
  return md;
}

}  // namespace

std::string scalar(const std::string& tag, double value, bool new_style, bool double_precision) {
  ProtoWriter v = tagged_value(tag);
  if (!new_style) {
    v.add_float(2, static_cast<float>(value));
    return wrap_value(v);
  }
  ProtoWriter t;  // TensorProto, rank 0 (no tensor_shape)
  if (double_precision) {
    t.set_int(1, kDtDouble);
    t.add_packed_double(6, {value});
  } else {
    t.set_int(1, kDtFloat);
    t.add_packed_float(5, {static_cast<float>(value)});
  }
  v.add_message(8, t);
  v.add_message(9, plugin_metadata("scalars"));
  return wrap_value(v);
}

// ---- histograms -----------------------------------------------------------------------------

const std::vector<double>& default_bins() {
  static const std::vector<double> bins = [] {
    std::vector<double> pos;
    for (double v = 1e-12; v < 1e20; v *= 1.1) pos.push_back(v);
    std::vector<double> all;
    all.reserve(2 * pos.size() + 1);
    for (auto it = pos.rbegin(); it != pos.rend(); ++it) all.push_back(-*it);
    all.push_back(0.0);
    all.insert(all.end(), pos.begin(), pos.end());
    return all;
  }();
  return bins;
}

std::vector<double> uniform_bins(double min, double max, int64_t count) {
  EMBER_CHECK(count >= 1, "histogram: the number of bins must be positive, got ", count);
  if (min == max) {
    min -= 0.5;
    max += 0.5;
  }
  // numpy.linspace: start + i * step, the last edge exactly `max`.
  const double step = (max - min) / static_cast<double>(count);
  std::vector<double> edges(static_cast<size_t>(count) + 1);
  for (int64_t i = 0; i < count; ++i) edges[i] = static_cast<double>(i) * step + min;
  edges[count] = max;
  return edges;
}

Histogram make_histogram(const std::vector<double>& values, const std::vector<double>& edges,
                         std::optional<int64_t> max_bins, const std::string& what) {
  EMBER_CHECK(!values.empty(), what, ": the input has no element");
  EMBER_CHECK(edges.size() >= 2, what, ": need at least 2 bin edges, got ", edges.size());
  for (size_t i = 1; i < edges.size(); ++i)
    EMBER_CHECK(edges[i] > edges[i - 1], what, ": bin edges must increase monotonically (edge ", i, " = ",
                edges[i], " after ", edges[i - 1], ")");
  EMBER_CHECK(!max_bins || *max_bins >= 1, what, ": max_bins must be positive, got ", *max_bins);

  Histogram h;
  h.min = values[0];
  h.max = values[0];
  const size_t nb = edges.size() - 1;
  std::vector<double> counts(nb, 0.0);
  for (size_t i = 0; i < values.size(); ++i) {
    const double x = values[i];
    EMBER_CHECK(std::isfinite(x), what, ": value ", i, " is ", x, " (histograms need finite values)");
    h.min = std::min(h.min, x);
    h.max = std::max(h.max, x);
    h.sum += x;
    h.sum_squares += x * x;
    if (x < edges.front() || x > edges.back()) continue;  // numpy drops values outside the bins
    size_t b = static_cast<size_t>(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin());
    b = std::min(b, nb) - 1;  // the last bin includes its right edge
    counts[b] += 1;
  }
  h.num = static_cast<double>(values.size());

  std::vector<double> limits = edges;
  if (max_bins && static_cast<int64_t>(nb) > *max_bins) {  // merge `sub` neighbours, padding with zeros
    const size_t sub = nb / static_cast<size_t>(*max_bins);
    const size_t merged = (nb + sub - 1) / sub;
    std::vector<double> c(merged, 0.0), l(merged + 1);
    for (size_t i = 0; i < nb; ++i) c[i / sub] += counts[i];
    for (size_t j = 0; j < merged; ++j) l[j] = edges[j * sub];
    l[merged] = edges.back();
    counts = std::move(c);
    limits = std::move(l);
  }

  // The populated span [first, last], plus one empty bucket on its left: TensorBoard stores
  // right edges only, so that bucket's right edge is the span's left edge.
  size_t first = counts.size(), last = 0;
  for (size_t i = 0; i < counts.size(); ++i)
    if (counts[i] > 0) {
      first = std::min(first, i);
      last = i;
    }
  EMBER_CHECK(first < counts.size(), what, ": no value lies inside the bins [", edges.front(), ", ",
              edges.back(), "]");
  h.bucket.push_back(first > 0 ? counts[first - 1] : 0.0);
  h.bucket.insert(h.bucket.end(), counts.begin() + first, counts.begin() + last + 1);
  h.bucket_limit.assign(limits.begin() + first, limits.begin() + last + 2);
  return h;
}

std::string histogram(const std::string& tag, const Histogram& h) {
  EMBER_CHECK(h.bucket.size() == h.bucket_limit.size(), "histogram '", tag, "': ", h.bucket.size(),
              " bucket counts but ", h.bucket_limit.size(), " bucket limits");
  ProtoWriter hp;  // HistogramProto
  hp.set_double(1, h.min);
  hp.set_double(2, h.max);
  hp.set_double(3, h.num);
  hp.set_double(4, h.sum);
  hp.set_double(5, h.sum_squares);
  hp.add_packed_double(6, h.bucket_limit);
  hp.add_packed_double(7, h.bucket);
  ProtoWriter v = tagged_value(tag);
  v.add_message(5, hp);
  return wrap_value(v);
}

// ---- images and text ------------------------------------------------------------------------

std::string image(const std::string& tag, int64_t height, int64_t width, int64_t channels, const std::string& png) {
  ProtoWriter im;  // Summary.Image
  im.set_int(1, height);
  im.set_int(2, width);
  im.set_int(3, channels);
  im.set_string(4, png);
  ProtoWriter v = tagged_value(tag);
  v.add_message(4, im);
  return wrap_value(v);
}

std::string text(const std::string& tag, const std::string& text) {
  ProtoWriter dim;  // TensorShapeProto.Dim{size 1}
  dim.set_int(1, 1);
  ProtoWriter shape;
  shape.add_message(2, dim);
  ProtoWriter t;  // TensorProto
  t.set_int(1, kDtString);
  t.add_message(2, shape);
  t.add_bytes(8, text);
  ProtoWriter v = tagged_value(tag + "/text_summary");
  v.add_message(8, t);
  v.add_message(9, plugin_metadata("text"));  // TextPluginData{version 0} serializes to nothing
  return wrap_value(v);
}

// ---- hparams --------------------------------------------------------------------------------

namespace {

// hparams api.proto DataType
constexpr int64_t kTypeString = 1, kTypeBool = 2, kTypeFloat64 = 3;

// google.protobuf.Value{number_value=2 | string_value=3 | bool_value=4}
ProtoWriter struct_value(const HParamValue& v) {
  ProtoWriter w;
  switch (v.kind()) {
    case HParamValue::Kind::Number: w.add_double(2, v.number()); break;
    case HParamValue::Kind::String: w.add_bytes(3, v.string()); break;
    case HParamValue::Kind::Bool: w.add_bool(4, v.boolean()); break;
  }
  return w;
}

int64_t hparam_type(HParamValue::Kind k) {
  switch (k) {
    case HParamValue::Kind::Number: return kTypeFloat64;
    case HParamValue::Kind::String: return kTypeString;
    case HParamValue::Kind::Bool: return kTypeBool;
  }
  return 0;
}

const char* kind_name(HParamValue::Kind k) {
  switch (k) {
    case HParamValue::Kind::Number: return "number";
    case HParamValue::Kind::String: return "string";
    case HParamValue::Kind::Bool: return "bool";
  }
  return "?";
}

// Summary{value=[Value{tag, metadata{plugin "hparams", content=HParamsPluginData{<field>=msg}}}]}
std::string hparams_summary(const std::string& tag, uint32_t field, const ProtoWriter& msg) {
  ProtoWriter content;  // HParamsPluginData; version 0 is the default, so omitted
  content.add_message(field, msg);
  ProtoWriter v = tagged_value(tag);
  v.add_message(9, plugin_metadata("hparams", content.str()));
  return wrap_value(v);
}

}  // namespace

HParamsSummaries hparams(const HParams& hparams, const ScalarDict& metrics, const HParamDomains& domains) {
  std::set<std::string> names;
  for (auto& [k, v] : hparams) {
    EMBER_CHECK(names.insert(checked_name(k, "hyperparameter")).second, "add_hparams: hyperparameter '", k,
                "' given twice");
    if (v.kind() == HParamValue::Kind::String) checked_name(v.string(), "hyperparameter value");
  }
  std::set<std::string> metric_names;
  for (auto& [k, v] : metrics)
    EMBER_CHECK(metric_names.insert(checked_name(k, "metric")).second, "add_hparams: metric '", k, "' given twice");
  for (auto& [k, values] : domains)
    for (auto& d : values)
      if (d.kind() == HParamValue::Kind::String) checked_name(d.string(), "hyperparameter domain value");
  for (auto& [k, values] : domains) {
    auto it = std::find_if(hparams.begin(), hparams.end(), [&](auto& p) { return p.first == k; });
    EMBER_CHECK(it != hparams.end(), "add_hparams: domain given for '", k, "', which is not a hyperparameter");
    for (auto& d : values)
      EMBER_CHECK(d.kind() == it->second.kind(), "add_hparams: the domain of '", k, "' holds a ", kind_name(d.kind()),
                  " but its value is a ", kind_name(it->second.kind()));
  }

  ProtoWriter ssi;  // SessionStartInfo
  ProtoWriter exp;  // Experiment
  for (auto& [k, v] : hparams) {
    ProtoWriter entry;  // map<string, Value> entry
    entry.add_bytes(1, k);
    entry.add_message(2, struct_value(v));
    ssi.add_message(1, entry);

    ProtoWriter info;  // HParamInfo
    info.set_string(1, k);
    info.set_int(4, hparam_type(v.kind()));
    for (auto& [dk, values] : domains) {
      if (dk != k) continue;
      ProtoWriter list;  // google.protobuf.ListValue{values=1}
      for (auto& d : values) list.add_message(1, struct_value(d));
      info.add_message(5, list);
    }
    exp.add_message(4, info);
  }
  for (auto& [k, v] : metrics) {
    ProtoWriter name;  // MetricName{tag=2}
    name.set_string(2, k);
    ProtoWriter info;  // MetricInfo{name=1}
    info.add_message(1, name);
    exp.add_message(5, info);
  }
  ProtoWriter sei;   // SessionEndInfo
  sei.set_int(1, 1);  // STATUS_SUCCESS

  HParamsSummaries out;
  out.experiment = hparams_summary("_hparams_/experiment", 2, exp);
  out.session_start_info = hparams_summary("_hparams_/session_start_info", 3, ssi);
  out.session_end_info = hparams_summary("_hparams_/session_end_info", 4, sei);
  return out;
}

}  // namespace ember::tensorboard::summary

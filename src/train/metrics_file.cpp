// metrics_*.json and history.json: flat JSON objects of numbers, written atomically.
#include "ember/train/metrics_file.h"

#include <cmath>
#include <limits>

#include "ember/core/error.h"
#include "train/json_util.h"

namespace ember::train {

using detail::ordered_json;

namespace {

ordered_json to_json(const Metrics& m) {
  ordered_json obj = ordered_json::object();
  for (const auto& [k, v] : m) {
    if (!std::isfinite(v)) obj[k] = nullptr;
    else if (v == std::floor(v) && std::fabs(v) < 9.0e15) obj[k] = static_cast<int64_t>(v);
    else obj[k] = v;
  }
  return obj;
}

Metrics from_json(const ordered_json& obj, const std::string& where) {
  EMBER_CHECK(obj.is_object(), where, ": expected a JSON object of metrics, found ", detail::describe_json(obj));
  Metrics m;
  for (const auto& [k, v] : obj.items()) {
    if (v.is_null()) {
      m.emplace_back(k, std::numeric_limits<double>::quiet_NaN());
      continue;
    }
    EMBER_CHECK(v.is_number(), where, ": metric '", k, "': expected a number, found ", detail::describe_json(v));
    m.emplace_back(k, v.get<double>());
  }
  return m;
}

}  // namespace

bool has_metric(const Metrics& metrics, const std::string& name) {
  for (const auto& kv : metrics)
    if (kv.first == name) return true;
  return false;
}

double metric_value(const Metrics& metrics, const std::string& name) {
  std::string names;
  for (const auto& [k, v] : metrics) {
    if (k == name) return v;
    names += (names.empty() ? "" : ", ") + k;
  }
  EMBER_THROW("no metric '", name, "' (have: ", names.empty() ? "none" : names, ")");
}

void save_metrics(const std::string& path, const Metrics& metrics) {
  detail::write_text_atomic(path, to_json(metrics).dump(4) + "\n");
}

Metrics load_metrics(const std::string& path) { return from_json(detail::read_json_file(path), path); }

void save_history(const std::string& path, const History& history) {
  ordered_json arr = ordered_json::array();
  for (const Metrics& m : history) arr.push_back(to_json(m));
  detail::write_text_atomic(path, arr.dump(4) + "\n");
}

History load_history(const std::string& path) {
  ordered_json arr = detail::read_json_file(path);
  EMBER_CHECK(arr.is_array(), path, ": expected a JSON array of epochs, found ", detail::describe_json(arr));
  History h;
  for (size_t i = 0; i < arr.size(); ++i) h.push_back(from_json(arr[i], path + ": entry " + std::to_string(i)));
  return h;
}

}  // namespace ember::train

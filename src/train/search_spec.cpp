// search.json and the trials it describes (grid or seeded random).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "ember/core/error.h"
#include "ember/train/search.h"
#include "train/json_util.h"

namespace ember::train {

using detail::ordered_json;
using Type = ParamValue::Type;

namespace {

constexpr uint64_t kMaxTrials = 10000;  // trials one search may run

// A value read from a search.json list: numbers keep their JSON type.
ParamValue list_value(const ordered_json& j, const std::string& where) {
  if (j.is_number_integer() || j.is_number_unsigned()) return ParamValue(static_cast<long long>(j.get<int64_t>()));
  if (j.is_number_float()) return ParamValue(j.get<double>());
  if (j.is_boolean()) return ParamValue(j.get<bool>());
  if (j.is_string()) return ParamValue(j.get<std::string>());
  if (j.is_array()) {
    std::vector<double> v;
    for (const auto& x : j) {
      EMBER_CHECK(x.is_number(), where, ": a list value may hold only numbers, found ", detail::describe_json(x));
      v.push_back(x.get<double>());
    }
    return ParamValue(std::move(v));
  }
  EMBER_THROW(where, ": expected a number, boolean, string or list of numbers, found ", detail::describe_json(j));
}

double number_member(const ordered_json& obj, const char* name, const std::string& where) {
  EMBER_CHECK(obj.contains(name), where, ": a range needs \"", name, "\"");
  EMBER_CHECK(obj[name].is_number(), where, ".", name, ": expected a number, found ", detail::describe_json(obj[name]));
  const double v = obj[name].get<double>();
  EMBER_CHECK(std::isfinite(v), where, ".", name, ": must be finite");
  return v;
}

// 6 significant digits: 10**-3.0000000000000004 becomes 0.001.
double tidy(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return std::strtod(buf, nullptr);
}

// The spec type a dimension's values must have (objects' options take any number).
Type key_type(const Params& parent, const std::string& key) {
  const size_t dot = key.find('.');
  if (dot != std::string::npos) {
    const ParamSpec& s = parent.spec(key.substr(0, dot));
    EMBER_CHECK(s.type == Type::Object, "search: '", key, "': '", s.name, "' is a ", type_name(s.type),
                ", not an object of options");
    return Type::Float;
  }
  return parent.spec(key).type;
}

ParamValue number_value(double v, Type type) {
  if (type == Type::Int) return ParamValue(static_cast<long long>(std::llround(v)));
  return ParamValue(tidy(v));
}

std::string name_part(const std::string& key, const ParamValue& v) {
  const size_t dot = key.rfind('.');
  std::string out = (dot == std::string::npos ? key : key.substr(dot + 1)) + "_";
  std::string text;
  if (v.type() == Type::Float) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.4g", v.as_float());
    text = buf;
  } else if (v.type() == Type::List) {
    for (double d : v.as_list()) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.4g", d);
      text += (text.empty() ? "" : "_") + std::string(buf);
    }
  } else {
    text = v.to_string();
  }
  for (char c : text) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+') ? c : '_';
  return out;
}

// splitmix64: a small, portable, seeded generator (the same trials on every platform).
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0,1)
};

}  // namespace

SearchSpec SearchSpec::parse(const std::string& json_text, const std::string& source) {
  const std::string src = source.empty() ? "search.json" : source;
  ordered_json j = detail::parse_json(json_text, src);
  EMBER_CHECK(j.is_object(), src, ": expected a JSON object, found ", detail::describe_json(j));
  SearchSpec spec;
  for (const auto& [key, value] : j.items()) {
    if (key == "strategy") {
      EMBER_CHECK(value.is_string(), src, ": key 'strategy': expected a string, found ", detail::describe_json(value));
      spec.strategy = value.get<std::string>();
      EMBER_CHECK(spec.strategy == "grid" || spec.strategy == "random", src, ": key 'strategy': \"", spec.strategy,
                  "\" is not one of: grid, random");
    } else if (key == "num_trials" || key == "seed") {
      EMBER_CHECK(value.is_number_integer() || value.is_number_unsigned(), src, ": key '", key,
                  "': expected an integer, found ", detail::describe_json(value));
      EMBER_CHECK(value.is_number_unsigned() || value.get<int64_t>() >= 0, src, ": key '", key, "': must be >= 0");
      if (key == "seed") spec.seed = value.get<uint64_t>();
      else spec.num_trials = static_cast<int64_t>(std::min<uint64_t>(value.get<uint64_t>(), INT64_MAX));
    } else if (key == "params") {
      EMBER_CHECK(value.is_object(), src, ": key 'params': expected an object {\"key\": [values] or {range}}, found ",
                  detail::describe_json(value));
      for (const auto& [pkey, pval] : value.items()) {
        const std::string where = src + ": params." + pkey;
        SearchDimension d;
        d.key = pkey;
        if (pval.is_array()) {
          EMBER_CHECK(!pval.empty(), where, ": the list of values is empty");
          for (const auto& item : pval) d.values.push_back(list_value(item, where));
        } else if (pval.is_object()) {
          d.is_range = true;
          for (const auto& [rk, rv] : pval.items())
            EMBER_CHECK(rk == "min" || rk == "max" || rk == "count" || rk == "scale", where, ": unknown range key '", rk,
                        "' (a range has min, max, count, scale)");
          d.min = number_member(pval, "min", where);
          d.max = number_member(pval, "max", where);
          EMBER_CHECK(d.min <= d.max, where, ": min (", d.min, ") is greater than max (", d.max, ")");
          if (pval.contains("count")) {
            const auto& c = pval["count"];
            EMBER_CHECK(c.is_number_integer() && c.get<int64_t>() >= 1, where, ".count: expected an integer >= 1, found ",
                        detail::describe_json(c));
            d.count = c.get<int64_t>();
          }
          if (pval.contains("scale")) {
            const auto& s = pval["scale"];
            EMBER_CHECK(s.is_string() && (s.get<std::string>() == "linear" || s.get<std::string>() == "log"), where,
                        ".scale: expected \"linear\" or \"log\", found ", detail::describe_json(s));
            d.log_scale = s.get<std::string>() == "log";
          }
          EMBER_CHECK(!d.log_scale || d.min > 0, where, ": a log-scale range needs min > 0 (min is ", d.min, ")");
        } else {
          EMBER_THROW(where, ": expected a list of values or a range {\"min\", \"max\", \"count\", \"scale\"}, found ",
                      detail::describe_json(pval));
        }
        spec.dimensions.push_back(std::move(d));
      }
    } else {
      EMBER_THROW(src, ": unknown key '", key, "' (search.json has strategy, num_trials, seed, params)");
    }
  }
  EMBER_CHECK(!spec.dimensions.empty(), src, ": no hyper-parameters to search (\"params\" is missing or empty)");
  if (spec.strategy == "grid") {
    EMBER_CHECK(!j.contains("num_trials"), src, ": 'num_trials' is for random search; a grid runs every combination");
    // Every combination becomes a Trial in memory: a count of 10^15 hung building them.
    uint64_t total = 1;
    std::string sizes;
    for (const SearchDimension& d : spec.dimensions) {
      EMBER_CHECK(!d.is_range || d.count >= 1, src, ": params.", d.key, ": a grid range needs \"count\"");
      const uint64_t n = d.is_range ? static_cast<uint64_t>(d.count) : d.values.size();
      sizes += (sizes.empty() ? "" : " x ") + std::to_string(n);
      total = n > kMaxTrials || total * n > kMaxTrials ? kMaxTrials + 1 : total * n;
    }
    EMBER_CHECK(total <= kMaxTrials, src, ": the grid has ", sizes, " combinations, more than the limit of ",
                kMaxTrials, " trials");
  } else {
    EMBER_CHECK(spec.num_trials >= 1, src, ": random search needs \"num_trials\" >= 1");
    EMBER_CHECK(spec.num_trials <= static_cast<int64_t>(kMaxTrials), src, ": num_trials ", spec.num_trials,
                " is more than the limit of ", kMaxTrials, " trials");
  }
  return spec;
}

SearchSpec SearchSpec::load(const std::string& path) { return parse(detail::read_text_file(path), path); }

std::vector<Trial> make_trials(const SearchSpec& spec, const Params& parent) {
  // Each dimension's candidate values (grid) with the type its key wants.
  std::vector<Type> types;
  for (const SearchDimension& d : spec.dimensions) {
    EMBER_CHECK(d.key != "model", "search: 'model' cannot be searched: each model has its own keys, so give each "
                "its own parent directory");
    types.push_back(key_type(parent, d.key));
    EMBER_CHECK(!d.is_range || types.back() == Type::Int || types.back() == Type::Float, "search: '", d.key,
                "' is a ", type_name(types.back()), ": only numbers can be given as a range");
  }
  std::vector<std::vector<std::pair<std::string, ParamValue>>> combos;
  if (spec.strategy == "grid") {
    std::vector<std::vector<ParamValue>> axes;
    for (size_t i = 0; i < spec.dimensions.size(); ++i) {
      const SearchDimension& d = spec.dimensions[i];
      std::vector<ParamValue> axis = d.values;
      if (d.is_range) {
        for (int64_t k = 0; k < d.count; ++k) {
          const double t = d.count == 1 ? 0.0 : static_cast<double>(k) / static_cast<double>(d.count - 1);
          const double v = d.log_scale ? std::exp(std::log(d.min) + t * (std::log(d.max) - std::log(d.min)))
                                       : d.min + t * (d.max - d.min);
          ParamValue pv = number_value(k == d.count - 1 && d.count > 1 ? d.max : v, types[i]);
          bool seen = false;  // integer ranges can round two points to one value
          for (const ParamValue& a : axis) seen = seen || a == pv;
          if (!seen) axis.push_back(pv);
        }
      }
      axes.push_back(std::move(axis));
    }
    size_t total = 1;
    for (const auto& axis : axes) total *= axis.size();
    for (size_t n = 0; n < total; ++n) {  // mixed-radix count, the last dimension fastest
      std::vector<std::pair<std::string, ParamValue>> combo(axes.size());
      size_t rest = n;
      for (size_t i = axes.size(); i-- > 0;) {
        combo[i] = {spec.dimensions[i].key, axes[i][rest % axes[i].size()]};
        rest /= axes[i].size();
      }
      combos.push_back(std::move(combo));
    }
  } else {
    SplitMix rng{spec.seed};
    for (int64_t t = 0; t < spec.num_trials; ++t) {
      std::vector<std::pair<std::string, ParamValue>> combo;
      for (size_t i = 0; i < spec.dimensions.size(); ++i) {
        const SearchDimension& d = spec.dimensions[i];
        const double u = rng.uniform();
        if (!d.is_range) {
          combo.emplace_back(d.key, d.values[std::min(d.values.size() - 1, static_cast<size_t>(u * d.values.size()))]);
        } else {
          const double v = d.log_scale ? std::exp(std::log(d.min) + u * (std::log(d.max) - std::log(d.min)))
                                       : d.min + u * (d.max - d.min);
          combo.emplace_back(d.key, number_value(v, types[i]));
        }
      }
      combos.push_back(std::move(combo));
    }
  }

  std::vector<Trial> trials;
  std::map<std::string, int> used;
  for (auto& combo : combos) {
    Trial t;
    for (const auto& [key, value] : combo) t.name += (t.name.empty() ? "" : "-") + name_part(key, value);
    if (int n = ++used[t.name]; n > 1) t.name += "-" + std::to_string(n);
    t.params = parent;
    for (const auto& [key, value] : combo) {
      try {
        t.params.set(key, value);
      } catch (const Error& e) {
        EMBER_THROW("search: trial '", t.name, "': ", e.what());
      }
    }
    t.overrides = std::move(combo);
    trials.push_back(std::move(t));
  }
  return trials;
}

}  // namespace ember::train

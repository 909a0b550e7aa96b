// Params: params.json with a schema (types, defaults, ranges, choices) and errors naming the file.
#include "ember/train/params.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <sstream>

#include "ember/core/error.h"
#include "train/json_util.h"

namespace ember::train {

using detail::ordered_json;
using Type = ParamValue::Type;

// ---- ParamValue ------------------------------------------------------------------------------

const char* type_name(Type type) {
  switch (type) {
    case Type::Int: return "integer";
    case Type::Float: return "number";
    case Type::Bool: return "boolean";
    case Type::String: return "string";
    case Type::List: return "list of numbers";
    case Type::Object: return "object";
  }
  return "?";
}

namespace {

[[noreturn]] void wrong_type(const std::string& key, Type want, const ParamValue& got) {
  EMBER_THROW("params: key '", key, "' holds ", type_name(got.type()), " ", got.to_json(), ", not ",
              type_name(want));
}

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return ordered_json(v).dump();  // shortest round-trip form
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Levenshtein distance, for "did you mean" hints.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

}  // namespace

int64_t ParamValue::as_int(const std::string& key) const {
  if (type_ != Type::Int) wrong_type(key, Type::Int, *this);
  return int_;
}
double ParamValue::as_float(const std::string& key) const {
  if (type_ == Type::Int) return static_cast<double>(int_);
  if (type_ != Type::Float) wrong_type(key, Type::Float, *this);
  return float_;
}
bool ParamValue::as_bool(const std::string& key) const {
  if (type_ != Type::Bool) wrong_type(key, Type::Bool, *this);
  return bool_;
}
const std::string& ParamValue::as_string(const std::string& key) const {
  if (type_ != Type::String) wrong_type(key, Type::String, *this);
  return string_;
}
const std::vector<double>& ParamValue::as_list(const std::string& key) const {
  if (type_ != Type::List) wrong_type(key, Type::List, *this);
  return list_;
}
const optim::Options& ParamValue::as_object(const std::string& key) const {
  if (type_ != Type::Object) wrong_type(key, Type::Object, *this);
  return object_;
}

std::string ParamValue::to_json() const {
  switch (type_) {
    case Type::Int: return std::to_string(int_);
    case Type::Float: return number_text(float_);
    case Type::Bool: return bool_ ? "true" : "false";
    case Type::String: return ordered_json(string_).dump();
    case Type::List: {
      std::string out = "[";
      for (size_t i = 0; i < list_.size(); ++i) out += (i ? ", " : "") + number_text(list_[i]);
      return out + "]";
    }
    case Type::Object: return object_.to_json();
  }
  return "null";
}

std::string ParamValue::to_string() const { return type_ == Type::String ? string_ : to_json(); }

bool ParamValue::operator==(const ParamValue& o) const {
  if (type_ != o.type_) return false;
  switch (type_) {
    case Type::Int: return int_ == o.int_;
    case Type::Float: return float_ == o.float_;
    case Type::Bool: return bool_ == o.bool_;
    case Type::String: return string_ == o.string_;
    case Type::List: return list_ == o.list_;
    case Type::Object: return object_ == o.object_;
  }
  return false;
}

// ---- specs -----------------------------------------------------------------------------------

ParamSpec int_param(std::string name, int64_t def, std::string help, double min, double max) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = Type::Int;
  s.default_value = ParamValue(static_cast<long long>(def));
  s.help = std::move(help);
  s.min = min;
  s.max = max;
  return s;
}

ParamSpec float_param(std::string name, double def, std::string help, double min, double max) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = Type::Float;
  s.default_value = ParamValue(def);
  s.help = std::move(help);
  s.min = min;
  s.max = max;
  return s;
}

ParamSpec bool_param(std::string name, bool def, std::string help) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = Type::Bool;
  s.default_value = ParamValue(def);
  s.help = std::move(help);
  return s;
}

ParamSpec string_param(std::string name, std::string def, std::string help, std::vector<std::string> choices) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = Type::String;
  s.default_value = ParamValue(std::move(def));
  s.help = std::move(help);
  s.choices = std::move(choices);
  return s;
}

const std::vector<ParamSpec>& Params::common_specs() {
  static const std::vector<ParamSpec> specs = [] {
    constexpr double inf = std::numeric_limits<double>::infinity();
    std::vector<ParamSpec> v;
    ParamSpec model = string_param("model", "", "the registered model to train (`ember models` lists them)");
    model.required = true;
    v.push_back(model);
    ParamSpec lr = float_param("learning_rate", 1e-3, "the optimizer's lr", 0.0, inf);
    lr.min_exclusive = true;
    v.push_back(lr);
    v.push_back(int_param("batch_size", 64, "samples per training batch", 1));
    v.push_back(int_param("num_epochs", 10, "passes over the training split", 1));
    v.push_back(string_param("optimizer", "Adam", "torch.optim class name",
                             {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"}));
    ParamSpec oo;
    oo.name = "optimizer_options";
    oo.type = Type::Object;
    oo.default_value = ParamValue(optim::Options{});
    oo.help = "the optimizer's other options, as in PyTorch: momentum, nesterov, betas, eps, alpha, ...";
    v.push_back(oo);
    v.push_back(float_param("weight_decay", 0.0, "L2 penalty (decoupled for AdamW)", 0.0));
    v.push_back(string_param("lr_scheduler", "none", "torch.optim.lr_scheduler class name, or none",
                             {"none", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
                              "OneCycleLR", "ReduceLROnPlateau"}));
    ParamSpec so = oo;
    so.name = "lr_scheduler_options";
    so.help = "the scheduler's arguments, as in PyTorch: step_size, gamma, milestones, T_max, mode, patience, ...";
    v.push_back(so);
    ParamSpec dr = float_param("dropout_rate", 0.5, "probability of zeroing an activation in Dropout layers", 0.0, 1.0);
    dr.max_exclusive = true;
    v.push_back(dr);
    v.push_back(int_param("num_channels", 32, "channels of the first convolution (signs_cnn)", 1));
    v.push_back(int_param("save_summary_steps", 100, "training steps between TensorBoard scalar summaries", 1));
    v.push_back(int_param("num_workers", 0, "DataLoader worker threads (0: load in the training thread)", 0, 64));
    v.push_back(int_param("seed", 230, "seed of every random choice: initialisation, shuffling, dropout", 0));
    ParamSpec vf = float_param("val_fraction", 0.1, "fraction of the training files held out for validation", 0.0, 1.0);
    vf.min_exclusive = vf.max_exclusive = true;
    v.push_back(vf);
    v.push_back(string_param("metric", "", "validation metric that selects best.safetensors (empty: the model's default)"));
    v.push_back(int_param("max_train_samples", 0, "use only the first N training samples (0: all)", 0));
    v.push_back(int_param("max_val_samples", 0, "use only the first N validation samples (0: all)", 0));
    v.push_back(int_param("max_test_samples", 0, "use only the first N test samples (0: all)", 0));
    // An upper bound: 3e9 wrapped to a negative int; thousands of OpenMP threads exhaust the system.
    v.push_back(int_param("num_threads", 0, "compute threads (0: ember's default)", 0, 1024));
    v.push_back(float_param("clip_grad_norm", 0.0, "clip the gradients' total 2-norm to this (0: no clipping)", 0.0));
    return v;
  }();
  return specs;
}

// ---- Params ----------------------------------------------------------------------------------

Params::Params(std::vector<ParamSpec> schema) : schema_(std::move(schema)) {
  for (size_t i = 0; i < schema_.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      EMBER_CHECK(schema_[i].name != schema_[j].name, "params: the schema declares key '", schema_[i].name, "' twice");
  for (const ParamSpec& s : schema_) {
    values_.push_back(s.default_value);
    set_.push_back(false);
  }
}

size_t Params::index_of(const std::string& key) const {
  for (size_t i = 0; i < schema_.size(); ++i)
    if (schema_[i].name == key) return i;
  return std::string::npos;
}

bool Params::contains(const std::string& key) const { return index_of(key) != std::string::npos; }

const ParamSpec& Params::spec(const std::string& key) const {
  size_t i = index_of(key);
  if (i == std::string::npos) {
    std::vector<std::string> names;
    std::string hint;
    for (const ParamSpec& s : schema_) {
      names.push_back(s.name);
      if (hint.empty() && edit_distance(key, s.name) <= std::max<size_t>(2, key.size() / 4)) hint = s.name;
    }
    const std::string where = source_.empty() ? "params" : source_;
    const std::string model_part =
        contains("model") && set_[index_of("model")] ? " for model '" + model() + "'" : std::string();
    EMBER_THROW(where, ": unknown key '", key, "'", hint.empty() ? "" : " (did you mean '" + hint + "'?)",
                "; the keys", model_part, " are: ", join(names, ", "));
  }
  return schema_[i];
}

bool Params::is_set(const std::string& key) const { return set_[index_of(spec(key).name)]; }

const ParamValue& Params::at(const std::string& key) const {
  const ParamSpec& s = spec(key);
  size_t i = index_of(s.name);
  EMBER_CHECK(set_[i] || !s.required, source_.empty() ? "params" : source_, ": required key '", key, "' is not set");
  return values_[i];
}

ParamValue Params::checked(const ParamSpec& spec, const ParamValue& value) const {
  const std::string where = (source_.empty() ? std::string("params") : source_) + ": key '" + spec.name + "'";
  auto fail_type = [&]() {
    const bool vowel = spec.type == Type::Int || spec.type == Type::Object;
    EMBER_THROW(where, ": expected ", vowel ? "an " : "a ", type_name(spec.type), ", found ",
                type_name(value.type()), " ", value.to_json());
  };
  ParamValue v = value;
  switch (spec.type) {
    case Type::Int:
      if (value.type() == Type::Float) {
        double d = value.as_float();
        if (!(std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)) fail_type();
        v = ParamValue(static_cast<long long>(d));
      } else if (value.type() != Type::Int) {
        fail_type();
      }
      break;
    case Type::Float:
      if (value.type() == Type::Int) v = ParamValue(static_cast<double>(value.as_int()));
      else if (value.type() != Type::Float) fail_type();
      break;
    default:
      if (value.type() != spec.type) fail_type();
  }
  if (spec.type == Type::Int || spec.type == Type::Float) {
    const double d = v.as_float();
    const bool low_ok = spec.min_exclusive ? d > spec.min : d >= spec.min;
    const bool high_ok = spec.max_exclusive ? d < spec.max : d <= spec.max;
    if (!std::isfinite(d) || !low_ok || !high_ok) {
      std::ostringstream range;
      if (spec.min > -1e308 && spec.max < 1e308 && std::isfinite(spec.max))
        range << "in " << (spec.min_exclusive ? "(" : "[") << number_text(spec.min) << ", " << number_text(spec.max)
              << (spec.max_exclusive ? ")" : "]");
      else if (spec.min > -1e308)
        range << (spec.min_exclusive ? "> " : ">= ") << number_text(spec.min);
      else
        range << (spec.max_exclusive ? "< " : "<= ") << number_text(spec.max);
      EMBER_THROW(where, ": ", v.to_json(), " is out of range: must be ", range.str());
    }
  }
  if (spec.type == Type::String && !spec.choices.empty()) {
    const std::string& s = v.as_string();
    auto it = std::find_if(spec.choices.begin(), spec.choices.end(),
                           [&](const std::string& c) { return lower(c) == lower(s); });
    EMBER_CHECK(it != spec.choices.end(), where, ": \"", s, "\" is not one of: ", join(spec.choices, ", "));
    v = ParamValue(*it);  // the canonical spelling
  }
  return v;
}

void Params::set(const std::string& key, const ParamValue& value) {
  const size_t dot = key.find('.');
  if (dot != std::string::npos) {  // "optimizer_options.momentum": one option of an object
    const std::string outer = key.substr(0, dot), inner = key.substr(dot + 1);
    const ParamSpec& s = spec(outer);
    EMBER_CHECK(s.type == Type::Object, source_.empty() ? "params" : source_, ": key '", outer,
                "' is a ", type_name(s.type), ", not an object: cannot set '", key, "'");
    optim::Options obj = at(outer).as_object(outer);
    switch (value.type()) {
      case Type::Int: obj.set(inner, static_cast<double>(value.as_int())); break;
      case Type::Float: obj.set(inner, value.as_float()); break;
      case Type::Bool: obj.set(inner, value.as_bool()); break;
      case Type::String: obj.set(inner, value.as_string()); break;
      case Type::List: obj.set(inner, value.as_list()); break;
      case Type::Object: EMBER_THROW("params: '", key, "': options cannot hold a nested object");
    }
    set(outer, ParamValue(obj));
    return;
  }
  const ParamSpec& s = spec(key);
  const size_t i = index_of(s.name);
  values_[i] = checked(s, value);
  set_[i] = true;
}

namespace {

// A JSON value of params.json as a ParamValue; what it cannot hold (null, nested objects,
// lists of non-numbers) throws naming the key.
ParamValue from_json(const ordered_json& j, const std::string& key, const std::string& source) {
  const std::string where = source + ": key '" + key + "'";
  switch (j.type()) {
    case ordered_json::value_t::number_integer: return ParamValue(static_cast<long long>(j.get<int64_t>()));
    case ordered_json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      EMBER_CHECK(u <= uint64_t(std::numeric_limits<int64_t>::max()), where, ": ", u, " is too large");
      return ParamValue(static_cast<long long>(u));
    }
    case ordered_json::value_t::number_float: return ParamValue(j.get<double>());
    case ordered_json::value_t::boolean: return ParamValue(j.get<bool>());
    case ordered_json::value_t::string: return ParamValue(j.get<std::string>());
    case ordered_json::value_t::array: {
      std::vector<double> list;
      for (const auto& item : j) {
        EMBER_CHECK(item.is_number(), where, ": expected a list of numbers, found an element that is ",
                    detail::describe_json(item));
        list.push_back(item.get<double>());
      }
      return ParamValue(std::move(list));
    }
    case ordered_json::value_t::object: {
      optim::Options obj;
      for (const auto& [name, item] : j.items()) {
        ParamValue v = from_json(item, key + "." + name, source);
        switch (v.type()) {
          case Type::Int: obj.set(name, static_cast<double>(v.as_int())); break;
          case Type::Float: obj.set(name, v.as_float()); break;
          case Type::Bool: obj.set(name, v.as_bool()); break;
          case Type::String: obj.set(name, v.as_string()); break;
          case Type::List: obj.set(name, v.as_list()); break;
          case Type::Object:
            EMBER_THROW(source, ": key '", key, ".", name, "': expected a number, boolean, string or list, found an object");
        }
      }
      return ParamValue(std::move(obj));
    }
    default: EMBER_THROW(where, ": expected a value, found ", detail::describe_json(j));
  }
}

}  // namespace

Params Params::parse(const std::string& json_text, const std::string& source, const SchemaFor& schema_for) {
  const std::string src = source.empty() ? "params" : source;
  ordered_json j = detail::parse_json(json_text, src);
  EMBER_CHECK(j.is_object(), src, ": expected a JSON object {\"key\": value, ...}, found ", detail::describe_json(j));
  EMBER_CHECK(j.contains("model"), src, ": missing required key 'model' (the model to train)");
  EMBER_CHECK(j["model"].is_string(), src, ": key 'model': expected a string, found ", detail::describe_json(j["model"]));
  const std::string model = j["model"].get<std::string>();
  std::vector<ParamSpec> schema;
  try {
    schema = schema_for(model);
  } catch (const Error& e) {
    EMBER_THROW(src, ": ", e.what());
  }
  Params p(std::move(schema));
  p.source_ = src;
  p.set("model", ParamValue(model));  // first, so later errors can name the model
  for (const auto& [key, value] : j.items()) {
    if (key == "model") continue;
    p.spec(key);  // unknown keys throw before their values are looked at
    p.set(key, from_json(value, key, src));
  }
  for (size_t i = 0; i < p.schema_.size(); ++i)
    EMBER_CHECK(p.set_[i] || !p.schema_[i].required, src, ": missing required key '", p.schema_[i].name, "'");
  return p;
}

Params Params::load(const std::string& path, const SchemaFor& schema_for) {
  return parse(detail::read_text_file(path), path, schema_for);
}

std::string Params::to_json() const {
  std::string out = "{\n";
  bool first = true;
  for (size_t i = 0; i < schema_.size(); ++i) {
    if (!set_[i] && schema_[i].required) continue;
    out += (first ? "    " : ",\n    ") + ordered_json(schema_[i].name).dump() + ": " + values_[i].to_json();
    first = false;
  }
  return out + "\n}\n";
}

void Params::save(const std::string& path) const { detail::write_text_atomic(path, to_json()); }

}  // namespace ember::train

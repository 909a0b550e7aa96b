#pragma once
// Params: an experiment's hyper-parameters, read from `model_dir/params.json` (the CS230
// `utils.Params`), with a type and a default for every key.
//
//   {"model": "fashion_cnn", "learning_rate": 1e-3, "batch_size": 64, "num_epochs": 10,
//    "optimizer": "Adam", "optimizer_options": {"betas": [0.9, 0.999]},
//    "lr_scheduler": "StepLR", "lr_scheduler_options": {"step_size": 5, "gamma": 0.5}}
//
// The keys a file may hold are the common ones (Params::common_specs()) plus those its model
// declares. Every mistake is an ember::Error naming the file: malformed JSON (with line and
// column), an unknown key, a key given twice, a wrong type ("batch_size: expected an integer,
// found string \"64\""), a value out of range or not among the allowed choices.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ember/optim/options.h"

namespace ember::train {

// One value of params.json.
class ParamValue {
 public:
  enum class Type : uint8_t { Int, Float, Bool, String, List, Object };

  ParamValue() : type_(Type::Int) {}
  ParamValue(int v) : type_(Type::Int), int_(v) {}
  ParamValue(long v) : type_(Type::Int), int_(v) {}
  ParamValue(long long v) : type_(Type::Int), int_(v) {}
  ParamValue(double v) : type_(Type::Float), float_(v) {}
  ParamValue(bool v) : type_(Type::Bool), bool_(v) {}
  ParamValue(const char* v) : type_(Type::String), string_(v) {}
  ParamValue(std::string v) : type_(Type::String), string_(std::move(v)) {}
  ParamValue(std::vector<double> v) : type_(Type::List), list_(std::move(v)) {}
  ParamValue(optim::Options v) : type_(Type::Object), object_(std::move(v)) {}

  Type type() const { return type_; }
  // Typed reads; the wrong type throws ember::Error naming `key`. as_float accepts an Int.
  int64_t as_int(const std::string& key = "value") const;
  double as_float(const std::string& key = "value") const;
  bool as_bool(const std::string& key = "value") const;
  const std::string& as_string(const std::string& key = "value") const;
  const std::vector<double>& as_list(const std::string& key = "value") const;
  const optim::Options& as_object(const std::string& key = "value") const;

  // JSON text of the value: 64, 0.001, true, "Adam", [0.9, 0.999], {"gamma": 0.5}.
  std::string to_json() const;
  // Short form for names and tables: 0.001, 64, Adam.
  std::string to_string() const;
  bool operator==(const ParamValue& o) const;
  bool operator!=(const ParamValue& o) const { return !(*this == o); }

 private:
  Type type_;
  int64_t int_ = 0;
  double float_ = 0.0;
  bool bool_ = false;
  std::string string_;
  std::vector<double> list_;
  optim::Options object_;
};

// "integer", "number", "boolean", "string", "list of numbers", "object".
const char* type_name(ParamValue::Type type);

// What one key of params.json may hold.
struct ParamSpec {
  std::string name;
  ParamValue::Type type = ParamValue::Type::Float;
  ParamValue default_value;  // the value when the file leaves the key out
  std::string help;
  bool required = false;                   // the file must give it (no default)
  std::vector<std::string> choices;        // for strings: the allowed values (matched ignoring case)
  double min = -1e308, max = 1e308;        // for numbers: the allowed closed range ...
  bool min_exclusive = false, max_exclusive = false;  // ... or open at either end
};

// Helpers to declare specs in one line: int_param("embedding_dim", 50, "size of a word vector", 1).
ParamSpec int_param(std::string name, int64_t def, std::string help, double min = -1e308, double max = 1e308);
ParamSpec float_param(std::string name, double def, std::string help, double min = -1e308, double max = 1e308);
ParamSpec bool_param(std::string name, bool def, std::string help);
ParamSpec string_param(std::string name, std::string def, std::string help, std::vector<std::string> choices = {});

class Params {
 public:
  // The schema of a file, given the model it names (common keys + the model's).
  using SchemaFor = std::function<std::vector<ParamSpec>(const std::string& model)>;

  Params() = default;
  // A Params holding every key of `schema` at its default (required keys stay unset).
  explicit Params(std::vector<ParamSpec> schema);

  // Reads and validates a params.json. `schema_for` is called with the file's "model".
  static Params load(const std::string& path, const SchemaFor& schema_for);
  // The same from JSON text; `source` names it in errors.
  static Params parse(const std::string& json_text, const std::string& source, const SchemaFor& schema_for);

  // The keys every experiment understands: model, learning_rate, batch_size, num_epochs,
  // optimizer, optimizer_options, weight_decay, lr_scheduler, lr_scheduler_options, dropout_rate,
  // num_channels, save_summary_steps, num_workers, seed, val_fraction, metric, ...
  static const std::vector<ParamSpec>& common_specs();

  // ---- reading -----------------------------------------------------------------------
  bool contains(const std::string& key) const;  // in the schema
  // True when the file gave the key (false when it holds the default).
  bool is_set(const std::string& key) const;
  const ParamValue& at(const std::string& key) const;  // unknown key: ember::Error listing the known ones
  int64_t get_int(const std::string& key) const { return at(key).as_int(key); }
  double get_float(const std::string& key) const { return at(key).as_float(key); }
  bool get_bool(const std::string& key) const { return at(key).as_bool(key); }
  const std::string& get_string(const std::string& key) const { return at(key).as_string(key); }
  const std::vector<double>& get_list(const std::string& key) const { return at(key).as_list(key); }
  const optim::Options& get_object(const std::string& key) const { return at(key).as_object(key); }

  // The common keys by name, as in CS230's `params.learning_rate`.
  const std::string& model() const { return get_string("model"); }
  double learning_rate() const { return get_float("learning_rate"); }
  int64_t batch_size() const { return get_int("batch_size"); }
  int64_t num_epochs() const { return get_int("num_epochs"); }
  int64_t seed() const { return get_int("seed"); }

  // ---- writing -----------------------------------------------------------------------
  // Sets a key after checking it against the schema (type, range, choices); a number is
  // converted where that loses nothing (2.0 -> int 2, 3 -> float 3.0). A dotted key sets one
  // option of an object: set("optimizer_options.momentum", 0.9).
  void set(const std::string& key, const ParamValue& value);

  // Every key in schema order (common keys first), 4-space indented, as a full params.json.
  std::string to_json() const;
  // Writes to_json() to `path` atomically.
  void save(const std::string& path) const;

  const std::string& source() const { return source_; }  // the file it came from ("" if none)
  const std::vector<ParamSpec>& schema() const { return schema_; }
  const ParamSpec& spec(const std::string& key) const;

 private:
  // Checks `value` against the spec of `key`, converting numbers where lossless.
  ParamValue checked(const ParamSpec& spec, const ParamValue& value) const;
  size_t index_of(const std::string& key) const;  // npos if absent

  std::vector<ParamSpec> schema_;
  std::vector<ParamValue> values_;  // one per schema entry
  std::vector<bool> set_;           // given by the file or by set()
  std::string source_;
};

}  // namespace ember::train

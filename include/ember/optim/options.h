#pragma once
// Named hyper-parameters of an optimizer's parameter group (lr, momentum, betas, ...) and the
// state of an LR scheduler: a small ordered map name -> number | bool | list of numbers | text,
// the C++ form of the Python dicts that torch.optim keeps. It prints and parses as JSON (with
// Python's Infinity/NaN), so it travels in a checkpoint's metadata.
//
//   optim::Options o{{"lr", 1e-2}, {"nesterov", true}, {"betas", {0.9, 0.99}}};
//   o.get("lr");  o.set("lr", 5e-3);  o.get_list("betas")[0];
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace ember::optim {

class OptionValue {
 public:
  enum class Kind : uint8_t { Number, Bool, List, String };
  OptionValue() : kind_(Kind::Number) {}
  OptionValue(double v) : kind_(Kind::Number), number_(v) {}
  OptionValue(float v) : kind_(Kind::Number), number_(v) {}
  OptionValue(int v) : kind_(Kind::Number), number_(v) {}
  OptionValue(long v) : kind_(Kind::Number), number_(static_cast<double>(v)) {}
  OptionValue(long long v) : kind_(Kind::Number), number_(static_cast<double>(v)) {}
  OptionValue(unsigned v) : kind_(Kind::Number), number_(v) {}
  OptionValue(unsigned long v) : kind_(Kind::Number), number_(static_cast<double>(v)) {}
  OptionValue(bool v) : kind_(Kind::Bool), flag_(v) {}
  OptionValue(std::vector<double> v) : kind_(Kind::List), list_(std::move(v)) {}
  OptionValue(std::initializer_list<double> v) : kind_(Kind::List), list_(v) {}
  OptionValue(std::string v) : kind_(Kind::String), text_(std::move(v)) {}
  OptionValue(const char* v) : kind_(Kind::String), text_(v) {}

  Kind kind() const { return kind_; }
  bool is_number() const { return kind_ == Kind::Number; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_list() const { return kind_ == Kind::List; }
  bool is_string() const { return kind_ == Kind::String; }
  // Typed reads; the wrong kind throws ember::Error naming `what` (the option's name).
  double to_double(const std::string& what = "option") const;
  bool to_bool(const std::string& what = "option") const;
  const std::vector<double>& to_list(const std::string& what = "option") const;
  const std::string& to_string(const std::string& what = "option") const;

  bool operator==(const OptionValue& o) const;
  bool operator!=(const OptionValue& o) const { return !(*this == o); }
  std::string to_json() const;  // 0.1, true, [0.9, 0.999], "min", Infinity

 private:
  Kind kind_;
  double number_ = 0.0;
  bool flag_ = false;
  std::vector<double> list_;
  std::string text_;
};

class Options {
 public:
  using Map = std::map<std::string, OptionValue>;
  Options() = default;
  Options(std::initializer_list<std::pair<const std::string, OptionValue>> init) : values_(init) {}

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // The value, or ember::Error "option 'lr' is not set (have: ...)" when absent.
  const OptionValue& at(const std::string& name) const;
  double get(const std::string& name) const { return at(name).to_double(name); }
  int64_t get_int(const std::string& name) const;  // a number with an integral value
  bool get_bool(const std::string& name) const { return at(name).to_bool(name); }
  const std::vector<double>& get_list(const std::string& name) const { return at(name).to_list(name); }
  const std::string& get_string(const std::string& name) const { return at(name).to_string(name); }
  // Value if present, else `fallback`.
  double get_or(const std::string& name, double fallback) const { return has(name) ? get(name) : fallback; }
  Options& set(const std::string& name, OptionValue v);
  bool erase(const std::string& name) { return values_.erase(name) != 0; }

  size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  Map::const_iterator begin() const { return values_.begin(); }
  Map::const_iterator end() const { return values_.end(); }
  std::vector<std::string> names() const;
  bool operator==(const Options& o) const { return values_ == o.values_; }
  bool operator!=(const Options& o) const { return !(*this == o); }

  // {"lr": 0.1, "nesterov": false} (keys sorted). from_json reads one flat object whose values are
  // numbers, booleans, strings, null (skipped) or arrays of numbers; anything else throws ember::Error.
  std::string to_json() const;
  static Options from_json(const std::string& json);

 private:
  Map values_;
};

}  // namespace ember::optim

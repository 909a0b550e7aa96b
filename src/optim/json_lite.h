#pragma once
// Internal: the small JSON subset that optimizer and scheduler state needs — objects, arrays,
// numbers (with Python's Infinity/-Infinity/NaN), booleans, strings, null. Errors are ember::Error.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ember/optim/options.h"

namespace ember::optim::json {

struct Value {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool flag = false;
  double number = 0.0;
  std::string text;
  std::vector<Value> items;                              // Array
  std::vector<std::pair<std::string, Value>> members;    // Object, in file order
};

Value parse(const std::string& text);
std::string number_str(double v);    // shortest round-trip form; Infinity, -Infinity, NaN
std::string quote(const std::string& s);
// The members of a JSON object as Options (null members skipped; `skip` names a member to leave
// out, e.g. "params"). `what` names the caller in errors.
Options to_options(const Value& object, const char* what, const std::string& skip = "");

}  // namespace ember::optim::json

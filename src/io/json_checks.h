#pragma once
// Internal: checks for JSON read from files with nlohmann (safetensors headers, params.json,
// dataset_params.json, metrics). Both work on hostile input in bounded stack and linear time:
// nlohmann's dump() recurses once per nesting level (a 100,000-deep header overflowed the stack
// in an error message) and its callback parser rescans the parent object at every object end
// (a header of 100,000 tensors took minutes).
#include <string>

#include <nlohmann/json.hpp>

namespace ember::detail {

// The first key that appears twice inside one object of `text`, or "" when none does.
// Malformed text also gives "" (the parse that follows reports it).
std::string first_duplicate_key(const std::string& text);

// A value for an error message: scalars as JSON (long strings cut), containers to a depth of 3
// and about 80 characters, then "...".
template <class Json>
void json_excerpt_into(const Json& v, int depth, std::string& out) {
  constexpr size_t kLimit = 80;
  if (v.is_array() || v.is_object()) {
    const bool obj = v.is_object();
    if (depth == 0) {
      out += obj ? "{...}" : "[...]";
      return;
    }
    out += obj ? '{' : '[';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += ", ";
      if (out.size() > kLimit) {
        out += "...";
        break;
      }
      first = false;
      if (obj) out += Json(it.key()).dump(-1, ' ', false, Json::error_handler_t::replace) + ": ";
      json_excerpt_into(*it, depth - 1, out);
    }
    out += obj ? '}' : ']';
    return;
  }
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kLimit) s = s.substr(0, kLimit - 3) + "...";
  out += s;
}

template <class Json>
std::string json_excerpt(const Json& v) {
  std::string out;
  json_excerpt_into(v, 3, out);
  return out;
}

}  // namespace ember::detail

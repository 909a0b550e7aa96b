// Duplicate keys in JSON text, found with nlohmann's SAX interface (src/io/json_checks.h).
#include "io/json_checks.h"

#include <set>
#include <vector>

namespace ember::detail {

namespace {

// Keeps one key set per open object; stops at the first repeated key.
struct DuplicateFinder {
  using json = nlohmann::json;
  std::vector<std::set<std::string>> open;  // one set per open object or array (an array's stays empty)
  std::string duplicate;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return push(); }
  bool key(json::string_t& k) {
    if (!open.empty() && !open.back().insert(k).second) {
      duplicate = k;
      return false;  // stop parsing
    }
    return true;
  }
  bool end_object() { return pop(); }
  bool start_array(std::size_t) { return push(); }
  bool end_array() { return pop(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

  bool push() {
    open.emplace_back();
    return true;
  }
  bool pop() {
    if (!open.empty()) open.pop_back();
    return true;
  }
};

}  // namespace

std::string first_duplicate_key(const std::string& text) {
  DuplicateFinder finder;
  try {
    nlohmann::json::sax_parse(text, &finder);
  } catch (const nlohmann::json::exception&) {
    return "";  // malformed: the caller's parse reports it
  }
  return finder.duplicate;
}

}  // namespace ember::detail

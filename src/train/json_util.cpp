// Reading JSON with line/column errors and duplicate-key detection; atomic text writes.
#include "train/json_util.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ember/core/error.h"
#include "io/atomic_file.h"
#include "io/json_checks.h"

namespace ember::train::detail {

namespace {

// 1-based line and column of byte `pos` (1-based, as nlohmann reports it) in `text`.
std::pair<size_t, size_t> line_column(const std::string& text, size_t pos) {
  size_t line = 1, col = 1;
  const size_t end = std::min(pos == 0 ? 0 : pos - 1, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: " prefix.
std::string parse_error_reason(const std::string& what) {
  size_t at = what.find("column ");
  if (at != std::string::npos) {
    size_t colon = what.find(": ", at);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

}  // namespace

ordered_json parse_json(const std::string& text, const std::string& source) {
  ordered_json out;
  try {
    out = ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    auto [line, col] = line_column(text, e.byte);
    EMBER_THROW(source, ":", line, ":", col, ": malformed JSON: ", parse_error_reason(e.what()));
  } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range: a number like 1e999
    EMBER_THROW(source, ": malformed JSON: ", parse_error_reason(e.what()));
  }
  const std::string duplicate = ember::detail::first_duplicate_key(text);
  EMBER_CHECK(duplicate.empty(), source, ": key '", duplicate, "' appears twice");
  return out;
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  EMBER_CHECK(std::filesystem::exists(path, ec), path, ": no such file");
  EMBER_CHECK(!std::filesystem::is_directory(path, ec), path, ": is a directory, expected a file");
  std::ifstream f(path, std::ios::binary);
  EMBER_CHECK(f, path, ": cannot open: ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  EMBER_CHECK(!f.bad(), path, ": read failed");
  return ss.str();
}

ordered_json read_json_file(const std::string& path) { return parse_json(read_text_file(path), path); }

void write_text_atomic(const std::string& path, const std::string& text) {
  io::detail::write_file_atomic(path, text.data(), text.size(), path);
}

std::string describe_json(const ordered_json& v) {
  switch (v.type()) {
    case ordered_json::value_t::null: return "null";
    case ordered_json::value_t::boolean: return std::string("boolean ") + (v.get<bool>() ? "true" : "false");
    case ordered_json::value_t::string: return "string " + v.dump();
    case ordered_json::value_t::number_integer:
    case ordered_json::value_t::number_unsigned:
    case ordered_json::value_t::number_float: return "number " + v.dump();
    case ordered_json::value_t::array: return "an array";
    case ordered_json::value_t::object: return "an object";
    default: return "a " + std::string(v.type_name());
  }
}

}  // namespace ember::train::detail

// Options (named hyper-parameters) and the small JSON reader/writer behind their to/from_json.
#include "ember/optim/options.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "ember/core/error.h"
#include "optim/json_lite.h"

namespace ember::optim {

namespace json {

std::string number_str(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  for (int prec = 15; prec <= 17; ++prec) {  // the shortest form that reads back exactly
    std::snprintf(buf, sizeof(buf), "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

namespace {

struct Parser {
  const std::string& s;
  size_t i = 0;
  int depth = 0;  // of nested arrays and objects: bounded, so that "[[[[..." can't overflow the stack
  static constexpr int kMaxDepth = 256;

  [[noreturn]] void fail(const std::string& what) const {
    EMBER_THROW("json: ", what, " at offset ", i, " in '", s.substr(0, 200), s.size() > 200 ? "...'" : "'");
  }
  void ws() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  }
  bool eat(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s.compare(i, n, word) == 0) {
      i += n;
      return true;
    }
    return false;
  }
  std::string string_lit() {
    if (i >= s.size() || s[i] != '"') fail("expected a string");
    ++i;
    std::string out;
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= s.size()) fail("unterminated escape");
      char e = s[i++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          unsigned code = 0;
          for (int k = 0; k < 4; ++k, ++i) {  // exactly four hex digits (std::stoul took "12\"}" as 0x12)
            const int d = i < s.size() ? hex_digit(s[i]) : -1;
            if (d < 0) fail("bad \\u escape (expected four hex digits)");
            code = code * 16 + static_cast<unsigned>(d);
          }
          if (code < 0x80) out += static_cast<char>(code);
          else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: out += e;
      }
    }
    if (i >= s.size()) fail("unterminated string");
    ++i;
    return out;
  }
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  Value value() {
    ws();
    if (i >= s.size()) fail("unexpected end");
    char c = s[i];
    if (c != '{' && c != '[') return scalar();
    if (depth >= kMaxDepth) fail("arrays and objects nested more than " + std::to_string(kMaxDepth) + " deep");
    ++depth;
    Value v = container();
    --depth;
    return v;
  }
  Value container() {
    Value v;
    char c = s[i];
    if (c == '{') {
      ++i;
      v.kind = Value::Kind::Object;
      ws();
      if (i < s.size() && s[i] == '}') { ++i; return v; }
      for (;;) {
        ws();
        std::string key = string_lit();
        ws();
        if (i >= s.size() || s[i] != ':') fail("expected ':'");
        ++i;
        v.members.emplace_back(std::move(key), value());
        ws();
        if (i < s.size() && s[i] == ',') { ++i; continue; }
        if (i < s.size() && s[i] == '}') { ++i; return v; }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++i;
      v.kind = Value::Kind::Array;
      ws();
      if (i < s.size() && s[i] == ']') { ++i; return v; }
      for (;;) {
        v.items.push_back(value());
        ws();
        if (i < s.size() && s[i] == ',') { ++i; continue; }
        if (i < s.size() && s[i] == ']') { ++i; return v; }
        fail("expected ',' or ']'");
      }
    }
    fail("expected '{' or '['");  // not reached: value() sends only those here
  }
  Value scalar() {
    Value v;
    char c = s[i];
    if (c == '"') {
      v.kind = Value::Kind::String;
      v.text = string_lit();
      return v;
    }
    if (eat("true")) { v.kind = Value::Kind::Bool; v.flag = true; return v; }
    if (eat("false")) { v.kind = Value::Kind::Bool; return v; }
    if (eat("null")) return v;
    v.kind = Value::Kind::Number;
    if (eat("NaN")) { v.number = NAN; return v; }
    if (eat("Infinity")) { v.number = INFINITY; return v; }
    if (eat("-Infinity")) { v.number = -INFINITY; return v; }
    const char* begin = s.c_str() + i;
    char* end = nullptr;
    v.number = std::strtod(begin, &end);
    if (end == begin) fail("unexpected character");
    i += static_cast<size_t>(end - begin);
    return v;
  }
};

}  // namespace

Value parse(const std::string& text) {
  Parser p{text};
  Value v = p.value();
  p.ws();
  if (p.i != text.size()) p.fail("trailing characters");
  return v;
}

}  // namespace json

// ---- OptionValue --------------------------------------------------------------------------

namespace {
const char* kind_name(OptionValue::Kind k) {
  switch (k) {
    case OptionValue::Kind::Number: return "a number";
    case OptionValue::Kind::Bool: return "a bool";
    case OptionValue::Kind::List: return "a list";
    default: return "a string";
  }
}
}  // namespace

double OptionValue::to_double(const std::string& what) const {
  EMBER_CHECK(kind_ == Kind::Number, "optim: option '", what, "' is ", kind_name(kind_), " (", to_json(),
              "), expected a number");
  return number_;
}
bool OptionValue::to_bool(const std::string& what) const {
  EMBER_CHECK(kind_ == Kind::Bool, "optim: option '", what, "' is ", kind_name(kind_), " (", to_json(),
              "), expected a bool");
  return flag_;
}
const std::vector<double>& OptionValue::to_list(const std::string& what) const {
  EMBER_CHECK(kind_ == Kind::List, "optim: option '", what, "' is ", kind_name(kind_), " (", to_json(),
              "), expected a list of numbers");
  return list_;
}
const std::string& OptionValue::to_string(const std::string& what) const {
  EMBER_CHECK(kind_ == Kind::String, "optim: option '", what, "' is ", kind_name(kind_), " (", to_json(),
              "), expected a string");
  return text_;
}

bool OptionValue::operator==(const OptionValue& o) const {
  if (kind_ != o.kind_) return false;
  switch (kind_) {
    case Kind::Number: return number_ == o.number_ || (std::isnan(number_) && std::isnan(o.number_));
    case Kind::Bool: return flag_ == o.flag_;
    case Kind::List: return list_ == o.list_;
    default: return text_ == o.text_;
  }
}

std::string OptionValue::to_json() const {
  switch (kind_) {
    case Kind::Number: return json::number_str(number_);
    case Kind::Bool: return flag_ ? "true" : "false";
    case Kind::List: {
      std::string out = "[";
      for (size_t k = 0; k < list_.size(); ++k) out += (k ? ", " : "") + json::number_str(list_[k]);
      return out + "]";
    }
    default: return json::quote(text_);
  }
}

// ---- Options --------------------------------------------------------------------------------

const OptionValue& Options::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) {
    std::string have;
    for (auto& [k, v] : values_) have += (have.empty() ? "" : ", ") + k;
    EMBER_THROW("optim: option '", name, "' is not set (have: ", have.empty() ? "none" : have, ")");
  }
  return it->second;
}

int64_t Options::get_int(const std::string& name) const {
  double v = get(name);
  EMBER_CHECK(std::isfinite(v) && v == std::floor(v) && std::abs(v) < 0x1p63, "optim: option '", name,
              "' must be an integer, got ", json::number_str(v));
  return static_cast<int64_t>(v);
}

Options& Options::set(const std::string& name, OptionValue v) {
  values_[name] = std::move(v);
  return *this;
}

std::vector<std::string> Options::names() const {
  std::vector<std::string> out;
  for (auto& [k, v] : values_) out.push_back(k);
  return out;
}

std::string Options::to_json() const {
  std::string out = "{";
  bool first = true;
  for (auto& [k, v] : values_) {
    out += (first ? "" : ", ") + json::quote(k) + ": " + v.to_json();
    first = false;
  }
  return out + "}";
}

Options json::to_options(const json::Value& root, const char* what, const std::string& skip) {
  EMBER_CHECK(root.kind == json::Value::Kind::Object, what, ": expected a JSON object");
  Options out;
  for (auto& [k, v] : root.members) {
    if (k == skip) continue;
    switch (v.kind) {
      case json::Value::Kind::Null: break;  // Python's None (e.g. "foreach": null): not an option here
      case json::Value::Kind::Bool: out.set(k, v.flag); break;
      case json::Value::Kind::Number: out.set(k, v.number); break;
      case json::Value::Kind::String: out.set(k, v.text); break;
      case json::Value::Kind::Array: {
        std::vector<double> xs;
        for (auto& x : v.items) {
          EMBER_CHECK(x.kind == json::Value::Kind::Number, what, ": '", k, "' must be an array of numbers");
          xs.push_back(x.number);
        }
        out.set(k, std::move(xs));
        break;
      }
      default: EMBER_THROW(what, ": '", k, "' is a nested object, which options cannot hold");
    }
  }
  return out;
}

Options Options::from_json(const std::string& text) {
  return json::to_options(json::parse(text), "Options::from_json");
}

}  // namespace ember::optim

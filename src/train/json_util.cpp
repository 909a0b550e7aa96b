// Reading JSON with line/column errors and duplicate-key detection; atomic text writes.
#include "train/json_util.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "ember/core/error.h"
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
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  EMBER_CHECK(fd >= 0, path, ": cannot create ", tmp, ": ", std::strerror(errno));
  const char* p = text.data();
  size_t n = text.size();
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      EMBER_THROW(path, ": write to ", tmp, " failed: ", err);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    EMBER_THROW(path, ": cannot flush ", tmp, ": ", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    EMBER_THROW(path, ": cannot rename ", tmp, " over it: ", err);
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {  // make the rename durable (best effort)
    ::fsync(dfd);
    ::close(dfd);
  }
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

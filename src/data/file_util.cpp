// File helpers for the datasets and dataset tools (src/data/file_util.h).
#include "data/file_util.h"

#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "ember/core/error.h"

namespace ember::data::detail {

std::vector<uint8_t> read_file(const std::string& path, const char* what, bool* was_gzip) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  EMBER_CHECK(f, what, ": cannot open ", path, ": ", std::strerror(errno));
  std::vector<uint8_t> raw;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) raw.insert(raw.end(), buf, buf + n);
  const bool failed = std::ferror(f);
  std::fclose(f);
  EMBER_CHECK(!failed, what, ": error reading ", path);
  const bool gz = raw.size() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b;
  if (was_gzip) *was_gzip = gz;
  if (!gz) return raw;

  std::vector<uint8_t> out;
  z_stream zs{};
  EMBER_CHECK(inflateInit2(&zs, 15 + 16) == Z_OK, what, ": ", path, ": zlib initialisation failed");
  zs.next_in = raw.data();
  zs.avail_in = static_cast<uInt>(raw.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    out.resize(out.size() + std::max<size_t>(raw.size() * 2, 1 << 20));
    zs.next_out = out.data() + zs.total_out;
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      const auto at = zs.total_in;
      inflateEnd(&zs);
      EMBER_THROW(what, ": ", path, ": truncated gzip data (the compressed stream ends at byte ", at,
                  " before its end marker)");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      const auto at = zs.total_in;
      inflateEnd(&zs);
      EMBER_THROW(what, ": ", path, ": corrupt gzip data near compressed byte ", at, ": ", msg);
    }
  }
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

std::vector<std::string> read_lines(const std::string& path, const char* what) {
  std::vector<uint8_t> bytes = read_file(path, what);
  std::vector<std::string> lines;
  std::string cur;
  for (uint8_t c : bytes) {
    if (c == '\n') {
      if (!cur.empty() && cur.back() == '\r') cur.pop_back();
      lines.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(c));
    }
  }
  if (!cur.empty()) {
    if (cur.back() == '\r') cur.pop_back();
    lines.push_back(std::move(cur));
  }
  return lines;
}

std::vector<std::string> split_tokens(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream is(line);
  std::string tok;
  while (is >> tok) out.push_back(tok);
  return out;
}

void make_dirs(const std::string& path, const char* what) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  EMBER_CHECK(!ec, what, ": cannot create directory ", path, ": ", ec.message());
}

void write_file_atomically(const std::string& path, const void* data, size_t n, const char* what) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  EMBER_CHECK(f, what, ": cannot create ", tmp, ": ", std::strerror(errno));
  bool ok = std::fwrite(data, 1, n, f) == n;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    std::remove(tmp.c_str());
    EMBER_THROW(what, ": cannot write ", path, ": ", std::strerror(e));
  }
}

}  // namespace ember::data::detail

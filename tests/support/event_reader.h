#pragma once
// An independent reader of TensorBoard event files, for the tests: TFRecord framing and both
// masked CRC32Cs are checked with a bit-at-a-time CRC written here (the library uses a
// slicing-by-8 table), and each payload is parsed by real protobuf code that protoc generated
// from TensorBoard's message definitions (tests/proto). Link the test with ember_tb_proto.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "event.pb.h"
#include "summary.pb.h"

namespace ember::testing::tb {

namespace fs = std::filesystem;
namespace pb = ::tensorboard;  // the protoc-generated messages

// ---- an independent TFRecord reader -------------------------------------------------------

inline uint32_t crc32c_bitwise(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}
inline uint32_t masked(const std::string& s) {
  uint32_t c = crc32c_bitwise(s);
  return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}
inline uint64_t le(const std::string& b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Every record of `path`, each with both CRCs checked and parsed as pb::Event.
inline std::vector<pb::Event> read_events(const fs::path& path) {
  std::string b = slurp(path);
  std::vector<pb::Event> out;
  size_t at = 0;
  while (at < b.size()) {
    EXPECT_GE(b.size() - at, 12u) << path << ": truncated header at byte " << at;
    if (b.size() - at < 12) break;
    uint64_t len = le(b, at, 8);
    EXPECT_EQ(le(b, at + 8, 4), masked(b.substr(at, 8))) << path << ": length CRC of record at byte " << at;
    EXPECT_GE(b.size() - at - 12, len + 4) << path << ": truncated payload at byte " << at;
    if (b.size() - at - 12 < len + 4) break;
    std::string payload = b.substr(at + 12, len);
    EXPECT_EQ(le(b, at + 12 + len, 4), masked(payload)) << path << ": payload CRC of record at byte " << at;
    pb::Event ev;
    EXPECT_TRUE(ev.ParseFromString(payload)) << path << ": record at byte " << at << " is not an Event";
    out.push_back(ev);
    at += 12 + len + 4;
  }
  return out;
}

// The single event file in `dir`.
inline fs::path event_file_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string().find("tfevents") != std::string::npos)
      files.push_back(e.path());
  EXPECT_EQ(files.size(), 1u) << "event files in " << dir;
  return files.empty() ? fs::path() : files[0];
}

// Summary events (skipping the file_version record), checking the first record is it.
inline std::vector<pb::Event> summaries(const fs::path& file) {
  auto events = read_events(file);
  EXPECT_FALSE(events.empty());
  if (events.empty()) return {};
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  return std::vector<pb::Event>(events.begin() + 1, events.end());
}

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("ember_tb_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::string str(const std::string& sub = "") const { return (path_ / sub).string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

inline double now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

}  // namespace ember::testing::tb

#pragma once
// Helpers shared by the toolkit's tests (test_params, test_search, test_cli_*): substring
// expectations, a per-test temporary directory, small file I/O (error_of is in support/testing.h).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <cstdint>

#include "ember/core/error.h"
#include "support/testing.h"

namespace ember::testing {

#define EXPECT_HAS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)
#define EXPECT_LACKS(haystack, needle) EXPECT_EQ(std::string(haystack).find(needle), std::string::npos) << (haystack)

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << text;
}

inline void put_be32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
}

// A Fashion-MNIST-shaped dataset that a model learns in an epoch: `prefix`-images-idx3-ubyte
// (n,28,28) and `prefix`-labels-idx1-ubyte (n) in dir; sample i has class c = i % 10 and a bright
// band at rows 2c+4 and 2c+5 over noise (prefix "train" or "t10k").
inline void write_dataset(const std::filesystem::path& dir, const std::string& prefix, uint32_t n, uint32_t seed) {
  std::string images, labels;
  put_be32(images, 0x803);
  put_be32(images, n);
  put_be32(images, 28);
  put_be32(images, 28);
  put_be32(labels, 0x801);
  put_be32(labels, n);
  uint32_t state = seed;
  for (uint32_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 10);
    for (int r = 0; r < 28; ++r)
      for (int col = 0; col < 28; ++col) {
        state = state * 1664525u + 1013904223u;
        const int noise = static_cast<int>(state >> 26);  // 0..63
        images.push_back(static_cast<char>(r == 2 * c + 4 || r == 2 * c + 5 ? 190 + noise : noise));
      }
    labels.push_back(static_cast<char>(c));
  }
  write_file(dir / (prefix + "-images-idx3-ubyte"), images);
  write_file(dir / (prefix + "-labels-idx1-ubyte"), labels);
}

// A fresh directory per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("ember_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string read(const std::string& name) const { return read_file(dir_ / name); }
  void write(const std::string& name, const std::string& text) const { write_file(dir_ / name, text); }
  std::filesystem::path dir_;
};

}  // namespace ember::testing

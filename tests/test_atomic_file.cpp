// io::detail::write_file_atomic (internal): what the JSON/metrics writers and the dataset tools
// use to replace files — new content in full, no temporary left behind, clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <ember/ember.h>

#include "support/testing.h"

namespace ember::io::detail {
void write_file_atomic(const std::string& path, const void* data, size_t n, const std::string& what);  // src/io/atomic_file.h
}

namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(AtomicFile, ReplacesTheWholeFileAndLeavesNoTemporary) {
  const fs::path dir = fs::temp_directory_path() / ("ember_atomic_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "out.json").string();
  const std::string first(100000, 'a'), second = "{\"b\": 2}\n";
  ember::io::detail::write_file_atomic(path, first.data(), first.size(), "test");
  EXPECT_EQ(slurp(path), first);
  ember::io::detail::write_file_atomic(path, second.data(), second.size(), "test");
  EXPECT_EQ(slurp(path), second);  // shorter content: nothing of the old file remains
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);  // no .tmp files
  // A missing directory: the error names the caller's `what` and the path; nothing is created.
  EXPECT_ERROR_HAS(ember::io::detail::write_file_atomic((dir / "no" / "x.json").string(), "x", 1, "save_metrics"),
                   "save_metrics", "cannot create", "x.json");
  EXPECT_FALSE(fs::exists(dir / "no"));
  // Replacing a directory fails cleanly and removes the temporary.
  fs::create_directories(dir / "adir" / "inner");
  EXPECT_ERROR_HAS(ember::io::detail::write_file_atomic((dir / "adir").string(), "x", 1, "w"), "w", "cannot rename");
  files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  fs::remove_all(dir);
}

}  // namespace

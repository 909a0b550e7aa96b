#pragma once
// Internal to src/data: reading whole files (gzip-compressed or plain) and text lines.
#include <cstdint>
#include <string>
#include <vector>

namespace ember::data::detail {

// The file's bytes; a gzip file (1f 8b) is decompressed. `what` prefixes error messages.
std::vector<uint8_t> read_file(const std::string& path, const char* what, bool* was_gzip = nullptr);
// The file's lines without their line ends ("\n" or "\r\n"); no final empty line.
std::vector<std::string> read_lines(const std::string& path, const char* what);
// Whitespace-separated tokens of a line.
std::vector<std::string> split_tokens(const std::string& line);
// Creates a directory and its parents; failures throw ember::Error naming the path.
void make_dirs(const std::string& path, const char* what);
// Writes n bytes to path through a temporary file in the same directory and a rename, so that
// readers see the old file or the new one, never a part. `what` prefixes error messages.
void write_file_atomically(const std::string& path, const void* data, size_t n, const char* what);
inline void write_file_atomically(const std::string& path, const std::string& text, const char* what) {
  write_file_atomically(path, text.data(), text.size(), what);
}

}  // namespace ember::data::detail

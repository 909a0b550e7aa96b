#pragma once
// Internal: replacing a file atomically (small files written in one piece: JSON, text, the dataset
// tools' outputs). The safetensors writer streams large files through its own writer with the
// same steps (src/io/safetensors.cpp).
#include <cstddef>
#include <string>

namespace ember::io::detail {

// Replaces `path` with `n` bytes at `data`: a temporary file in the same directory, fsync,
// rename over `path`, fsync of the directory (best effort). A process killed at any moment leaves
// the old file or the new one, never a mix. Errors are ember::Errors naming `what` and the path;
// the temporary file is removed.
void write_file_atomic(const std::string& path, const void* data, size_t n, const std::string& what);

}  // namespace ember::io::detail

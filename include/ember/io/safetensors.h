#pragma once
// safetensors: the checkpoint format of Hugging Face's `safetensors` (and PyTorch users).
//   bytes 0-7      N, uint64 little-endian
//   bytes 8..8+N   JSON header {"name": {"dtype": "F32", "shape": [2,3], "data_offsets": [b, e]}, ...,
//                               "__metadata__": {"key": "value"}}   (right-padded with spaces)
//   the rest       the data buffer; [b, e) is relative to its start, little-endian, row-major.
// Readable dtypes: F64 F32 F16 BF16 I64 I32 U8 BOOL (F16/BF16 are storage-only in ember).
#include <map>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::io {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;             // contiguous CPU tensors, owning their memory
  std::map<std::string, std::string> metadata;       // the header's "__metadata__" (may be empty)
};

// Reads and validates a file the way the reference reader does: the header length is sane
// (<= 100,000,000 bytes) and fits in the file, the header is a JSON object without duplicate
// keys, dtypes are known, each tensor's byte size matches shape x dtype, the data_offsets tile
// the buffer exactly (no gap, no overlap, starting at 0) and the buffer ends at the end of the
// file. Every problem throws ember::Error naming the file, the tensor and what is wrong.
SafetensorsFile load_safetensors(const std::string& path);

// Reads and validates only the header and returns its "__metadata__" (the data is not read).
std::map<std::string, std::string> load_safetensors_metadata(const std::string& path);

// Writes `tensors` (any layout, CPU) like the reference writer: compact JSON with
// "__metadata__" first, tensors ordered by dtype alignment (8-byte types first) then name,
// the header padded with spaces to a multiple of 8. The file is replaced atomically (written
// to a temporary file in the same directory, fsync'ed, then renamed over `path`).
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
inline void save_safetensors(const std::string& path, const SafetensorsFile& file) {
  save_safetensors(path, file.tensors, file.metadata);
}

}  // namespace ember::io

#pragma once
// Internal: the checksum ember writes into a checkpoint's __metadata__ ("ember.checksum") so that
// flipped or lost bytes in the data and in the other metadata (which the safetensors structure
// cannot reveal) are found.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::io::detail {

// XXH64 (Yann Collet's xxHash, 64-bit) of `n` bytes.
uint64_t xxh64(const void* data, size_t n, uint64_t seed = 0);

inline constexpr const char* kChecksumKey = "ember.checksum";

// "xxh64:<16 hex digits>" over every tensor in name order: its name, dtype, shape and row-major
// bytes (what files written before the metadata was covered hold).
std::string tensors_checksum(const std::map<std::string, Tensor>& tensors);

// "xxh64m:<16 hex digits>": the tensors as above, then every metadata entry but kChecksumKey,
// in key order (what ember writes).
std::string checkpoint_checksum(const std::map<std::string, Tensor>& tensors,
                                const std::map<std::string, std::string>& metadata);

}  // namespace ember::io::detail

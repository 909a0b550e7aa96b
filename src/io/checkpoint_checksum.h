#pragma once
// Internal: the data checksum ember writes into a checkpoint's __metadata__ ("ember.checksum") so
// that flipped or lost bytes in the data (which the safetensors structure cannot reveal) are found.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::io::detail {

// XXH64 (Yann Collet's xxHash, 64-bit) of `n` bytes.
uint64_t xxh64(const void* data, size_t n, uint64_t seed = 0);

// "xxh64:<16 hex digits>" over every tensor in name order: its name, dtype, shape and row-major bytes.
std::string tensors_checksum(const std::map<std::string, Tensor>& tensors);

}  // namespace ember::io::detail

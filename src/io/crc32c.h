#pragma once
// CRC32C (Castagnoli: reflected polynomial 0x82F63B78, init and final XOR 0xFFFFFFFF) and the
// "masked" form TFRecord files store (../shared/FORMATS.md §1.2):
//   masked = rotate_right(crc, 15) + 0xA282EAD8  (mod 2^32)
// crc32c("123456789") == 0xE3069283.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ember::io {

uint32_t crc32c(const void* data, size_t n);
inline uint32_t crc32c(std::string_view s) { return crc32c(s.data(), s.size()); }
uint32_t mask_crc32c(uint32_t crc);
uint32_t unmask_crc32c(uint32_t masked);
inline uint32_t masked_crc32c(const void* data, size_t n) { return mask_crc32c(crc32c(data, n)); }

}  // namespace ember::io

// XXH64 and the checkpoint data checksum built on it.
#include "io/checkpoint_checksum.h"

#include <cstdio>
#include <cstring>

#include "ember/core/dtype.h"

namespace ember::io::detail {

namespace {

constexpr uint64_t P1 = 11400714785074694791ULL, P2 = 14029467366897019727ULL, P3 = 1609587929392839161ULL,
                   P4 = 9650029242287828579ULL, P5 = 2870177450012600261ULL;

inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian host (safetensors.cpp asserts it)
}
inline uint32_t read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t round(uint64_t acc, uint64_t input) { return rotl(acc + input * P2, 31) * P1; }
inline uint64_t merge(uint64_t acc, uint64_t val) { return (acc ^ round(0, val)) * P1 + P4; }

}  // namespace

uint64_t xxh64(const void* data, size_t n, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    for (; p + 32 <= end; p += 32) {
      v1 = round(v1, read64(p));
      v2 = round(v2, read64(p + 8));
      v3 = round(v3, read64(p + 16));
      v4 = round(v4, read64(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = seed + P5;
  }
  h += static_cast<uint64_t>(n);
  for (; p + 8 <= end; p += 8) h = rotl(h ^ round(0, read64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = rotl(h ^ (static_cast<uint64_t>(read32(p)) * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; ++p) h = rotl(h ^ (*p * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

namespace {
uint64_t tensors_hash(const std::map<std::string, Tensor>& tensors) {
  uint64_t h = 0;
  for (const auto& [name, t] : tensors) {
    std::string head = name + '\0' + dtype_name(t.dtype());
    for (int64_t d : t.sizes()) head += "," + std::to_string(d);
    h = xxh64(head.data(), head.size(), h);
    Tensor c = t.contiguous();
    h = xxh64(c.numel() ? c.raw_data() : nullptr, c.nbytes(), h);
  }
  return h;
}
std::string hex_checksum(const char* prefix, uint64_t h) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s:%016llx", prefix, static_cast<unsigned long long>(h));
  return buf;
}
}  // namespace

std::string tensors_checksum(const std::map<std::string, Tensor>& tensors) {
  return hex_checksum("xxh64", tensors_hash(tensors));
}

std::string checkpoint_checksum(const std::map<std::string, Tensor>& tensors,
                                const std::map<std::string, std::string>& metadata) {
  uint64_t h = tensors_hash(tensors);
  for (const auto& [k, v] : metadata) {
    if (k == kChecksumKey) continue;
    const std::string entry = k + '\0' + v + '\0';
    h = xxh64(entry.data(), entry.size(), h);
  }
  return hex_checksum("xxh64m", h);
}

}  // namespace ember::io::detail

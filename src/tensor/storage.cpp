// Storage and the CPU allocator behind it. Allocations are 64-byte aligned. Freed blocks are
// recycled instead of going back to malloc:
//  - small ones (up to 16 KiB) per thread, in power-of-two size classes, so that the many tiny
//    tensors of an autograd graph cost no aligned_alloc/free each;
//  - large ones (64 KiB and up) in one process-wide cache keyed by size, so that a training loop
//    that allocates the same activations every step does not page-fault them in again.
#include "ember/tensor/storage.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "core/small_alloc.h"
#include "ember/core/error.h"

namespace ember {

namespace {

constexpr size_t kAlign = 64;
constexpr int kSmallClasses = 9;                 // 64 B, 128 B, ..., 16 KiB
constexpr size_t kSmallMax = kAlign << (kSmallClasses - 1);
constexpr int kBlocksPerClass = 64;
constexpr size_t kLargeMin = size_t{64} << 10;  // 64 KiB: from here on malloc may mmap or trim (page faults)
constexpr size_t kLargeCacheBytes = size_t{512} << 20;

int small_class(size_t nbytes) {
  int c = 0;
  while ((kAlign << c) < nbytes) ++c;
  return c;
}

void release_small(void* p) { std::free(p); }
using SmallLists = detail::ThreadFreeLists<kSmallClasses, release_small>;

struct LargeCache {
  std::mutex mu;
  std::multimap<size_t, void*> blocks;
  size_t bytes = 0;
};
LargeCache& large_cache() {
  static LargeCache* c = new LargeCache();  // never destroyed: storages may die during exit
  return *c;
}

void* raw_alloc(size_t rounded) {
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) {
    release_cached_memory();
    p = std::aligned_alloc(kAlign, rounded);
  }
  return p;
}

// Rounds `nbytes` to what the allocator hands out for it.
size_t rounded_size(size_t nbytes) {
  if (nbytes <= kSmallMax) return kAlign << small_class(nbytes == 0 ? 1 : nbytes);
  if (nbytes >= kLargeMin) return (nbytes + 4095) / 4096 * 4096;
  return (nbytes + kAlign - 1) / kAlign * kAlign;
}

// Under AddressSanitizer nothing is recycled, so that a use after free is still caught.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRecycle = false;
#else
constexpr bool kRecycle = true;
#endif

void* cpu_alloc(size_t nbytes) {
  const size_t rounded = rounded_size(nbytes);
  if (!kRecycle) return raw_alloc(rounded);
  if (rounded <= kSmallMax) {
    if (SmallLists* lists = SmallLists::get())
      if (void* p = lists->pop(small_class(rounded))) return p;
  } else if (rounded >= kLargeMin) {
    auto& c = large_cache();
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.blocks.find(rounded);
    if (it != c.blocks.end()) {
      void* p = it->second;
      c.blocks.erase(it);
      c.bytes -= rounded;
      return p;
    }
  }
  return raw_alloc(rounded);
}

void cpu_free(void* p, size_t nbytes) {
  const size_t rounded = rounded_size(nbytes);
  if (!kRecycle) {
    std::free(p);
    return;
  }
  if (rounded <= kSmallMax) {
    if (SmallLists* lists = SmallLists::get(); lists && lists->push(small_class(rounded), p, kBlocksPerClass)) return;
  } else if (rounded >= kLargeMin && rounded <= kLargeCacheBytes / 4) {
    auto& c = large_cache();
    std::lock_guard<std::mutex> lock(c.mu);
    // make room: drop the smallest blocks first
    while (c.bytes + rounded > kLargeCacheBytes && !c.blocks.empty()) {
      auto it = c.blocks.begin();
      c.bytes -= it->first;
      std::free(it->second);
      c.blocks.erase(it);
    }
    c.blocks.emplace(rounded, p);
    c.bytes += rounded;
    return;
  }
  std::free(p);
}

}  // namespace

void release_cached_memory() {
  auto& c = large_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& [size, p] : c.blocks) std::free(p);
  c.blocks.clear();
  c.bytes = 0;
}

StorageImpl::StorageImpl(size_t nbytes, Device device) : nbytes_(nbytes), device_(device), owned_(true) {
  EMBER_CHECK(device.is_cpu(), "Storage: device ", device.str(), " is not available in this build");
  data_ = cpu_alloc(nbytes);
  if (!data_) EMBER_THROW("Storage: out of memory allocating ", nbytes, " bytes");
}

StorageImpl::StorageImpl(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)) {}

StorageImpl::~StorageImpl() {
  if (owned_) cpu_free(data_, nbytes_);
  else if (deleter_) deleter_(data_);
}

}  // namespace ember

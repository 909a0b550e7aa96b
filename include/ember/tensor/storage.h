#pragma once
// Storage: a refcounted byte buffer on a device. It knows no shape and no dtype.
// Views share one Storage; its version counter is bumped by every in-place write,
// which is how autograd notices that a saved tensor was modified.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include "ember/core/device.h"

namespace ember {

class StorageImpl {
 public:
  // Allocates `nbytes` (64-byte aligned) on `device`.
  StorageImpl(size_t nbytes, Device device);
  // Wraps user memory; `deleter` (may be empty) is called when the storage dies.
  StorageImpl(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
  ~StorageImpl();
  StorageImpl(const StorageImpl&) = delete;
  StorageImpl& operator=(const StorageImpl&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::function<void(void*)> deleter_;
  bool owned_ = false;
  uint64_t version_ = 0;
};

using Storage = std::shared_ptr<StorageImpl>;

// Freed CPU blocks of 1 MiB and more are kept (up to 512 MiB) for reuse by tensors of the
// same size; this returns them to the system.
void release_cached_memory();

}  // namespace ember

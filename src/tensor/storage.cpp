#include "ember/tensor/storage.h"

#include <cstdlib>
#include <new>

#include "ember/core/error.h"

namespace ember {

StorageImpl::StorageImpl(size_t nbytes, Device device) : nbytes_(nbytes), device_(device), owned_(true) {
  EMBER_CHECK(device.is_cpu(), "Storage: device ", device.str(), " is not available in this build");
  size_t rounded = (nbytes + 63) / 64 * 64;
  if (rounded == 0) rounded = 64;
  data_ = std::aligned_alloc(64, rounded);
  if (!data_) EMBER_THROW("Storage: out of memory allocating ", nbytes, " bytes");
}

StorageImpl::StorageImpl(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), deleter_(std::move(deleter)) {}

StorageImpl::~StorageImpl() {
  if (owned_) std::free(data_);
  else if (deleter_) deleter_(data_);
}

}  // namespace ember

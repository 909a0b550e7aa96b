#pragma once
// Internal: a thread-local free-list allocator for the small objects every op creates
// (TensorImpl, StorageImpl, autograd nodes and metadata), so that building and freeing a graph
// of tiny tensors costs no malloc/free. Blocks freed on another thread join that thread's lists.
#include <cstddef>

namespace ember::detail {

// `n` bytes, 16-byte aligned; sizes up to 512 bytes are recycled, larger ones go to operator new.
void* small_alloc(std::size_t n);
void small_free(void* p, std::size_t n) noexcept;

// For std::allocate_shared.
template <class T>
struct PoolAllocator {
  using value_type = T;
  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(small_alloc(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { small_free(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const PoolAllocator<U>&) const { return true; }
};

}  // namespace ember::detail

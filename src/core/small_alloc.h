#pragma once
// Internal: recycling of the small blocks every op allocates.
//  - small_alloc/small_free: a thread-local free-list allocator for small objects (TensorImpl,
//    StorageImpl, autograd nodes and metadata), so that building and freeing a graph of tiny
//    tensors costs no malloc/free. Blocks freed on another thread join that thread's lists.
//  - ThreadFreeLists: the per-thread lists themselves, also used by the tensor-data allocator.
#include <cstddef>

namespace ember::detail {

// Per-thread free lists in `Classes` size classes; a freed block holds the link to the next.
// Reached through one initial-exec TLS pointer (no __tls_get_addr call, a few bytes of static
// TLS); the lists live on the heap and their blocks go to `Release` when the thread exits.
template <int Classes, void (*Release)(void*)>
class ThreadFreeLists {
 public:
  // The calling thread's lists; null while the thread is exiting (free directly then).
  static ThreadFreeLists* get() {
    if (ThreadFreeLists* p = current_) return p;
    return dead_ ? nullptr : create();
  }
  void* pop(int c) {
    void* b = head_[c];
    if (b) {
      head_[c] = *static_cast<void**>(b);
      --count_[c];
    }
    return b;
  }
  // False (the caller frees the block) when class `c` already holds `cap` blocks.
  bool push(int c, void* b, int cap) {
    if (count_[c] >= cap) return false;
    *static_cast<void**>(b) = head_[c];
    head_[c] = b;
    ++count_[c];
    return true;
  }

 private:
  struct Reaper {
    ThreadFreeLists* lists = nullptr;
    ~Reaper() {
      dead_ = true;
      current_ = nullptr;
      for (int c = 0; c < Classes; ++c)
        while (void* b = lists->pop(c)) Release(b);
      delete lists;
    }
  };
  static ThreadFreeLists* create() {
    thread_local Reaper reaper;  // destroyed, with the lists, when the thread exits
    if (!reaper.lists) reaper.lists = new ThreadFreeLists();
    current_ = reaper.lists;
    return current_;
  }

  void* head_[Classes] = {};
  int count_[Classes] = {};
  static inline __attribute__((tls_model("initial-exec"))) thread_local ThreadFreeLists* current_ = nullptr;
  static inline __attribute__((tls_model("initial-exec"))) thread_local bool dead_ = false;
};

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

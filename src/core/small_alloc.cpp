#include "core/small_alloc.h"

#include <new>

namespace ember::detail {

namespace {

constexpr std::size_t kQuantum = 16;
constexpr std::size_t kMaxSmall = 512;
constexpr int kClasses = kMaxSmall / kQuantum;
constexpr int kMaxPerClass = 512;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so that reaching it costs no TLS wrapper call; a separate reaper
// object (set up on a thread's first allocation) frees the lists when the thread exits.
struct Pools {
  FreeBlock* head[kClasses];
  int count[kClasses];
  bool reaper_set;
  bool dead;  // the thread is exiting: free directly
};
__attribute__((tls_model("initial-exec"))) thread_local Pools t_pools{};

struct Reaper {
  ~Reaper() {
    Pools& p = t_pools;
    p.dead = true;
    for (int c = 0; c < kClasses; ++c)
      while (FreeBlock* b = p.head[c]) {
        p.head[c] = b->next;
        ::operator delete(b);
      }
  }
};

void set_reaper(Pools& p) {
  thread_local Reaper reaper;
  (void)reaper;
  p.reaper_set = true;
}

int size_class(std::size_t n) { return static_cast<int>((n + kQuantum - 1) / kQuantum) - 1; }

}  // namespace

// Under AddressSanitizer every block goes straight to operator new/delete, so that a use after
// free is still caught.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooling = false;
#else
constexpr bool kPooling = true;
#endif

void* small_alloc(std::size_t n) {
  Pools& p = t_pools;
  if (!kPooling || n == 0 || n > kMaxSmall || p.dead) return ::operator new(n == 0 ? 1 : n);
  if (!p.reaper_set) set_reaper(p);
  const int c = size_class(n);
  if (FreeBlock* b = p.head[c]) {
    p.head[c] = b->next;
    --p.count[c];
    return b;
  }
  return ::operator new((c + 1) * kQuantum);
}

void small_free(void* ptr, std::size_t n) noexcept {
  if (!ptr) return;
  Pools& p = t_pools;
  if (!kPooling || n == 0 || n > kMaxSmall || p.dead || !p.reaper_set) {
    ::operator delete(ptr);
    return;
  }
  const int c = size_class(n);
  if (p.count[c] >= kMaxPerClass) {
    ::operator delete(ptr);
    return;
  }
  auto* b = static_cast<FreeBlock*>(ptr);
  b->next = p.head[c];
  p.head[c] = b;
  ++p.count[c];
}

}  // namespace ember::detail

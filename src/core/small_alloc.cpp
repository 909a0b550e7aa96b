#include "core/small_alloc.h"

#include <new>

namespace ember::detail {

namespace {

constexpr std::size_t kQuantum = 16;
constexpr std::size_t kMaxSmall = 512;
constexpr int kClasses = kMaxSmall / kQuantum;
constexpr int kMaxPerClass = 512;

void release(void* p) { ::operator delete(p); }
using Lists = ThreadFreeLists<kClasses, release>;

int size_class(std::size_t n) { return static_cast<int>((n + kQuantum - 1) / kQuantum) - 1; }

// Under AddressSanitizer every block goes straight to operator new/delete, so that a use after
// free is still caught.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kPooling = false;
#else
constexpr bool kPooling = true;
#endif

}  // namespace

void* small_alloc(std::size_t n) {
  if (!kPooling || n == 0 || n > kMaxSmall) return ::operator new(n == 0 ? 1 : n);
  const int c = size_class(n);
  if (Lists* lists = Lists::get())
    if (void* b = lists->pop(c)) return b;
  return ::operator new((c + 1) * kQuantum);
}

void small_free(void* ptr, std::size_t n) noexcept {
  if (!ptr) return;
  if (kPooling && n > 0 && n <= kMaxSmall)
    if (Lists* lists = Lists::get(); lists && lists->push(size_class(n), ptr, kMaxPerClass)) return;
  ::operator delete(ptr);
}

}  // namespace ember::detail

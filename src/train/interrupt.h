#pragma once
// Internal: Ctrl-C (SIGINT) as a request to stop at the next safe point. While an
// InterruptGuard lives, SIGINT sets a flag instead of killing the process; the previous handler
// comes back when it is destroyed.
#include <csignal>

namespace ember::train::detail {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool requested();
  static void reset();

 private:
  struct sigaction old_ {};
};

}  // namespace ember::train::detail

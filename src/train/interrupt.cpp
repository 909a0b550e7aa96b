// InterruptGuard: SIGINT sets a flag that the training loop and the search poll.
#include "train/interrupt.h"

namespace ember::train::detail {

namespace {
volatile std::sig_atomic_t g_requested = 0;
void on_sigint(int) { g_requested = 1; }
}  // namespace

InterruptGuard::InterruptGuard() {
  g_requested = 0;
  struct sigaction sa {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_);
}

InterruptGuard::~InterruptGuard() { ::sigaction(SIGINT, &old_, nullptr); }

bool InterruptGuard::requested() { return g_requested != 0; }
void InterruptGuard::reset() { g_requested = 0; }

}  // namespace ember::train::detail

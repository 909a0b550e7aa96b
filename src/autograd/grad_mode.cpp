#include "ember/autograd/grad_mode.h"

namespace ember {
namespace {
// initial-exec: no __tls_get_addr call on every op (libember is linked, not dlopen-ed, by its users)
__attribute__((tls_model("initial-exec"))) thread_local bool g_grad_enabled = true;
}
bool GradMode::is_enabled() { return g_grad_enabled; }
void GradMode::set_enabled(bool e) { g_grad_enabled = e; }
}  // namespace ember

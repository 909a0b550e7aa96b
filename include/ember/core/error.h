#pragma once
// ember::Error and EMBER_CHECK: every bad input becomes an exception that names
// the op and the shapes, e.g. "matmul: (3,4) @ (5,6): inner dimensions differ (4 vs 5)".
#include <sstream>
#include <stdexcept>
#include <string>

namespace ember {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
std::string cat_str(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
[[noreturn]] void throw_error(const std::string& msg);
}  // namespace detail

}  // namespace ember

#define EMBER_CHECK(cond, ...)                                           \
  do {                                                                   \
    if (!(cond)) ::ember::detail::throw_error(::ember::detail::cat_str(__VA_ARGS__)); \
  } while (0)

#define EMBER_THROW(...) ::ember::detail::throw_error(::ember::detail::cat_str(__VA_ARGS__))

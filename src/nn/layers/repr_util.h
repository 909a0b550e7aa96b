#pragma once
// Internal: pieces of PyTorch's module reprs.
#include <sstream>
#include <string>
#include <vector>

#include "ember/nn/functional/conv.h"

namespace ember::nn::detail {

// Python's tuple repr: (3,) or (3, 3).
inline std::string tuple_str(const std::vector<int64_t>& v) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << (v.size() == 1 ? ",)" : ")");
  return os.str();
}

// An int-or-pair argument as PyTorch prints what it was given: 3 or (3, 2).
inline std::string size2_str(functional::Size2 s) {
  return s.h == s.w ? std::to_string(s.h) : tuple_str({s.h, s.w});
}

inline const char* py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace ember::nn::detail

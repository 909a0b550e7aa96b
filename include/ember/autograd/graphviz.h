#pragma once
// Graphviz DOT of the graph behind a tensor, like torchviz's make_dot: the root green,
// parameters (leaves that require grad) light blue, ops grey. Render with `dot -Tpng`.
#include <map>
#include <string>
#include "ember/tensor/tensor.h"

namespace ember::autograd {

// `params` names leaves (e.g. from named_parameters) to label them.
std::string to_dot(const Tensor& root, const std::map<std::string, Tensor>& params = {});
// Writes to_dot(...) to `path`; throws ember::Error if the file cannot be written.
void write_dot(const Tensor& root, const std::string& path, const std::map<std::string, Tensor>& params = {});

}  // namespace ember::autograd

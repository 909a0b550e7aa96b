#pragma once
// Runs the backward pass: iterative, in topological order with dependency counts,
// so a chain of 100,000 ops does not touch the stack depth.
#include <optional>
#include "ember/tensor/tensor.h"

namespace ember::autograd {

// torch.autograd.backward. `grad_tensors` may be empty for scalar outputs.
// retain_graph defaults to create_graph.
void backward(const TensorList& tensors, const TensorList& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

// torch.autograd.grad: gradients of `outputs` w.r.t. `inputs`, without touching .grad.
// An input the outputs do not depend on is an error unless allow_unused (then undefined).
TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs = {},
                std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                bool allow_unused = false);

}  // namespace ember::autograd

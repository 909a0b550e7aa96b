#pragma once
// The autograd graph behind a tensor as a serialized TensorBoard GraphDef. Internal.
#include <string>

#include "ember/io/tensorboard.h"

namespace ember::tensorboard {

// See SummaryWriter::add_graph for the mapping.
std::string graph_def(const Tensor& output, const NamedTensors& params);

}  // namespace ember::tensorboard

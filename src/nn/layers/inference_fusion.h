#pragma once
// Internal: Sequential's inference fast path. Under no_grad, runs of
//   Conv2d [BatchNorm2d in eval mode] [ReLU] [MaxPool2d]
// (the modules exactly these classes, float32, groups 1, explicit padding, no pooling padding,
// dilation or ceil_mode) run as one chain of oneDNN convolutions with the batch norm folded into
// the weights, ReLU as a post-op and the activations blocked and cache-resident between layers
// (backend/cpu/conv_block_kernels.h). The result equals the modules' own forwards up to float
// rounding; anything that does not match runs module by module.
#include <memory>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn::detail {

// If modules[i...] start a fusable run for input h, runs it, stores its output in h, advances i
// past it and returns true; otherwise returns false and changes nothing.
bool run_fused_inference(const std::vector<std::shared_ptr<Module>>& modules, size_t& i, Tensor& h);

// Conv blocks run fused since the process started (for tests).
int64_t fused_inference_blocks();

}  // namespace ember::nn::detail

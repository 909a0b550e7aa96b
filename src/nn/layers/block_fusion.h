#pragma once
// Internal: Sequential's fused conv blocks. A run of
//   Conv2d [BatchNorm2d] [ReLU] [MaxPool2d]
// (exactly these classes, float32, groups 1, explicit padding; pooling without padding,
// dilation or ceil_mode) runs on oneDNN as one block, its layers exchanging blocked tensors:
// - under no_grad, with the batch norm in eval mode folded into the convolution's weights and
//   the ReLU as a post-op; consecutive blocks chain, the batch in cache-sized chunks;
// - in training (grad mode on, the batch norm in training mode), conv -> batch norm with the
//   ReLU fused -> pooling, one autograd node; the running statistics are updated as
//   BatchNorm2d::forward does.
// Results equal the modules' own forwards (and gradients) up to float rounding; anything that
// does not match runs module by module.
#include <memory>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn::detail {

// If modules[i...] start a fusable run for input h, runs it, stores its output in h, advances i
// past it and returns true; otherwise returns false and changes nothing.
bool run_fused_blocks(const std::vector<std::shared_ptr<Module>>& modules, size_t& i, Tensor& h);

// Blocks run fused since the process started (for tests).
int64_t fused_inference_blocks();
int64_t fused_training_blocks();

}  // namespace ember::nn::detail

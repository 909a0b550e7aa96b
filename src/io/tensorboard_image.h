#pragma once
// Image tensors -> the (H,W,C) uint8 picture SummaryWriter stores, as PyTorch's
// convert_to_HWC + _calc_scale_factor + tensorboard _utils.make_grid do it. Internal.
#include <string>

#include "ember/tensor/tensor.h"

namespace ember::tensorboard {

// img in `dataformats` ("CHW", "HWC", "HW", any order of those letters; 4 letters "NCHW"/"NHWC"/...
// tile a batch into a grid of at most 8 columns without padding). Single-channel pictures
// become RGB; C must be 1, 3 or 4. uint8 values are kept, other dtypes are scaled by 255,
// clipped to [0,255] and truncated. Returns a contiguous (H,W,C) uint8 tensor, C = 3 or 4.
Tensor to_hwc_uint8(const Tensor& img, const std::string& dataformats, const std::string& what);

}  // namespace ember::tensorboard

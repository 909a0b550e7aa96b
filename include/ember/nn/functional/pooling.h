#pragma once
// torch.nn.functional pooling: max_pool2d (with indices), avg_pool2d, adaptive_avg_pool2d.
// x:(N,C,H,W) or unbatched (C,H,W); any floating dtype.
#include <optional>
#include <tuple>

#include "ember/nn/functional/conv.h"

namespace ember::nn::functional {

// stride defaults to kernel_size. Padding is implicit -inf; ceil_mode rounds the output
// size up (a window must still start inside the input or left padding).
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                  Size2 dilation = 1, bool ceil_mode = false);
// return_indices=True: (values, int64 indices), each index a flat position h*W + w in its (H,W) plane.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Size2 kernel_size,
                                                   std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                                                   Size2 dilation = 1, bool ceil_mode = false);
// Average over each window; count_include_pad counts zero padding in the divisor;
// divisor_override, when given, replaces the divisor.
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
// x:(N,C,H,W) -> (N,C,OH,OW); bin i spans [floor(i*H/OH), ceil((i+1)*H/OH)).
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);

}  // namespace ember::nn::functional

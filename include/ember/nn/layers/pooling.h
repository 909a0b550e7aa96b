#pragma once
// nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d (no parameters).
#include <optional>
#include <tuple>

#include "ember/nn/functional/pooling.h"
#include "ember/nn/module.h"

namespace ember::nn {

// stride defaults to kernel_size. With return_indices, call forward_with_indices (forward throws,
// as the single-tensor forward cannot return the indices).
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(functional::Size2 kernel_size, std::optional<functional::Size2> stride = std::nullopt,
                     functional::Size2 padding = 0, functional::Size2 dilation = 1, bool return_indices = false,
                     bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  // (values, int64 indices into each (H,W) plane), as PyTorch's return_indices=True.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& x);
  std::string extra_repr() const override;
  functional::Size2 kernel_size, stride, padding, dilation;
  bool return_indices, ceil_mode;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(functional::Size2 kernel_size, std::optional<functional::Size2> stride = std::nullopt,
                     functional::Size2 padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                     std::optional<int64_t> divisor_override = std::nullopt);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  functional::Size2 kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::optional<int64_t> divisor_override;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(functional::Size2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  functional::Size2 output_size;
};

}  // namespace ember::nn

#pragma once
// nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d. Arguments in PyTorch's positional order:
//   nn::Conv2d(3, 32, 3, /*stride=*/1, /*padding=*/1)   ==   nn.Conv2d(3, 32, 3, 1, 1)
// Initialised like PyTorch: kaiming_uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias.
#include "ember/nn/functional/conv.h"
#include "ember/nn/module.h"

namespace ember::nn {

// x:(N,C,L) or (C,L) -> (N,O,L'). weight:(O, C/groups, K), bias:(O).
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1,
         functional::ConvPadding padding = 0, int64_t dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t in_channels, out_channels, kernel_size, stride;
  functional::ConvPadding padding;
  int64_t dilation, groups;
  Tensor weight, bias;
};

// x:(N,C,H,W) or (C,H,W) -> (N,O,H',W'). weight:(O, C/groups, KH, KW), bias:(O).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, functional::Size2 kernel_size, functional::Size2 stride = 1,
         functional::ConvPadding padding = 0, functional::Size2 dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t in_channels, out_channels;
  functional::Size2 kernel_size, stride;
  functional::ConvPadding padding;
  functional::Size2 dilation;
  int64_t groups;
  Tensor weight, bias;
};

// x:(N,Cin,H,W) or (Cin,H,W) -> (N,Cout,H',W'), H' = (H-1)stride - 2 padding + dilation(K-1) + output_padding + 1.
// weight:(Cin, Cout/groups, KH, KW), bias:(Cout).
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, functional::Size2 kernel_size,
                  functional::Size2 stride = 1, functional::Size2 padding = 0, functional::Size2 output_padding = 0,
                  int64_t groups = 1, bool bias = true, functional::Size2 dilation = 1);
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t in_channels, out_channels;
  functional::Size2 kernel_size, stride, padding, output_padding;
  int64_t groups;
  functional::Size2 dilation;
  Tensor weight, bias;
};

}  // namespace ember::nn

// nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d.
#include "ember/nn/layers/pooling.h"

#include "nn/layers/repr_util.h"

namespace ember::nn {

namespace F = functional;
using detail::py_bool;
using detail::size2_str;

MaxPool2d::MaxPool2d(F::Size2 k, std::optional<F::Size2> s, F::Size2 p, F::Size2 d, bool ri, bool cm)
    : Module("MaxPool2d"), kernel_size(k), stride(s.value_or(k)), padding(p), dilation(d), return_indices(ri),
      ceil_mode(cm) {}

Tensor MaxPool2d::forward(const Tensor& x) {
  EMBER_CHECK(!return_indices, "MaxPool2d was built with return_indices=true: call forward_with_indices(x), which ",
              "returns (values, indices)");
  return F::max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::tuple<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& x) {
  return F::max_pool2d_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + size2_str(kernel_size) + ", stride=" + size2_str(stride) + ", padding=" + size2_str(padding) +
         ", dilation=" + size2_str(dilation) + ", ceil_mode=" + py_bool(ceil_mode);
}

AvgPool2d::AvgPool2d(F::Size2 k, std::optional<F::Size2> s, F::Size2 p, bool cm, bool cip, std::optional<int64_t> div)
    : Module("AvgPool2d"), kernel_size(k), stride(s.value_or(k)), padding(p), ceil_mode(cm), count_include_pad(cip),
      divisor_override(div) {}

Tensor AvgPool2d::forward(const Tensor& x) {
  return F::avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + size2_str(kernel_size) + ", stride=" + size2_str(stride) + ", padding=" + size2_str(padding);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(F::Size2 o) : Module("AdaptiveAvgPool2d"), output_size(o) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return F::adaptive_avg_pool2d(x, output_size); }

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + size2_str(output_size); }

}  // namespace ember::nn

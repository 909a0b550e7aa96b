// nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d: parameters, PyTorch's default init and repr.
#include "ember/nn/layers/conv.h"

#include <sstream>
#include <vector>

#include "ember/tensor/factory.h"
#include "nn/layers/default_init.h"
#include "nn/layers/repr_util.h"

namespace ember::nn {

namespace F = functional;
using detail::tuple_str;

namespace {

void check_channels(const char* who, int64_t in, int64_t out, int64_t groups) {
  EMBER_CHECK(in > 0 && out > 0, who, ": in_channels and out_channels must be positive, got ", in, " and ", out);
  EMBER_CHECK(groups > 0, who, ": groups must be a positive integer, got ", groups);
  EMBER_CHECK(in % groups == 0, who, ": in_channels (", in, ") must be divisible by groups (", groups, ")");
  EMBER_CHECK(out % groups == 0, who, ": out_channels (", out, ") must be divisible by groups (", groups, ")");
}

void check_sizes(const char* who, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                 const std::vector<int64_t>& dilation, const std::vector<int64_t>& padding) {
  for (auto k : kernel) EMBER_CHECK(k > 0, who, ": kernel_size must be positive, got ", k);
  for (auto s : stride) EMBER_CHECK(s > 0, who, ": stride must be positive, got ", s);
  for (auto d : dilation) EMBER_CHECK(d > 0, who, ": dilation must be positive, got ", d);
  for (auto p : padding) EMBER_CHECK(p >= 0, who, ": padding must be non-negative, got ", p);
}

void check_same(const char* who, const F::ConvPadding& padding, const std::vector<int64_t>& stride) {
  if (padding.mode != F::PaddingMode::Same) return;
  for (auto s : stride)
    EMBER_CHECK(s == 1, who, ": padding='same' is not supported for strided convolutions");
}

bool all_equal(const std::vector<int64_t>& v, int64_t x) {
  for (auto e : v)
    if (e != x) return false;
  return true;
}

// PyTorch's _ConvNd.extra_repr.
std::string conv_repr(int64_t in, int64_t out, const std::vector<int64_t>& kernel, const std::vector<int64_t>& stride,
                      const F::ConvPadding* padding_mode, const std::vector<int64_t>& padding,
                      const std::vector<int64_t>& dilation, const std::vector<int64_t>& output_padding, int64_t groups,
                      bool bias) {
  std::ostringstream os;
  os << in << ", " << out << ", kernel_size=" << tuple_str(kernel) << ", stride=" << tuple_str(stride);
  if (padding_mode && padding_mode->mode == F::PaddingMode::Same) os << ", padding=same";
  else if (padding_mode && padding_mode->mode == F::PaddingMode::Valid) os << ", padding=valid";
  else if (!all_equal(padding, 0)) os << ", padding=" << tuple_str(padding);
  if (!all_equal(dilation, 1)) os << ", dilation=" << tuple_str(dilation);
  if (!all_equal(output_padding, 0)) os << ", output_padding=" << tuple_str(output_padding);
  if (groups != 1) os << ", groups=" << groups;
  if (!bias) os << ", bias=False";
  return os.str();
}

std::vector<int64_t> pair(F::Size2 s) { return {s.h, s.w}; }

}  // namespace

// ---- Conv1d ---------------------------------------------------------------------------------
Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, int64_t s, F::ConvPadding p, int64_t d, int64_t g, bool with_bias)
    : Module("Conv1d"), in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p), dilation(d),
      groups(g) {
  check_channels("Conv1d", in, out, g);
  check_sizes("Conv1d", {k}, {s}, {d}, {p.mode == F::PaddingMode::Explicit ? p.size.h : 0});
  check_same("Conv1d", p, {s});
  weight = register_parameter("weight", empty({out, in / g, k}));
  bias = register_parameter("bias", with_bias ? empty({out}) : Tensor());
  reset_parameters();
}

void Conv1d::reset_parameters() { detail::reset_weight_and_bias(weight, bias); }

Tensor Conv1d::forward(const Tensor& x) { return F::conv1d(x, weight, bias, stride, padding, dilation, groups); }

std::string Conv1d::extra_repr() const {
  return conv_repr(in_channels, out_channels, {kernel_size}, {stride}, &padding, {padding.size.h}, {dilation}, {0},
                   groups, bias.defined());
}

// ---- Conv2d ---------------------------------------------------------------------------------
Conv2d::Conv2d(int64_t in, int64_t out, F::Size2 k, F::Size2 s, F::ConvPadding p, F::Size2 d, int64_t g,
               bool with_bias)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p), dilation(d),
      groups(g) {
  check_channels("Conv2d", in, out, g);
  check_sizes("Conv2d", pair(k), pair(s), pair(d),
              p.mode == F::PaddingMode::Explicit ? pair(p.size) : std::vector<int64_t>{});
  check_same("Conv2d", p, pair(s));
  weight = register_parameter("weight", empty({out, in / g, k.h, k.w}));
  bias = register_parameter("bias", with_bias ? empty({out}) : Tensor());
  reset_parameters();
}

void Conv2d::reset_parameters() { detail::reset_weight_and_bias(weight, bias); }

Tensor Conv2d::forward(const Tensor& x) { return F::conv2d(x, weight, bias, stride, padding, dilation, groups); }

std::string Conv2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, pair(kernel_size), pair(stride), &padding, pair(padding.size),
                   pair(dilation), {0, 0}, groups, bias.defined());
}

// ---- ConvTranspose2d ------------------------------------------------------------------------
ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, F::Size2 k, F::Size2 s, F::Size2 p, F::Size2 op, int64_t g,
                                 bool with_bias, F::Size2 d)
    : Module("ConvTranspose2d"), in_channels(in), out_channels(out), kernel_size(k), stride(s), padding(p),
      output_padding(op), groups(g), dilation(d) {
  check_channels("ConvTranspose2d", in, out, g);
  check_sizes("ConvTranspose2d", pair(k), pair(s), pair(d), pair(p));
  for (int i = 0; i < 2; ++i)
    EMBER_CHECK(op[i] >= 0 && (op[i] < s[i] || op[i] < d[i]), "ConvTranspose2d: output padding must be smaller ",
                "than either stride or dilation, but got output_padding=", tuple_str(pair(op)),
                ", stride=", tuple_str(pair(s)), ", dilation=", tuple_str(pair(d)));
  weight = register_parameter("weight", empty({in, out / g, k.h, k.w}));
  bias = register_parameter("bias", with_bias ? empty({out}) : Tensor());
  reset_parameters();
}

void ConvTranspose2d::reset_parameters() { detail::reset_weight_and_bias(weight, bias); }

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return F::conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  return conv_repr(in_channels, out_channels, pair(kernel_size), pair(stride), nullptr, pair(padding), pair(dilation),
                   pair(output_padding), groups, bias.defined());
}

}  // namespace ember::nn

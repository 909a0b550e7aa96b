// Golden op table for tensor functions (kind "function"): how each reference case's op and
// args map onto ember's ops. Argument names are PyTorch's keyword names as the case files
// write them (dim, keepdim, exponent, min, max, negative_slope, ...). Layers, losses,
// optimizers, schedulers and models register in their own tests/golden/golden_*.cpp files.
#include "golden/golden.h"

#include <ember/nn/functional.h>

namespace ember::golden {
namespace {

// A JSON number as a Scalar, keeping integers integral (as a Python int would be).
std::optional<Scalar> arg_scalar(const json& args, const char* key) {
  if (!has_arg(args, key)) return std::nullopt;
  if (args[key].is_number_integer()) return Scalar(static_cast<int64_t>(arg_int(args, key)));
  return Scalar(arg_double(args, key));
}

// sum / mean: no `dim` (or an empty list) reduces everything.
template <class All, class Dims>
TensorList reduce(const Inputs& in, const json& args, All all, Dims dims_fn) {
  std::vector<int64_t> dims = arg_ints(args, "dim");
  bool keepdim = arg_bool(args, "keepdim", false);
  if (has_arg(args, "dtype")) throw Unsupported("dtype argument of a reduction");
  if (dims.empty() && !keepdim) return {all(in[0])};
  return {dims_fn(in[0], dims, keepdim)};
}

}  // namespace

// ---- elementwise -------------------------------------------------------------------------
EMBER_GOLDEN_OP(function, abs) { return {abs(in[0])}; }
EMBER_GOLDEN_OP(function, exp) { return {exp(in[0])}; }
EMBER_GOLDEN_OP(function, log) { return {log(in[0])}; }
EMBER_GOLDEN_OP(function, log1p) { return {log1p(in[0])}; }
EMBER_GOLDEN_OP(function, sqrt) { return {sqrt(in[0])}; }
EMBER_GOLDEN_OP(function, rsqrt) { return {rsqrt(in[0])}; }
EMBER_GOLDEN_OP(function, neg) { return {neg(in[0])}; }
EMBER_GOLDEN_OP(function, square) { return {square(in[0])}; }
EMBER_GOLDEN_OP(function, sigmoid) { return {sigmoid(in[0])}; }
EMBER_GOLDEN_OP(function, tanh) { return {tanh(in[0])}; }
EMBER_GOLDEN_OP(function, relu) { return {relu(in[0])}; }
EMBER_GOLDEN_OP(function, gelu) {
  std::string approximate = arg_string(args, "approximate", "none");
  if (approximate != "none") throw Unsupported("gelu approximate=\"" + approximate + "\"");
  return {gelu(in[0])};
}
EMBER_GOLDEN_OP(function, leaky_relu) { return {leaky_relu(in[0], arg_double(args, "negative_slope", 0.01))}; }
EMBER_GOLDEN_OP(function, elu) { return {elu(in[0], arg_double(args, "alpha", 1.0))}; }
EMBER_GOLDEN_OP(function, softplus) {
  return {softplus(in[0], arg_double(args, "beta", 1.0), arg_double(args, "threshold", 20.0))};
}
EMBER_GOLDEN_OP(function, clamp) {
  if (in.size() > 1) throw Unsupported("clamp with tensor bounds");
  return {clamp(in[0], arg_scalar(args, "min"), arg_scalar(args, "max"))};
}
EMBER_GOLDEN_OP(function, pow) {
  if (in.size() == 2) return {pow(in[0], in[1])};
  return {pow(in[0], *arg_scalar(args, "exponent"))};
}

// ---- binary (broadcasting) ------------------------------------------------------------------
EMBER_GOLDEN_OP(function, add) { return {add(in[0], in[1], arg_scalar(args, "alpha").value_or(Scalar(1)))}; }
EMBER_GOLDEN_OP(function, sub) { return {sub(in[0], in[1], arg_scalar(args, "alpha").value_or(Scalar(1)))}; }
EMBER_GOLDEN_OP(function, mul) { return {mul(in[0], in[1])}; }
EMBER_GOLDEN_OP(function, div) {
  if (has_arg(args, "rounding_mode")) throw Unsupported("div rounding_mode");
  return {div(in[0], in[1])};
}
EMBER_GOLDEN_OP(function, minimum) { return {minimum(in[0], in[1])}; }
EMBER_GOLDEN_OP(function, maximum) { return {maximum(in[0], in[1])}; }

// ---- reductions and softmax -----------------------------------------------------------------
EMBER_GOLDEN_OP(function, sum) {
  return reduce(in, args, [](const Tensor& x) { return sum(x); },
                [](const Tensor& x, const std::vector<int64_t>& d, bool k) { return sum(x, d, k); });
}
EMBER_GOLDEN_OP(function, mean) {
  return reduce(in, args, [](const Tensor& x) { return mean(x); },
                [](const Tensor& x, const std::vector<int64_t>& d, bool k) { return mean(x, d, k); });
}
// max / min: with `dim` -> (values, indices); without -> the single largest element.
EMBER_GOLDEN_OP(function, max) {
  if (!has_arg(args, "dim")) return {max(in[0])};
  auto [v, i] = max(in[0], arg_int(args, "dim"), arg_bool(args, "keepdim", false));
  return {v, i};
}
EMBER_GOLDEN_OP(function, min) {
  if (!has_arg(args, "dim")) return {min(in[0])};
  auto [v, i] = min(in[0], arg_int(args, "dim"), arg_bool(args, "keepdim", false));
  return {v, i};
}
EMBER_GOLDEN_OP(function, logsumexp) {
  return {logsumexp(in[0], arg_ints(args, "dim"), arg_bool(args, "keepdim", false))};
}
EMBER_GOLDEN_OP(function, softmax) { return {softmax(in[0], arg_int(args, "dim"))}; }
EMBER_GOLDEN_OP(function, log_softmax) { return {log_softmax(in[0], arg_int(args, "dim"))}; }

// ---- linear algebra -----------------------------------------------------------------------
EMBER_GOLDEN_OP(function, matmul) { return {matmul(in[0], in[1])}; }
EMBER_GOLDEN_OP(function, mm) { return {mm(in[0], in[1])}; }
EMBER_GOLDEN_OP(function, bmm) { return {bmm(in[0], in[1])}; }

// F.linear(x, weight, bias): x:(*, in) weight:(out, in) bias:(out) -> (*, out)
EMBER_GOLDEN_OP(function, linear) {
  return {nn::functional::linear(in[0], in[1], in.size() > 2 ? in[2] : Tensor())};
}

// ---- shapes and views (the case applies the view, then a copy where named) -----------------
EMBER_GOLDEN_OP(function, permute_reshape) {
  return {in[0].permute(arg_ints(args, "dims")).reshape(arg_ints(args, "shape"))};
}
EMBER_GOLDEN_OP(function, transpose_contiguous) {
  return {in[0].transpose(arg_int(args, "dim0"), arg_int(args, "dim1")).contiguous()};
}
EMBER_GOLDEN_OP(function, slice_step) {
  std::optional<int64_t> start, end;
  if (has_arg(args, "start")) start = arg_int(args, "start");
  if (has_arg(args, "end")) end = arg_int(args, "end");
  return {in[0].slice(arg_int(args, "dim", 0), start, end, arg_int(args, "step", 1))};
}
EMBER_GOLDEN_OP(function, cat) { return {cat(in.list, arg_int(args, "dim", 0))}; }
EMBER_GOLDEN_OP(function, stack) { return {stack(in.list, arg_int(args, "dim", 0))}; }

// ---- indexing -----------------------------------------------------------------------------
EMBER_GOLDEN_OP(function, index_select) { return {index_select(in[0], arg_int(args, "dim"), in[1])}; }
EMBER_GOLDEN_OP(function, gather) { return {gather(in[0], arg_int(args, "dim"), in[1])}; }
// F.embedding(input, weight, padding_idx): inputs are (indices, weight) in PyTorch's call order.
EMBER_GOLDEN_OP(function, embedding) {
  if (has_arg(args, "max_norm")) throw Unsupported("embedding max_norm");
  return {embedding(in[1], in[0], arg_int(args, "padding_idx", -1))};
}

}  // namespace ember::golden

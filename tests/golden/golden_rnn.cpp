// Golden ops for the recurrent layers (kind "module"): lstm and gru cases name the input `x`,
// optionally `h0` / `c0`, and the weights under PyTorch's names (weight_ih_l0, ..._reverse) in
// _flat_weights order; args carry the module's keyword arguments.
#include <ember/nn/functional/rnn.h>

#include "golden/golden.h"

namespace ember::golden {
namespace {

struct SequenceCall {
  TensorList weights;
  bool bias = true, bidirectional = false, batch_first = false;
  int64_t num_layers = 1;
};

SequenceCall parse(const Inputs& in, const json& args, const char* gate_order) {
  if (has_arg(args, "gate_order") && arg_string(args, "gate_order", "") != gate_order)
    throw Unsupported("gate_order " + arg_string(args, "gate_order", ""));
  if (arg_int(args, "proj_size", 0) != 0) throw Unsupported("proj_size");
  if (arg_double(args, "dropout", 0.0) != 0.0) throw Unsupported("dropout (random masks)");
  SequenceCall s;
  s.bias = arg_bool(args, "bias", true);
  s.bidirectional = arg_bool(args, "bidirectional", false);
  s.batch_first = arg_bool(args, "batch_first", false);
  s.num_layers = arg_int(args, "num_layers", 1);
  for (size_t i = 0; i < in.size(); ++i)
    if (in.names[i].rfind("weight_", 0) == 0 || in.names[i].rfind("bias_", 0) == 0) s.weights.push_back(in.list[i]);
  return s;
}

Tensor optional_input(const Inputs& in, const char* name) { return in.has(name) ? in[name] : Tensor(); }

}  // namespace

EMBER_GOLDEN_OP(module, lstm) {
  SequenceCall s = parse(in, args, "i,f,g,o");
  TensorList hx;
  if (in.has("h0")) hx = {in["h0"], optional_input(in, "c0")};
  auto [out, hn, cn] =
      nn::functional::lstm(in["x"], hx, s.weights, s.bias, s.num_layers, 0.0, false, s.bidirectional, s.batch_first);
  return {out, hn, cn};
}

EMBER_GOLDEN_OP(module, gru) {
  SequenceCall s = parse(in, args, "r,z,n");
  auto [out, hn] = nn::functional::gru(in["x"], optional_input(in, "h0"), s.weights, s.bias, s.num_layers, 0.0, false,
                                       s.bidirectional, s.batch_first);
  return {out, hn};
}

}  // namespace ember::golden

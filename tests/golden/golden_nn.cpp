// Golden op table for the nn layers (kind "function": conv, pooling, normalisation) and the
// model cases (kind "model": a Sequential described by args.layers, one SGD step).
#include <sstream>

#include <ember/nn/functional.h>

#include "golden/golden.h"

namespace ember::golden {
namespace {

namespace F = nn::functional;

// An int-or-pair argument (kernel_size: 3, stride: [2, 1]).
F::Size2 size2(const json& args, const char* key, int64_t fallback) {
  std::vector<int64_t> v = arg_ints(args, key, {fallback});
  EMBER_CHECK(v.size() == 1 || v.size() == 2, "golden: argument \"", key, "\" must be an int or a pair");
  return v.size() == 1 ? F::Size2(v[0]) : F::Size2(v[0], v[1]);
}

std::optional<F::Size2> optional_size2(const json& args, const char* key) {
  if (!has_arg(args, key)) return std::nullopt;
  std::vector<int64_t> v = arg_ints(args, key);
  if (v.empty()) return std::nullopt;  // stride=[] means "kernel_size", as in PyTorch
  return size2(args, key, 0);
}

F::ConvPadding conv_padding(const json& args) {
  if (has_arg(args, "padding") && args["padding"].is_string()) return F::ConvPadding(arg_string(args, "padding", ""));
  return F::ConvPadding(size2(args, "padding", 0));
}

// A named input, or undefined when the case does not pass it (bias=None, weight=None).
Tensor input_or_none(const Inputs& in, const char* name) { return in.has(name) ? in[name] : Tensor(); }

}  // namespace

// ---- convolutions -------------------------------------------------------------------------------
EMBER_GOLDEN_OP(function, conv2d) {
  return {F::conv2d(in[0], in[1], input_or_none(in, "bias"), size2(args, "stride", 1), conv_padding(args),
                    size2(args, "dilation", 1), arg_int(args, "groups", 1))};
}
EMBER_GOLDEN_OP(function, conv1d) {
  F::ConvPadding pad = conv_padding(args);
  return {F::conv1d(in[0], in[1], input_or_none(in, "bias"), arg_int(args, "stride", 1), pad,
                    arg_int(args, "dilation", 1), arg_int(args, "groups", 1))};
}
EMBER_GOLDEN_OP(function, conv_transpose2d) {
  return {F::conv_transpose2d(in[0], in[1], input_or_none(in, "bias"), size2(args, "stride", 1),
                              size2(args, "padding", 0), size2(args, "output_padding", 0), arg_int(args, "groups", 1),
                              size2(args, "dilation", 1))};
}

// ---- pooling --------------------------------------------------------------------------------------
EMBER_GOLDEN_OP(function, max_pool2d) {
  const F::Size2 k = size2(args, "kernel_size", 0);
  const auto stride = optional_size2(args, "stride");
  const F::Size2 pad = size2(args, "padding", 0), dil = size2(args, "dilation", 1);
  const bool ceil = arg_bool(args, "ceil_mode", false);
  if (arg_bool(args, "return_indices", false)) {
    auto [y, idx] = F::max_pool2d_with_indices(in[0], k, stride, pad, dil, ceil);
    return {y, idx};
  }
  return {F::max_pool2d(in[0], k, stride, pad, dil, ceil)};
}
EMBER_GOLDEN_OP(function, avg_pool2d) {
  std::optional<int64_t> div;
  if (has_arg(args, "divisor_override")) div = arg_int(args, "divisor_override");
  return {F::avg_pool2d(in[0], size2(args, "kernel_size", 0), optional_size2(args, "stride"), size2(args, "padding", 0),
                        arg_bool(args, "ceil_mode", false), arg_bool(args, "count_include_pad", true), div)};
}
EMBER_GOLDEN_OP(function, adaptive_avg_pool2d) { return {F::adaptive_avg_pool2d(in[0], size2(args, "output_size", 0))}; }

// ---- normalisation ----------------------------------------------------------------------------------
// Outputs: y, and (when the case passes running statistics) running_mean and running_var after the call.
EMBER_GOLDEN_OP(function, batch_norm) {
  Tensor rm = input_or_none(in, "running_mean"), rv = input_or_none(in, "running_var");
  Tensor y = F::batch_norm(in["x"], rm, rv, input_or_none(in, "weight"), input_or_none(in, "bias"),
                           arg_bool(args, "training", false), arg_double(args, "momentum", 0.1),
                           arg_double(args, "eps", 1e-5));
  if (rm.defined()) return {y, rm, rv};
  return {y};
}
EMBER_GOLDEN_OP(function, layer_norm) {
  return {F::layer_norm(in["x"], arg_ints(args, "normalized_shape"), input_or_none(in, "weight"),
                        input_or_none(in, "bias"), arg_double(args, "eps", 1e-5))};
}
EMBER_GOLDEN_OP(function, group_norm) {
  return {F::group_norm(in["x"], arg_int(args, "num_groups"), input_or_none(in, "weight"), input_or_none(in, "bias"),
                        arg_double(args, "eps", 1e-5))};
}

// ---- model cases ---------------------------------------------------------------------------------------
namespace {

// One layer of args.layers: "Conv2d(3,5,3,padding=1)" -> name "Conv2d", positional {3,5,3}, keyword {padding: 1}.
struct LayerSpec {
  std::string name;
  std::vector<double> pos;
  std::map<std::string, double> kw;
  // The i-th positional argument or the keyword `key`, else `fallback`.
  double get(size_t i, const std::string& key, double fallback) const {
    if (i < pos.size()) return pos[i];
    auto it = kw.find(key);
    return it == kw.end() ? fallback : it->second;
  }
  int64_t geti(size_t i, const std::string& key, int64_t fallback) const {
    return static_cast<int64_t>(get(i, key, static_cast<double>(fallback)));
  }
};

double parse_value(const std::string& v, const std::string& layer) {
  if (v == "True") return 1;
  if (v == "False") return 0;
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (const std::exception&) {
  }
  throw Unsupported("model layer " + layer + ": argument value '" + v + "' is not a number");
}

std::vector<LayerSpec> parse_layers(const std::string& text) {
  std::vector<LayerSpec> layers;
  std::istringstream is(text);
  std::string tok;
  while (is >> tok) {
    LayerSpec s;
    const size_t open = tok.find('(');
    s.name = tok.substr(0, open);
    if (open != std::string::npos) {
      EMBER_CHECK(tok.back() == ')', "golden: model layer '", tok, "' has no closing parenthesis");
      std::string inner = tok.substr(open + 1, tok.size() - open - 2), item;
      std::istringstream items(inner);
      while (std::getline(items, item, ',')) {
        if (item.empty()) continue;
        const size_t eq = item.find('=');
        if (eq == std::string::npos) s.pos.push_back(parse_value(item, tok));
        else s.kw[item.substr(0, eq)] = parse_value(item.substr(eq + 1), tok);
      }
    }
    layers.push_back(std::move(s));
  }
  return layers;
}

std::shared_ptr<nn::Module> make_layer(const LayerSpec& s) {
  const std::string& n = s.name;
  if (n == "Conv2d")
    return std::make_shared<nn::Conv2d>(s.geti(0, "in_channels", 0), s.geti(1, "out_channels", 0),
                                        s.geti(2, "kernel_size", 0), s.geti(3, "stride", 1), s.geti(4, "padding", 0),
                                        s.geti(5, "dilation", 1), s.geti(6, "groups", 1), s.geti(7, "bias", 1) != 0);
  if (n == "Conv1d")
    return std::make_shared<nn::Conv1d>(s.geti(0, "in_channels", 0), s.geti(1, "out_channels", 0),
                                        s.geti(2, "kernel_size", 0), s.geti(3, "stride", 1), s.geti(4, "padding", 0),
                                        s.geti(5, "dilation", 1), s.geti(6, "groups", 1), s.geti(7, "bias", 1) != 0);
  if (n == "Linear")
    return std::make_shared<nn::Linear>(s.geti(0, "in_features", 0), s.geti(1, "out_features", 0),
                                        s.geti(2, "bias", 1) != 0);
  if (n == "MaxPool2d") {
    const int64_t k = s.geti(0, "kernel_size", 0);
    return std::make_shared<nn::MaxPool2d>(k, s.geti(1, "stride", k), s.geti(2, "padding", 0),
                                           s.geti(3, "dilation", 1), false, s.geti(5, "ceil_mode", 0) != 0);
  }
  if (n == "AvgPool2d") {
    const int64_t k = s.geti(0, "kernel_size", 0);
    return std::make_shared<nn::AvgPool2d>(k, s.geti(1, "stride", k), s.geti(2, "padding", 0));
  }
  if (n == "AdaptiveAvgPool2d") return std::make_shared<nn::AdaptiveAvgPool2d>(s.geti(0, "output_size", 1));
  if (n == "BatchNorm1d") return std::make_shared<nn::BatchNorm1d>(s.geti(0, "num_features", 0));
  if (n == "BatchNorm2d") return std::make_shared<nn::BatchNorm2d>(s.geti(0, "num_features", 0));
  if (n == "LayerNorm") return std::make_shared<nn::LayerNorm>(Shape{s.geti(0, "normalized_shape", 0)});
  if (n == "GroupNorm") return std::make_shared<nn::GroupNorm>(s.geti(0, "num_groups", 0), s.geti(1, "num_channels", 0));
  if (n == "ReLU") return std::make_shared<nn::ReLU>();
  if (n == "Tanh") return std::make_shared<nn::Tanh>();
  if (n == "Sigmoid") return std::make_shared<nn::Sigmoid>();
  if (n == "GELU") return std::make_shared<nn::GELU>();
  if (n == "ELU") return std::make_shared<nn::ELU>(s.get(0, "alpha", 1.0));
  if (n == "LeakyReLU") return std::make_shared<nn::LeakyReLU>(s.get(0, "negative_slope", 0.01));
  if (n == "Flatten") return std::make_shared<nn::Flatten>(s.geti(0, "start_dim", 1), s.geti(1, "end_dim", -1));
  if (n == "Identity") return std::make_shared<nn::Identity>();
  if (n == "Dropout" && s.get(0, "p", 0.5) == 0.0) return std::make_shared<nn::Dropout>(0.0);
  throw Unsupported("model layer '" + n + "' (random layers cannot reproduce PyTorch's generator)");
}

// The case's loss (nn::functional, mean reduction) of out against y.
Tensor model_loss(const std::string& loss, const Tensor& out, const Tensor& y) {
  if (loss == "cross_entropy") return F::cross_entropy(out, y);
  if (loss == "mse") return F::mse_loss(out, y);
  throw Unsupported("model loss '" + loss + "'");
}

// before.* -> model(x) in train mode -> loss -> backward -> one plain SGD step -> after.*
TensorMap run_model(const Case& c) {
  auto model = std::make_shared<nn::Sequential>();
  for (const LayerSpec& s : parse_layers(arg_string(c.args, "layers", ""))) model->push_back(make_layer(s));
  nn::StateDict before;
  for (const auto& [name, t] : c.tensors)
    if (name.rfind("before.", 0) == 0) before.emplace_back(name.substr(7), t);
  model->load_state_dict(before);  // strict: every key must match
  model->train();
  auto lr_it = c.metadata.find("lr");
  EMBER_CHECK(lr_it != c.metadata.end(), "golden: model case ", c.name, " has no lr in its metadata");
  const double lr = std::stod(lr_it->second);

  Tensor out = model->forward(c.tensor("x"));
  Tensor loss = model_loss(arg_string(c.args, "loss", ""), out, c.tensor("y"));
  loss.backward();
  TensorMap got{{"out", out}, {"loss", loss.reshape(c.tensor("loss").sizes())}};
  {
    NoGradGuard ng;
    for (auto& [name, p] : model->named_parameters()) {
      Tensor q = p;
      if (p.grad().defined()) q.sub_(p.grad(), lr);
    }
  }
  for (auto& [name, t] : model->state_dict()) got["after." + name] = t;
  return got;
}

}  // namespace

EMBER_GOLDEN_CASE(model, cifar_net4) { return run_model(c); }

}  // namespace ember::golden

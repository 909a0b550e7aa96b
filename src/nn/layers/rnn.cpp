// nn.RNN / nn.LSTM / nn.GRU and their cells: parameters under PyTorch's names, PyTorch's
// initialisation and printing; the maths is in nn/functional/rnn.cpp.
#include "ember/nn/layers/rnn.h"

#include <charconv>
#include <cmath>

#include "ember/nn/functional/rnn.h"
#include "ember/nn/init.h"
#include "ember/tensor/factory.h"

namespace ember::nn {

namespace F = functional;

namespace {

int64_t gates_of(const std::string& mode) {
  if (mode == "LSTM") return 4;
  if (mode == "GRU") return 3;
  EMBER_CHECK(mode == "RNN_TANH" || mode == "RNN_RELU", "RNNBase: unknown mode '", mode,
              "' (expected RNN_TANH, RNN_RELU, LSTM or GRU)");
  return 1;
}

// A double as Python's repr writes it: 0.5, 1.0, 1e-05.
std::string py_float(double v) {
  char buf[64];
  const bool sci = v != 0.0 && (std::abs(v) < 1e-4 || std::abs(v) >= 1e16);
  auto r = std::to_chars(buf, buf + sizeof(buf), v, sci ? std::chars_format::scientific : std::chars_format::fixed);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

void check_sizes(const char* type, int64_t input_size, int64_t hidden_size) {
  EMBER_CHECK(input_size >= 0, type, ": input_size must be non-negative, got ", input_size);
  EMBER_CHECK(hidden_size > 0, type, ": hidden_size must be greater than zero, got ", hidden_size);
}

// U(-1/sqrt(H), 1/sqrt(H)) on every tensor.
void uniform_all(const TensorList& ts, int64_t hidden_size) {
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (Tensor t : ts)
    if (t.defined()) init::uniform_(t, -k, k);
}

}  // namespace

// ---- RNNBase ------------------------------------------------------------------------------

RNNBase::RNNBase(std::string type_name, std::string mode_, int64_t input_size_, int64_t hidden_size_,
                 RNNOptions options_)
    : Module(std::move(type_name)),
      mode(std::move(mode_)),
      input_size(input_size_),
      hidden_size(hidden_size_),
      options(std::move(options_)) {
  const char* type = Module::type_name().c_str();
  check_sizes(type, input_size, hidden_size);
  EMBER_CHECK(options.num_layers >= 1, type, ": num_layers must be greater than or equal to 1, got ",
              options.num_layers);
  EMBER_CHECK(options.dropout >= 0.0 && options.dropout <= 1.0, type,
              ": dropout should be a number in range [0, 1] representing the probability of an element being "
              "zeroed, got ",
              options.dropout);
  const int64_t G = gates_of(mode) * hidden_size, D = options.bidirectional ? 2 : 1;
  for (int64_t l = 0; l < options.num_layers; ++l)
    for (int64_t dir = 0; dir < D; ++dir) {
      const int64_t in = l == 0 ? input_size : hidden_size * D;
      const std::string sfx = "_l" + std::to_string(l) + (dir ? "_reverse" : "");
      std::vector<std::pair<std::string, Shape>> ps = {{"weight_ih" + sfx, {G, in}},
                                                       {"weight_hh" + sfx, {G, hidden_size}}};
      if (options.bias) {
        ps.push_back({"bias_ih" + sfx, {G}});
        ps.push_back({"bias_hh" + sfx, {G}});
      }
      for (auto& [name, shape] : ps) {
        flat_weights_.push_back(register_parameter(name, empty(shape)));
        flat_names_.push_back(name);
      }
    }
  reset_parameters();
}

void RNNBase::reset_parameters() { uniform_all(flat_weights_, hidden_size); }

Tensor RNNBase::weight(const std::string& name) const {
  for (size_t i = 0; i < flat_names_.size(); ++i)
    if (flat_names_[i] == name) return flat_weights_[i];
  EMBER_THROW(type_name(), ": no parameter named '", name, "'");
}

std::string RNNBase::extra_repr() const {
  std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (options.num_layers != 1) s += ", num_layers=" + std::to_string(options.num_layers);
  if (!options.bias) s += ", bias=False";
  if (options.batch_first) s += ", batch_first=True";
  if (options.dropout != 0.0) s += ", dropout=" + py_float(options.dropout);
  if (options.bidirectional) s += ", bidirectional=True";
  return s;
}

// ---- RNN, LSTM, GRU -------------------------------------------------------------------------

namespace {
std::string rnn_mode(const RNNOptions& o) {
  EMBER_CHECK(o.nonlinearity == "tanh" || o.nonlinearity == "relu", "RNN: Unknown nonlinearity '", o.nonlinearity,
              "'. Select from 'tanh' or 'relu'.");
  return o.nonlinearity == "tanh" ? "RNN_TANH" : "RNN_RELU";
}
RNNOptions make_options(int64_t num_layers, std::string nonlinearity, bool bias, bool batch_first, double dropout,
                        bool bidirectional) {
  return RNNOptions{num_layers, std::move(nonlinearity), bias, batch_first, dropout, bidirectional};
}
}  // namespace

RNN::RNN(int64_t input_size, int64_t hidden_size, RNNOptions o)
    : RNNBase("RNN", rnn_mode(o), input_size, hidden_size, o) {}
RNN::RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers, std::string nonlinearity, bool bias,
         bool batch_first, double dropout, bool bidirectional)
    : RNN(input_size, hidden_size,
          make_options(num_layers, std::move(nonlinearity), bias, batch_first, dropout, bidirectional)) {}

RNNOutput RNN::forward(const Tensor& x, const Tensor& h0) {
  auto fn = mode == "RNN_TANH" ? &F::rnn_tanh : &F::rnn_relu;
  auto [out, hn] = fn(x, h0, flat_weights_, options.bias, options.num_layers, options.dropout, is_training(),
                      options.bidirectional, options.batch_first);
  return {out, hn};
}

LSTM::LSTM(int64_t input_size, int64_t hidden_size, RNNOptions o)
    : RNNBase("LSTM", "LSTM", input_size, hidden_size, o) {}
LSTM::LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first, double dropout,
           bool bidirectional)
    : LSTM(input_size, hidden_size, make_options(num_layers, "tanh", bias, batch_first, dropout, bidirectional)) {}

LSTMOutput LSTM::forward(const Tensor& x, const LSTMState& hx) {
  TensorList state;
  if (hx.h.defined() || hx.c.defined()) state = {hx.h, hx.c};
  auto [out, hn, cn] = F::lstm(x, state, flat_weights_, options.bias, options.num_layers, options.dropout,
                               is_training(), options.bidirectional, options.batch_first);
  return {out, hn, cn};
}

GRU::GRU(int64_t input_size, int64_t hidden_size, RNNOptions o) : RNNBase("GRU", "GRU", input_size, hidden_size, o) {}
GRU::GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias, bool batch_first, double dropout,
         bool bidirectional)
    : GRU(input_size, hidden_size, make_options(num_layers, "tanh", bias, batch_first, dropout, bidirectional)) {}

RNNOutput GRU::forward(const Tensor& x, const Tensor& h0) {
  auto [out, hn] = F::gru(x, h0, flat_weights_, options.bias, options.num_layers, options.dropout, is_training(),
                          options.bidirectional, options.batch_first);
  return {out, hn};
}

// ---- cells ----------------------------------------------------------------------------------

RNNCellBase::RNNCellBase(std::string type_name, int64_t input_size_, int64_t hidden_size_, bool bias_,
                         int64_t num_gates)
    : Module(std::move(type_name)), input_size(input_size_), hidden_size(hidden_size_), bias(bias_) {
  check_sizes(this->type_name().c_str(), input_size, hidden_size);
  const int64_t G = num_gates * hidden_size;
  weight_ih = register_parameter("weight_ih", empty({G, input_size}));
  weight_hh = register_parameter("weight_hh", empty({G, hidden_size}));
  if (bias) {
    bias_ih = register_parameter("bias_ih", empty({G}));
    bias_hh = register_parameter("bias_hh", empty({G}));
  }
  reset_parameters();
}

void RNNCellBase::reset_parameters() { uniform_all({weight_ih, weight_hh, bias_ih, bias_hh}, hidden_size); }

std::string RNNCellBase::extra_repr() const {
  std::string s = std::to_string(input_size) + ", " + std::to_string(hidden_size);
  if (!bias) s += ", bias=False";
  return s;
}

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, bool bias, std::string nonlinearity_)
    : RNNCellBase("RNNCell", input_size, hidden_size, bias, 1), nonlinearity(std::move(nonlinearity_)) {
  EMBER_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", "RNNCell: Unknown nonlinearity: ", nonlinearity);
}

Tensor RNNCell::forward(const Tensor& x, const Tensor& h) {
  auto fn = nonlinearity == "tanh" ? &F::rnn_tanh_cell : &F::rnn_relu_cell;
  return fn(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
}

std::string RNNCell::extra_repr() const {
  std::string s = RNNCellBase::extra_repr();
  if (nonlinearity != "tanh") s += ", nonlinearity=" + nonlinearity;
  return s;
}

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, bool bias)
    : RNNCellBase("LSTMCell", input_size, hidden_size, bias, 4) {}

LSTMState LSTMCell::forward(const Tensor& x, const LSTMState& hx) {
  auto [h, c] = F::lstm_cell(x, hx.h, hx.c, weight_ih, weight_hh, bias_ih, bias_hh);
  return {h, c};
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, bool bias)
    : RNNCellBase("GRUCell", input_size, hidden_size, bias, 3) {}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) {
  return F::gru_cell(x, h, weight_ih, weight_hh, bias_ih, bias_hh);
}

}  // namespace ember::nn

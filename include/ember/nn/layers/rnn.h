#pragma once
// nn.RNN, nn.LSTM, nn.GRU and nn.RNNCell, nn.LSTMCell, nn.GRUCell.
//
//   auto lstm = std::make_shared<nn::LSTM>(50, 50, nn::RNNOptions{.batch_first = true});
//   auto [output, h_n, c_n] = lstm->forward(x);           // x:(B,T,50) -> output:(B,T,50)
//   auto next = lstm->forward(x2, {h_n, c_n});             // carry the state on
//
// Parameters have PyTorch's names and order, so state_dicts move unchanged:
// weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} and the same with _reverse for
// the second direction; gates are stacked i,f,g,o (LSTM) and r,z,n (GRU); every parameter
// starts U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)). See ember/nn/functional/rnn.h for the
// shapes and for how to feed padded batches (there is no PackedSequence).
#include <string>

#include "ember/nn/module.h"

namespace ember::nn {

// The keyword arguments of nn.RNN / nn.LSTM / nn.GRU, for designated initialisers:
// nn::LSTM(50, 50, {.num_layers = 2, .dropout = 0.5, .bidirectional = true}).
struct RNNOptions {
  int64_t num_layers = 1;
  std::string nonlinearity = "tanh";  // nn.RNN only: "tanh" or "relu"
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;  // after every layer but the last, in training mode
  bool bidirectional = false;
};

// What RNN and GRU return: output:(T,B,D*H) ((B,T,D*H) if batch_first), h_n:(L*D,B,H).
struct RNNOutput {
  Tensor output, h_n;
};
// What LSTM returns; c_n:(L*D,B,H).
struct LSTMOutput {
  Tensor output, h_n, c_n;
};
// An LSTM state: (h, c). Undefined tensors mean zeros.
struct LSTMState {
  Tensor h, c;
};

// The shared part of RNN, LSTM and GRU: options, parameters, printing.
class RNNBase : public Module {
 public:
  // mode: "RNN_TANH", "RNN_RELU", "LSTM" or "GRU" (as PyTorch's RNNBase).
  RNNBase(std::string type_name, std::string mode, int64_t input_size, int64_t hidden_size, RNNOptions options);
  // Every parameter U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).
  void reset_parameters();
  std::string extra_repr() const override;
  // The weights in PyTorch's _flat_weights order (per layer, per direction: w_ih, w_hh, b_ih, b_hh).
  const TensorList& flat_weights() const { return flat_weights_; }
  // e.g. weight("weight_ih_l0"), weight("bias_hh_l1_reverse").
  Tensor weight(const std::string& name) const;

  const std::string mode;
  const int64_t input_size, hidden_size;
  const RNNOptions options;

 protected:
  TensorList flat_weights_;
  std::vector<std::string> flat_names_;
};

class RNN : public RNNBase {
 public:
  RNN(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  RNN(int64_t input_size, int64_t hidden_size, int64_t num_layers, std::string nonlinearity = "tanh", bool bias = true,
      bool batch_first = false, double dropout = 0.0, bool bidirectional = false);
  // x:(T,B,in) / (B,T,in) / unbatched (T,in); h0:(L*D,B,H) or undefined (zeros).
  RNNOutput forward(const Tensor& x, const Tensor& h0 = Tensor());
};

class LSTM : public RNNBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  LSTM(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias = true, bool batch_first = false,
       double dropout = 0.0, bool bidirectional = false);
  // x:(T,B,in) / (B,T,in) / unbatched (T,in); hx = {h0, c0}, each (L*D,B,H), or {} (zeros).
  LSTMOutput forward(const Tensor& x, const LSTMState& hx = {});
};

class GRU : public RNNBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  GRU(int64_t input_size, int64_t hidden_size, int64_t num_layers, bool bias = true, bool batch_first = false,
      double dropout = 0.0, bool bidirectional = false);
  RNNOutput forward(const Tensor& x, const Tensor& h0 = Tensor());
};

// The shared part of the cells: weight_ih:(G*H,in) weight_hh:(G*H,H) bias_ih, bias_hh:(G*H).
class RNNCellBase : public Module {
 public:
  RNNCellBase(std::string type_name, int64_t input_size, int64_t hidden_size, bool bias, int64_t num_gates);
  void reset_parameters();
  std::string extra_repr() const override;
  const int64_t input_size, hidden_size;
  const bool bias;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;
};

class RNNCell : public RNNCellBase {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, bool bias = true, std::string nonlinearity = "tanh");
  // x:(B,in) or (in); h:(B,H) or (H), undefined for zeros -> h':(B,H)
  Tensor forward(const Tensor& x, const Tensor& h);
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
  std::string extra_repr() const override;
  const std::string nonlinearity;
};

class LSTMCell : public RNNCellBase {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, bool bias = true);
  // x:(B,in) or (in); hx = {h, c}, undefined for zeros -> {h', c'}
  LSTMState forward(const Tensor& x, const LSTMState& hx = {});
};

class GRUCell : public RNNCellBase {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, bool bias = true);
  Tensor forward(const Tensor& x, const Tensor& h);
  Tensor forward(const Tensor& x) override { return forward(x, Tensor()); }
};

}  // namespace ember::nn

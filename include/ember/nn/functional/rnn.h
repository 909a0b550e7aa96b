#pragma once
// The recurrent layers as functions (torch.lstm / torch.gru / torch.rnn_tanh / torch.rnn_relu
// and the *_cell forms). The modules in ember/nn/layers/rnn.h own the weights and call these.
//
// Weights follow PyTorch: per layer l and direction (forward, then reverse) the list holds
// w_ih:(G*H, in) w_hh:(G*H, H) [b_ih:(G*H) b_hh:(G*H)], with G = 4 gates for LSTM in the order
// i,f,g,o, 3 for GRU in the order r,z,n, 1 for RNN; `in` is input_size for layer 0 and
// H * num_directions above.
//
// Each layer-direction runs as one fused op (one input-projection matmul for all steps, one
// matmul and one fused gate kernel per step; its backward is one fused sweep), so a sequence
// records a handful of graph nodes, not dozens per step. float32 and float64. Double backward
// through these ops is not supported (a clear ember::Error says so).
//
// Padded batches: there is no PackedSequence. Pad every sequence of a batch to the longest
// and mask the loss at the padded positions (e.g. cross_entropy's ignore_index, or the CS230
// masked loss with label -1). For a unidirectional layer the outputs at the real positions are
// exactly those of the unpadded sequence, since padding comes after them; h_n however is the
// state after the last padded step: read output[t = length - 1] instead. The reverse direction
// of a bidirectional layer reads the padding first, so its outputs depend on the padding.
#include <tuple>

#include "ember/tensor/tensor.h"

namespace ember::nn::functional {

// x:(T,B,in), or (B,T,in) when batch_first, or unbatched (T,in).
// hx: {} for zeros, or {h0} (RNN/GRU) / {h0, c0} (LSTM), each (num_layers * D, B, H) ((L*D, H) unbatched).
// dropout: applied to the output of every layer but the last when `train`.
// Returns (output:(T,B,D*H) (or batch_first / unbatched to match x), h_n:(L*D,B,H), c_n).
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& x, const TensorList& hx, const TensorList& params,
                                        bool has_biases, int64_t num_layers, double dropout, bool train,
                                        bool bidirectional, bool batch_first);
std::tuple<Tensor, Tensor> gru(const Tensor& x, const Tensor& hx, const TensorList& params, bool has_biases,
                               int64_t num_layers, double dropout, bool train, bool bidirectional, bool batch_first);
std::tuple<Tensor, Tensor> rnn_tanh(const Tensor& x, const Tensor& hx, const TensorList& params, bool has_biases,
                                    int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);
std::tuple<Tensor, Tensor> rnn_relu(const Tensor& x, const Tensor& hx, const TensorList& params, bool has_biases,
                                    int64_t num_layers, double dropout, bool train, bool bidirectional,
                                    bool batch_first);

// One step. x:(B,in) or (in); h, c:(B,H) or (H), undefined for zeros; biases may be undefined.
// lstm_cell returns (h', c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih = Tensor(),
                const Tensor& b_hh = Tensor());
Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());

}  // namespace ember::nn::functional

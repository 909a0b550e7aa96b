// lstm, gru, rnn_tanh, rnn_relu and their cells: argument checks, stacking layers and
// directions, and the one autograd node per layer-direction around backend/cpu/rnn_kernels.
#include "ember/nn/functional/rnn.h"

#include <string>

#include "autograd/record.h"
#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/rnn_kernels.h"
#include "ember/nn/functional/dropout.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "nn/functional/util.h"
#include "tensor/make.h"

namespace ember::nn::functional {

namespace {

using cpu::RnnMode;

const char* mode_name(RnnMode m) {
  switch (m) {
    case RnnMode::Lstm:
      return "lstm";
    case RnnMode::Gru:
      return "gru";
    case RnnMode::Tanh:
      return "rnn_tanh";
    case RnnMode::Relu:
      return "rnn_relu";
  }
  return "rnn";
}

const char* node_name(RnnMode m) {
  switch (m) {
    case RnnMode::Lstm:
      return "LstmBackward0";
    case RnnMode::Gru:
      return "GruBackward0";
    case RnnMode::Tanh:
      return "RnnTanhBackward0";
    case RnnMode::Relu:
      return "RnnReluBackward0";
  }
  return "RnnBackward0";
}

// What one layer-direction produced. y:(T,B,H) hn, cn:(B,H) (cn only for LSTM).
struct LayerOut {
  Tensor y, hn, cn;
};

template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}
template <class T>
T* mut_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

// The data of a possibly undefined tensor, contiguous (no autograd).
Tensor data_of(const Tensor& t) { return t.defined() ? cpu::contiguous(t) : Tensor(); }

// One layer in one direction as one autograd node.
// x:(T,B,I) h0, c0:(B,H) w_ih:(G*H,I) w_hh:(G*H,H) b_ih, b_hh:(G*H) or undefined.
LayerOut run_layer(RnnMode mode, const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& w_ih,
                   const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh, bool reverse) {
  const bool lstm = mode == RnnMode::Lstm;
  const DType dt = x.dtype();
  cpu::RnnDims d{x.size(0), x.size(1), x.size(2), w_hh.size(1)};
  const int64_t G = cpu::rnn_gate_count(mode) * d.H;
  Tensor xc = data_of(x), h0c = data_of(h0), c0c = lstm ? data_of(c0) : Tensor();
  Tensor wic = data_of(w_ih), whc = data_of(w_hh), bic = data_of(b_ih), bhc = data_of(b_hh);

  LayerOut r;
  r.y = make_empty({d.T, d.B, d.H}, dt);
  r.hn = make_empty({d.B, d.H}, dt);
  if (lstm) r.cn = make_empty({d.B, d.H}, dt);
  Tensor gates = make_empty({d.T, d.B, G}, dt);
  Tensor extra = (lstm || mode == RnnMode::Gru) ? make_empty({d.T, d.B, d.H}, dt) : Tensor();

  auto args_for = [mode, d, reverse](auto tag, const TensorList& in) {
    using T = decltype(tag);
    cpu::RnnLayerArgs<T> a;
    a.mode = mode;
    a.d = d;
    a.reverse = reverse;
    a.x = in[0].data_ptr<T>();
    a.h0 = in[1].data_ptr<T>();
    a.c0 = ptr_or_null<T>(in[2]);
    a.w_ih = in[3].data_ptr<T>();
    a.w_hh = in[4].data_ptr<T>();
    a.b_ih = ptr_or_null<T>(in[5]);
    a.b_hh = ptr_or_null<T>(in[6]);
    return a;
  };
  const TensorList data{xc, h0c, c0c, wic, whc, bic, bhc};
  cpu::dispatch_floating(dt, mode_name(mode), [&](auto tag) {
    using T = decltype(tag);
    cpu::rnn_layer_forward<T>(args_for(tag, data), r.y.data_ptr<T>(), r.hn.data_ptr<T>(), mut_or_null<T>(r.cn),
                              gates.data_ptr<T>(), mut_or_null<T>(extra));
  });

  const TensorList inputs{x, h0, c0, w_ih, w_hh, b_ih, b_hh};
  if (!autograd::any_needs_grad(inputs)) return r;
  std::vector<bool> needs(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) needs[i] = inputs[i].defined() && inputs[i].requires_grad();
  TensorList outputs{r.y, r.hn};
  if (lstm) outputs.push_back(r.cn);
  const bool keep_gates = lstm || mode == RnnMode::Gru;
  TensorList saved{xc, h0c, c0c, wic, whc, bic, bhc, r.y, keep_gates ? gates : Tensor(), extra};
  const char* name = node_name(mode);
  autograd::record(name, inputs, outputs, saved, [=](const TensorList& g, const TensorList& s) -> TensorList {
    check_no_double_backward(mode_name(mode));
    Tensor gy = cpu::contiguous(cpu::convert(g[0], dt));
    Tensor ghn = cpu::contiguous(cpu::convert(g[1], dt));
    Tensor gcn = lstm ? cpu::contiguous(cpu::convert(g[2], dt)) : Tensor();
    const Shape shapes[] = {{d.T, d.B, d.I}, {d.B, d.H}, {d.B, d.H}, {G, d.I}, {G, d.H}, {G}, {G}};
    TensorList grads(7);
    for (size_t i = 0; i < 7; ++i)
      if (needs[i]) grads[i] = make_empty(shapes[i], dt);
    cpu::dispatch_floating(dt, mode_name(mode), [&](auto tag) {
      using T = decltype(tag);
      cpu::RnnLayerGrads<T> gr{mut_or_null<T>(grads[0]), mut_or_null<T>(grads[1]), mut_or_null<T>(grads[2]),
                               mut_or_null<T>(grads[3]), mut_or_null<T>(grads[4]), mut_or_null<T>(grads[5]),
                               mut_or_null<T>(grads[6])};
      cpu::rnn_layer_backward<T>(args_for(tag, s), s[7].data_ptr<T>(), ptr_or_null<T>(s[8]), ptr_or_null<T>(s[9]),
                                 gy.data_ptr<T>(), ghn.data_ptr<T>(), ptr_or_null<T>(gcn), gr);
    });
    return grads;
  });
  return r;
}

void check_same_dtype(const char* op, const Tensor& x, const Tensor& t, const std::string& what) {
  if (!t.defined()) return;
  EMBER_CHECK(t.dtype() == x.dtype(), op, ": ", what, " has dtype ", dtype_name(t.dtype()), " but the input has ",
              dtype_name(x.dtype()), "; convert one of them (e.g. module.to(", dtype_name(x.dtype()), "))");
}

// The stacked, possibly bidirectional, sequence form shared by lstm/gru/rnn_*.
// Returns (output, h_n, c_n) (c_n undefined except for LSTM).
std::tuple<Tensor, Tensor, Tensor> run_stack(RnnMode mode, const Tensor& x, const Tensor& hx, const Tensor& cx,
                                             const TensorList& params, bool has_biases, int64_t num_layers,
                                             double dropout, bool train, bool bidirectional, bool batch_first) {
  const char* op = mode_name(mode);
  const bool lstm = mode == RnnMode::Lstm;
  EMBER_CHECK(x.defined(), op, ": the input is undefined");
  EMBER_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", dtype_name(x.dtype()));
  EMBER_CHECK(x.dim() == 2 || x.dim() == 3, op, ": Expected input to be 2D or 3D, got ", x.dim(),
              "D input instead (input of size ", shape_str(x.sizes()), ")");
  EMBER_CHECK(num_layers >= 1, op, ": num_layers must be at least 1, got ", num_layers);
  EMBER_CHECK(dropout >= 0.0 && dropout <= 1.0, op, ": dropout should be a number in range [0, 1], got ", dropout);
  const int64_t D = bidirectional ? 2 : 1, per = has_biases ? 4 : 2, G = cpu::rnn_gate_count(mode);
  EMBER_CHECK(static_cast<int64_t>(params.size()) == num_layers * D * per, op, ": expected ", num_layers * D * per,
              " weight tensors (num_layers=", num_layers, ", bidirectional=", bidirectional ? "True" : "False",
              ", bias=", has_biases ? "True" : "False", "), got ", params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    EMBER_CHECK(params[i].defined(), op, ": weight tensor ", i, " is undefined");
    check_same_dtype(op, x, params[i], "weight tensor " + std::to_string(i));
  }
  EMBER_CHECK(params[1].dim() == 2, op, ": weight_hh_l0 must be 2-D (", G, "*hidden_size, hidden_size), got ",
              shape_str(params[1].sizes()));
  const int64_t H = params[1].size(1);

  const bool batched = x.dim() == 3;
  Tensor input = batched ? (batch_first ? x.transpose(0, 1) : x) : x.unsqueeze(1);
  input = input.contiguous();  // (T,B,I)
  const int64_t T = input.size(0), B = input.size(1);
  EMBER_CHECK(T > 0, op, ": expected sequence length to be larger than 0, got input of size ", shape_str(x.sizes()));

  const Shape state_shape = batched ? Shape{num_layers * D, B, H} : Shape{num_layers * D, H};
  auto check_state = [&](const Tensor& s, const char* what) -> Tensor {
    if (!s.defined()) return s;
    check_same_dtype(op, x, s, what);
    EMBER_CHECK(s.sizes() == state_shape, op, ": Expected ", what, " size ", shape_str(state_shape), ", got ",
                shape_str(s.sizes()));
    return batched ? s : s.unsqueeze(1);
  };
  Tensor h_all = check_state(hx, "hidden"), c_all = lstm ? check_state(cx, "cell state") : Tensor();
  Tensor zero_state = zeros({B, H}, x.dtype());

  TensorList hns, cns;
  for (int64_t l = 0; l < num_layers; ++l) {
    const int64_t in_size = l == 0 ? input.size(2) : D * H;
    if (l == 0 && params[0].dim() == 2)
      EMBER_CHECK(params[0].size(1) == in_size, op, ": input.size(-1) must be equal to input_size. Expected ",
                  params[0].size(1), ", got ", in_size);
    TensorList outs;
    for (int64_t dir = 0; dir < D; ++dir) {
      const int64_t k = (l * D + dir) * per;
      const std::string suffix = "_l" + std::to_string(l) + (dir ? "_reverse" : "");
      const Tensor& w_ih = params[k];
      const Tensor& w_hh = params[k + 1];
      Tensor b_ih = has_biases ? params[k + 2] : Tensor(), b_hh = has_biases ? params[k + 3] : Tensor();
      EMBER_CHECK(w_ih.sizes() == Shape({G * H, in_size}), op, ": weight_ih", suffix, " should have shape ",
                  shape_str({G * H, in_size}), ", got ", shape_str(w_ih.sizes()));
      EMBER_CHECK(w_hh.sizes() == Shape({G * H, H}), op, ": weight_hh", suffix, " should have shape ",
                  shape_str({G * H, H}), ", got ", shape_str(w_hh.sizes()));
      for (const Tensor* b : {&b_ih, &b_hh})
        EMBER_CHECK(!b->defined() || b->sizes() == Shape({G * H}), op, ": bias", b == &b_ih ? "_ih" : "_hh", suffix,
                    " should have shape ", shape_str({G * H}), ", got ", shape_str(b->sizes()));
      Tensor h0 = h_all.defined() ? h_all.select(0, l * D + dir) : zero_state;
      Tensor c0 = lstm ? (c_all.defined() ? c_all.select(0, l * D + dir) : zero_state) : Tensor();
      LayerOut r = run_layer(mode, input, h0, c0, w_ih, w_hh, b_ih, b_hh, dir == 1);
      outs.push_back(r.y);
      hns.push_back(r.hn);
      if (lstm) cns.push_back(r.cn);
    }
    input = D == 2 ? cat(outs, 2) : outs[0];
    if (dropout > 0.0 && train && l + 1 < num_layers) input = functional::dropout(input, dropout, true);
  }
  Tensor out = batched ? (batch_first ? input.transpose(0, 1) : input) : input.squeeze(1);
  Tensor hn = stack(hns, 0), cn = lstm ? stack(cns, 0) : Tensor();
  if (!batched) {
    hn = hn.squeeze(1);
    if (lstm) cn = cn.squeeze(1);
  }
  return {out, hn, cn};
}

// One step of a cell: x:(B,I) or (I), h, c:(B,H) or (H) (undefined: zeros).
LayerOut run_cell(RnnMode mode, const Tensor& x, const Tensor& h, const Tensor& c, const Tensor& w_ih,
                  const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  std::string op = std::string(mode_name(mode)) + "_cell";
  const bool lstm = mode == RnnMode::Lstm;
  const int64_t G = cpu::rnn_gate_count(mode);
  EMBER_CHECK(x.defined() && w_ih.defined() && w_hh.defined(), op, ": input and weights must be defined");
  EMBER_CHECK(x.is_floating_point(), op, ": expected a floating-point input, got ", dtype_name(x.dtype()));
  EMBER_CHECK(x.dim() == 1 || x.dim() == 2, op, ": Expected input to be 1D or 2D, got ", x.dim(), "D instead");
  for (const Tensor* t : {&w_ih, &w_hh, &b_ih, &b_hh, &h, &c}) check_same_dtype(op.c_str(), x, *t, "an argument");
  EMBER_CHECK(w_hh.dim() == 2 && w_hh.size(0) == G * w_hh.size(1), op, ": weight_hh should have shape (", G,
              "*hidden_size, hidden_size), got ", shape_str(w_hh.sizes()));
  const int64_t H = w_hh.size(1);
  const bool batched = x.dim() == 2;
  EMBER_CHECK(w_ih.dim() == 2 && w_ih.size(0) == G * H, op, ": weight_ih should have shape (", G * H,
              ", input_size), got ", shape_str(w_ih.sizes()));
  EMBER_CHECK(x.size(-1) == w_ih.size(1), op, ": input has inconsistent input_size: got ", x.size(-1), " expected ",
              w_ih.size(1));
  for (const Tensor* b : {&b_ih, &b_hh})
    EMBER_CHECK(!b->defined() || b->sizes() == Shape({G * H}), op, ": bias should have shape ", shape_str({G * H}),
                ", got ", shape_str(b->sizes()));
  const int64_t B = batched ? x.size(0) : 1;
  const Shape state_shape = batched ? Shape{B, H} : Shape{H};
  auto state = [&](const Tensor& s, const char* what) -> Tensor {
    if (!s.defined()) return zeros({B, H}, x.dtype());
    EMBER_CHECK(s.sizes() == state_shape, op, ": Expected ", what, " of size ", shape_str(state_shape), ", got ",
                shape_str(s.sizes()));
    return batched ? s : s.unsqueeze(0);
  };
  Tensor xb = (batched ? x : x.unsqueeze(0)).unsqueeze(0);  // (1,B,I)
  LayerOut r = run_layer(mode, xb, state(h, "hidden state"), lstm ? state(c, "cell state") : Tensor(), w_ih, w_hh, b_ih,
                         b_hh, false);
  if (!batched) {
    r.hn = r.hn.squeeze(0);
    if (lstm) r.cn = r.cn.squeeze(0);
  }
  return r;
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& x, const TensorList& hx, const TensorList& params,
                                        bool has_biases, int64_t num_layers, double dropout, bool train,
                                        bool bidirectional, bool batch_first) {
  EMBER_CHECK(hx.empty() || hx.size() == 2, "lstm: hx must be empty or (h0, c0), got ", hx.size(), " tensors");
  EMBER_CHECK(hx.empty() || hx[0].defined() == hx[1].defined(), "lstm: give both h0 and c0, or neither");
  return run_stack(RnnMode::Lstm, x, hx.empty() ? Tensor() : hx[0], hx.empty() ? Tensor() : hx[1], params, has_biases,
                   num_layers, dropout, train, bidirectional, batch_first);
}

#define EMBER_RNN_SEQUENCE_FN(fn, mode)                                                                               \
  std::tuple<Tensor, Tensor> fn(const Tensor& x, const Tensor& hx, const TensorList& params, bool has_biases,         \
                                int64_t num_layers, double dropout, bool train, bool bidirectional,                   \
                                bool batch_first) {                                                                   \
    auto [out, hn, cn] =                                                                                              \
        run_stack(mode, x, hx, Tensor(), params, has_biases, num_layers, dropout, train, bidirectional, batch_first); \
    return {out, hn};                                                                                                 \
  }
EMBER_RNN_SEQUENCE_FN(gru, RnnMode::Gru)
EMBER_RNN_SEQUENCE_FN(rnn_tanh, RnnMode::Tanh)
EMBER_RNN_SEQUENCE_FN(rnn_relu, RnnMode::Relu)
#undef EMBER_RNN_SEQUENCE_FN

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c, const Tensor& w_ih,
                                     const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  LayerOut r = run_cell(RnnMode::Lstm, x, h, c, w_ih, w_hh, b_ih, b_hh);
  return {r.hn, r.cn};
}
Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  return run_cell(RnnMode::Gru, x, h, Tensor(), w_ih, w_hh, b_ih, b_hh).hn;
}
Tensor rnn_tanh_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  return run_cell(RnnMode::Tanh, x, h, Tensor(), w_ih, w_hh, b_ih, b_hh).hn;
}
Tensor rnn_relu_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  return run_cell(RnnMode::Relu, x, h, Tensor(), w_ih, w_hh, b_ih, b_hh).hn;
}

}  // namespace ember::nn::functional

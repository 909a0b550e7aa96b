// RNN, LSTM, GRU and their cells: PyTorch's numbers (tests/reference/rnn_refs.py), float64
// finite-difference gradients over several steps, bidirectional and multi-layer, state_dict
// keys, printing, dropout between layers, padded batches and error messages.
#include <ember/ember.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "reference/det.h"
#include "support/testing.h"

using namespace ember;
namespace F = ember::nn::functional;
using ember::testing::det;
using ember::testing::gradcheck;

namespace {

#include "reference/rnn_refs.inc"

// rnn_refs.py's fill(): parameter i gets det(shape, 10 + i, 0.8).
void fill(nn::Module& m) {
  NoGradGuard g;
  int i = 0;
  for (auto& [name, p] : m.named_parameters()) p.copy_(det(p.sizes(), 10 + i++, 0.8));
}

Tensor leaf(const Tensor& t, DType dt) { return t.to(dt).detach().requires_grad_(); }

// Back-propagates sum_k(out_k * det(out_k.shape, seed + k)), as rnn_refs.py does.
void backprop(const TensorList& outs, int seed) {
  Tensor loss;
  for (size_t k = 0; k < outs.size(); ++k) {
    Tensor l = (outs[k] * det(outs[k].sizes(), seed + static_cast<int>(k))).sum();
    loss = loss.defined() ? loss + l : l;
  }
  loss.backward();
}

double tol_for(DType dt) { return dt == kFloat64 ? 1e-9 : 2e-5; }

#define EXPECT_REF(t, ref, dt) EXPECT_TENSOR_CLOSE((t), tensor((ref), (t).sizes()), tol_for(dt), tol_for(dt))

std::vector<std::string> keys(const nn::StateDict& sd) {
  std::vector<std::string> k;
  for (auto& [n, t] : sd) k.push_back(n);
  return k;
}

// The outputs of a sequence layer flattened into one tensor (for gradcheck).
Tensor joined(const TensorList& ts) {
  TensorList flat;
  for (auto& t : ts) flat.push_back(t.flatten());
  return cat(flat, 0);
}

TensorList with_weights(TensorList inputs, const nn::RNNBase& m) {
  for (auto& w : m.flat_weights()) inputs.push_back(w);
  return inputs;
}

}  // namespace

// ---- PyTorch's numbers ---------------------------------------------------------------------

TEST(GRU, MatchesPyTorchTwoLayersBidirectionalBatchFirst) {
  for (DType dt : {kFloat64, kFloat32}) {
    auto gru =
        std::make_shared<nn::GRU>(3, 4, nn::RNNOptions{.num_layers = 2, .batch_first = true, .bidirectional = true});
    gru->to(dt);
    fill(*gru);  // after to(): float64 weights must not pass through float32
    Tensor x = leaf(det({2, 3, 3}, 1), dt), h0 = leaf(det({4, 2, 4}, 2), dt);
    auto [out, hn] = gru->forward(x, h0);
    ASSERT_EQ(out.sizes(), Shape({2, 3, 8}));
    ASSERT_EQ(hn.sizes(), Shape({4, 2, 4}));
    EXPECT_EQ(out.dtype(), dt);
    backprop({out, hn}, 100);
    EXPECT_REF(out, gru_out0, dt);
    EXPECT_REF(hn, gru_out1, dt);
    EXPECT_REF(x.grad(), gru_grad_x, dt);
    EXPECT_REF(h0.grad(), gru_grad_state0, dt);
    EXPECT_REF(gru->weight("weight_hh_l0").grad(), gru_grad_weight_hh_l0, dt);
    EXPECT_REF(gru->weight("bias_hh_l1_reverse").grad(), gru_grad_bias_hh_l1_reverse, dt);
  }
}

TEST(LSTM, MatchesPyTorchTwoLayersBidirectionalWithState) {
  for (DType dt : {kFloat64, kFloat32}) {
    auto lstm = std::make_shared<nn::LSTM>(3, 4, 2, true, false, 0.0, true);
    lstm->to(dt);
    fill(*lstm);  // after to(): float64 weights must not pass through float32
    Tensor x = leaf(det({3, 2, 3}, 3), dt), h0 = leaf(det({4, 2, 4}, 4), dt), c0 = leaf(det({4, 2, 4}, 5), dt);
    auto [out, hn, cn] = lstm->forward(x, {h0, c0});
    ASSERT_EQ(out.sizes(), Shape({3, 2, 8}));
    backprop({out, hn, cn}, 200);
    EXPECT_REF(out, lstm_out0, dt);
    EXPECT_REF(hn, lstm_out1, dt);
    EXPECT_REF(cn, lstm_out2, dt);
    EXPECT_REF(x.grad(), lstm_grad_x, dt);
    EXPECT_REF(h0.grad(), lstm_grad_state0, dt);
    EXPECT_REF(c0.grad(), lstm_grad_state1, dt);
    EXPECT_REF(lstm->weight("weight_hh_l0").grad(), lstm_grad_weight_hh_l0, dt);
    EXPECT_REF(lstm->weight("bias_hh_l1_reverse").grad(), lstm_grad_bias_hh_l1_reverse, dt);
  }
}

TEST(RNN, MatchesPyTorchReluWithoutBias) {
  for (DType dt : {kFloat64, kFloat32}) {
    auto rnn = std::make_shared<nn::RNN>(3, 5, nn::RNNOptions{.nonlinearity = "relu", .bias = false});
    EXPECT_EQ(rnn->parameters().size(), 2u);
    rnn->to(dt);
    fill(*rnn);  // after to(): float64 weights must not pass through float32
    Tensor x = leaf(det({4, 2, 3}, 6, 2.0), dt);
    auto [out, hn] = rnn->forward(x);
    backprop({out, hn}, 300);
    EXPECT_REF(out, rnn_relu_out0, dt);
    EXPECT_REF(hn, rnn_relu_out1, dt);
    EXPECT_REF(x.grad(), rnn_relu_grad_x, dt);
    EXPECT_REF(rnn->weight("weight_hh_l0").grad(), rnn_relu_grad_weight_hh_l0, dt);
  }
}

TEST(RNN, MatchesPyTorchTanhTwoLayersUnbatched) {
  for (DType dt : {kFloat64, kFloat32}) {
    auto rnn = std::make_shared<nn::RNN>(3, 4, 2);
    rnn->to(dt);
    fill(*rnn);  // after to(): float64 weights must not pass through float32
    Tensor x = leaf(det({3, 3}, 7), dt), h0 = leaf(det({2, 4}, 8), dt);
    auto [out, hn] = rnn->forward(x, h0);
    ASSERT_EQ(out.sizes(), Shape({3, 4}));
    ASSERT_EQ(hn.sizes(), Shape({2, 4}));
    backprop({out, hn}, 400);
    EXPECT_REF(out, rnn_tanh_out0, dt);
    EXPECT_REF(hn, rnn_tanh_out1, dt);
    EXPECT_REF(x.grad(), rnn_tanh_grad_x, dt);
    EXPECT_REF(h0.grad(), rnn_tanh_grad_state0, dt);
    EXPECT_REF(rnn->weight("weight_hh_l0").grad(), rnn_tanh_grad_weight_hh_l0, dt);
    EXPECT_REF(rnn->weight("bias_hh_l1").grad(), rnn_tanh_grad_bias_hh_l1, dt);
  }
}

TEST(LSTMCell, MatchesPyTorch) {
  for (DType dt : {kFloat64, kFloat32}) {
    auto cell = std::make_shared<nn::LSTMCell>(3, 4);
    cell->to(dt);
    fill(*cell);  // after to(): float64 weights must not pass through float32
    Tensor x = leaf(det({2, 3}, 9), dt), h = leaf(det({2, 4}, 10), dt), c = leaf(det({2, 4}, 11), dt);
    auto [h1, c1] = cell->forward(x, {h, c});
    backprop({h1, c1}, 500);
    EXPECT_REF(h1, lstm_cell_out0, dt);
    EXPECT_REF(c1, lstm_cell_out1, dt);
    EXPECT_REF(x.grad(), lstm_cell_grad_x, dt);
    EXPECT_REF(h.grad(), lstm_cell_grad_state0, dt);
    EXPECT_REF(c.grad(), lstm_cell_grad_state1, dt);
    EXPECT_REF(cell->weight_hh.grad(), lstm_cell_grad_weight_hh, dt);
    EXPECT_REF(cell->bias_hh.grad(), lstm_cell_grad_bias_hh, dt);
  }
}

TEST(GRUCell, MatchesPyTorch) {
  for (DType dt : {kFloat64, kFloat32}) {
    auto cell = std::make_shared<nn::GRUCell>(3, 4);
    cell->to(dt);
    fill(*cell);  // after to(): float64 weights must not pass through float32
    Tensor x = leaf(det({2, 3}, 12), dt), h = leaf(det({2, 4}, 13), dt);
    Tensor h1 = cell->forward(x, h);
    backprop({h1}, 600);
    EXPECT_REF(h1, gru_cell_out0, dt);
    EXPECT_REF(x.grad(), gru_cell_grad_x, dt);
    EXPECT_REF(h.grad(), gru_cell_grad_state0, dt);
    EXPECT_REF(cell->weight_hh.grad(), gru_cell_grad_weight_hh, dt);
    EXPECT_REF(cell->bias_hh.grad(), gru_cell_grad_bias_hh, dt);
  }
}

TEST(RNNCell, MatchesPyTorchRelu) {
  for (DType dt : {kFloat64, kFloat32}) {
    auto cell = std::make_shared<nn::RNNCell>(3, 4, true, "relu");
    cell->to(dt);
    fill(*cell);  // after to(): float64 weights must not pass through float32
    Tensor x = leaf(det({2, 3}, 14, 2.0), dt), h = leaf(det({2, 4}, 15), dt);
    Tensor h1 = cell->forward(x, h);
    backprop({h1}, 700);
    EXPECT_REF(h1, rnn_cell_out0, dt);
    EXPECT_REF(x.grad(), rnn_cell_grad_x, dt);
    EXPECT_REF(h.grad(), rnn_cell_grad_state0, dt);
    EXPECT_REF(cell->weight_hh.grad(), rnn_cell_grad_weight_hh, dt);
    EXPECT_REF(cell->bias_hh.grad(), rnn_cell_grad_bias_hh, dt);
  }
}

// ---- float64 finite differences ------------------------------------------------------------

TEST(LSTM, GradcheckTwoLayersBidirectionalFiveSteps) {
  auto lstm = std::make_shared<nn::LSTM>(3, 4, nn::RNNOptions{.num_layers = 2, .bidirectional = true});
  lstm->to(kFloat64);
  Tensor x = leaf(det({5, 2, 3}, 1), kFloat64), h0 = leaf(det({4, 2, 4}, 2), kFloat64),
         c0 = leaf(det({4, 2, 4}, 3), kFloat64);
  EXPECT_TRUE(gradcheck(
      [](const TensorList& in) {
        TensorList w(in.begin() + 3, in.end());
        auto [o, h, c] = F::lstm(in[0], {in[1], in[2]}, w, true, 2, 0.0, false, true, false);
        return joined({o, h, c});
      },
      with_weights({x, h0, c0}, *lstm)));
}

TEST(LSTM, GradcheckBatchFirstZeroState) {
  auto lstm = std::make_shared<nn::LSTM>(2, 3, nn::RNNOptions{.batch_first = true});
  lstm->to(kFloat64);
  Tensor x = leaf(det({2, 6, 2}, 4, 3.0), kFloat64);
  EXPECT_TRUE(gradcheck(
      [](const TensorList& in) {
        TensorList w(in.begin() + 1, in.end());
        auto [o, h, c] = F::lstm(in[0], {}, w, true, 1, 0.0, false, false, true);
        return joined({o, h, c});
      },
      with_weights({x}, *lstm)));
}

TEST(GRU, GradcheckTwoLayersBidirectional) {
  auto gru = std::make_shared<nn::GRU>(3, 4, nn::RNNOptions{.num_layers = 2, .bidirectional = true});
  gru->to(kFloat64);
  Tensor x = leaf(det({4, 2, 3}, 5), kFloat64), h0 = leaf(det({4, 2, 4}, 6), kFloat64);
  EXPECT_TRUE(gradcheck(
      [](const TensorList& in) {
        TensorList w(in.begin() + 2, in.end());
        auto [o, h] = F::gru(in[0], in[1], w, true, 2, 0.0, false, true, false);
        return joined({o, h});
      },
      with_weights({x, h0}, *gru)));
}

TEST(GRU, GradcheckUnbatchedNoBias) {
  auto gru = std::make_shared<nn::GRU>(3, 2, 1, /*bias=*/false);
  gru->to(kFloat64);
  Tensor x = leaf(det({5, 3}, 7, 2.0), kFloat64);
  EXPECT_TRUE(gradcheck(
      [](const TensorList& in) {
        TensorList w(in.begin() + 1, in.end());
        auto [o, h] = F::gru(in[0], Tensor(), w, false, 1, 0.0, false, false, false);
        return joined({o, h});
      },
      with_weights({x}, *gru)));
}

TEST(RNN, GradcheckTanhAndReluStacked) {
  for (std::string nl : {"tanh", "relu"}) {
    auto rnn =
        std::make_shared<nn::RNN>(3, 4, nn::RNNOptions{.num_layers = 2, .nonlinearity = nl, .bidirectional = true});
    rnn->to(kFloat64);
    Tensor x = leaf(det({4, 3, 3}, 8, 2.0), kFloat64), h0 = leaf(det({4, 3, 4}, 9), kFloat64);
    auto fn = nl == "tanh" ? &F::rnn_tanh : &F::rnn_relu;
    EXPECT_TRUE(gradcheck(
        [fn](const TensorList& in) {
          TensorList w(in.begin() + 2, in.end());
          auto [o, h] = fn(in[0], in[1], w, true, 2, 0.0, false, true, false);
          return joined({o, h});
        },
        with_weights({x, h0}, *rnn)))
        << nl;
  }
}

TEST(Cells, Gradcheck) {
  Tensor x = leaf(det({3, 2}, 1, 2.0), kFloat64), h = leaf(det({3, 4}, 2), kFloat64),
         c = leaf(det({3, 4}, 3), kFloat64);
  auto params = [](int64_t gates, int seed) {
    return TensorList{leaf(det({gates * 4, 2}, seed, 1.6), kFloat64),
                      leaf(det({gates * 4, 4}, seed + 1, 1.6), kFloat64), leaf(det({gates * 4}, seed + 2), kFloat64),
                      leaf(det({gates * 4}, seed + 3), kFloat64)};
  };
  TensorList p4 = params(4, 10), p3 = params(3, 20), p1 = params(1, 30);
  EXPECT_TRUE(gradcheck(
      [](const TensorList& in) {
        auto [h1, c1] = F::lstm_cell(in[0], in[1], in[2], in[3], in[4], in[5], in[6]);
        return joined({h1, c1});
      },
      {x, h, c, p4[0], p4[1], p4[2], p4[3]}));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::gru_cell(in[0], in[1], in[2], in[3], in[4], in[5]); },
                        {x, h, p3[0], p3[1], p3[2], p3[3]}));
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::rnn_tanh_cell(in[0], in[1], in[2], in[3], in[4], in[5]); },
                        {x, h, p1[0], p1[1], p1[2], p1[3]}));
  // Unbatched, no bias, zero state.
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return F::gru_cell(in[0], Tensor(), in[1], in[2]); },
                        {leaf(det({2}, 4), kFloat64), p3[0], p3[1]}));
}

// ---- modules -------------------------------------------------------------------------------

TEST(RNNModules, StateDictKeysArePyTorchs) {
  auto lstm = std::make_shared<nn::LSTM>(3, 4, nn::RNNOptions{.num_layers = 2, .bidirectional = true});
  EXPECT_EQ(
      keys(lstm->state_dict()),
      (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l0_reverse",
                                "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_ih_l1",
                                "weight_hh_l1", "bias_ih_l1", "bias_hh_l1", "weight_ih_l1_reverse",
                                "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"}));
  EXPECT_EQ(lstm->weight("weight_ih_l1").sizes(), Shape({16, 8}));
  EXPECT_EQ(lstm->weight("weight_hh_l0_reverse").sizes(), Shape({16, 4}));
  auto gru = std::make_shared<nn::GRU>(5, 6, 1, /*bias=*/false);
  EXPECT_EQ(keys(gru->state_dict()), (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"}));
  EXPECT_EQ(gru->weight("weight_ih_l0").sizes(), Shape({18, 5}));
  auto cell = std::make_shared<nn::LSTMCell>(5, 6);
  EXPECT_EQ(keys(cell->state_dict()), (std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
  EXPECT_EQ(cell->weight_ih.sizes(), Shape({24, 5}));
  auto rcell = std::make_shared<nn::RNNCell>(5, 6, false);
  EXPECT_EQ(keys(rcell->state_dict()), (std::vector<std::string>{"weight_ih", "weight_hh"}));

  // Inside a model the keys are prefixed as in PyTorch: "lstm.weight_ih_l0".
  struct Net : nn::Module {
    std::shared_ptr<nn::LSTM> lstm;
    Net() : nn::Module("Net") { lstm = register_module("lstm", std::make_shared<nn::LSTM>(2, 3)); }
  };
  auto net = std::make_shared<Net>();
  EXPECT_EQ(keys(net->state_dict())[0], "lstm.weight_ih_l0");
}

TEST(RNNModules, LoadStateDictChangesTheForward) {
  auto a = std::make_shared<nn::LSTM>(3, 4), b = std::make_shared<nn::LSTM>(3, 4);
  Tensor x = randn({5, 2, 3});
  EXPECT_FALSE(allclose(a->forward(x).output, b->forward(x).output));
  b->load_state_dict(a->state_dict());
  EXPECT_TENSOR_CLOSE(a->forward(x).output, b->forward(x).output, 0.0, 0.0);
  nn::StateDict partial = a->state_dict();
  partial.pop_back();
  EXPECT_ERROR_HAS(b->load_state_dict(partial), "bias_hh_l0");
}

TEST(RNNModules, InitIsUniformOverOneOverSqrtHidden) {
  manual_seed(0);
  auto gru = std::make_shared<nn::GRU>(10, 16, 2);
  const double k = 1.0 / 4.0;
  for (auto& p : gru->parameters()) {
    Tensor a = p.detach().abs().to(kFloat64).contiguous();
    double largest = 0;
    for (int64_t i = 0; i < a.numel(); ++i) largest = std::max(largest, a.data_ptr<double>()[i]);
    EXPECT_LE(largest, k);
    EXPECT_GT(largest, 0.8 * k);  // spread over the range, not a constant
  }
}

TEST(RNNModules, Printing) {
  EXPECT_EQ(nn::LSTM(3, 4).repr(), "LSTM(3, 4)");
  EXPECT_EQ(nn::RNN(3, 4,
                    nn::RNNOptions{.num_layers = 2,
                                   .nonlinearity = "relu",
                                   .bias = false,
                                   .batch_first = true,
                                   .dropout = 0.25,
                                   .bidirectional = true})
                .repr(),
            "RNN(3, 4, num_layers=2, bias=False, batch_first=True, dropout=0.25, bidirectional=True)");
  EXPECT_EQ(nn::GRU(3, 4, 1, true, false, 0.5).repr(), "GRU(3, 4, dropout=0.5)");
  EXPECT_EQ(nn::RNNCell(3, 4, false, "relu").repr(), "RNNCell(3, 4, bias=False, nonlinearity=relu)");
  EXPECT_EQ(nn::GRUCell(3, 4).repr(), "GRUCell(3, 4)");
  EXPECT_EQ(nn::LSTMCell(3, 4).repr(), "LSTMCell(3, 4)");
}

TEST(RNNModules, DropoutBetweenLayersOnlyWhenTraining) {
  manual_seed(1);
  auto lstm = std::make_shared<nn::LSTM>(3, 8, nn::RNNOptions{.num_layers = 2, .dropout = 0.5});
  auto plain = std::make_shared<nn::LSTM>(3, 8, 2);
  plain->load_state_dict(lstm->state_dict());
  Tensor x = randn({4, 2, 3});
  Tensor t1 = lstm->forward(x).output, t2 = lstm->forward(x).output;
  EXPECT_FALSE(allclose(t1, t2));  // a fresh mask each call
  EXPECT_FALSE(allclose(t1, plain->forward(x).output));
  lstm->eval();
  EXPECT_TENSOR_CLOSE(lstm->forward(x).output, plain->forward(x).output, 0.0, 0.0);
  // Dropout never touches the last layer: with one layer it changes nothing.
  auto one = std::make_shared<nn::GRU>(3, 8, 1, true, false, 0.9);
  EXPECT_TRUE(allclose(one->forward(x).output, one->forward(x).output));
}

// Padded batches (no PackedSequence): with a unidirectional layer the outputs at real positions
// equal those of the unpadded sequence, and a masked loss ignores the rest.
TEST(RNNModules, PaddedBatchMatchesUnpaddedSequences) {
  manual_seed(2);
  auto lstm = std::make_shared<nn::LSTM>(3, 4, nn::RNNOptions{.batch_first = true});
  Tensor a = randn({1, 5, 3}), b = randn({1, 3, 3});
  Tensor batch = cat({a, cat({b, zeros({1, 2, 3})}, 1)}, 0);  // (2,5,3), b padded with zeros
  Tensor out = lstm->forward(batch).output;
  EXPECT_TENSOR_CLOSE(out.narrow(0, 0, 1), lstm->forward(a).output, 1e-6, 1e-5);
  EXPECT_TENSOR_CLOSE(out.narrow(0, 1, 1).narrow(1, 0, 3), lstm->forward(b).output, 1e-6, 1e-5);
}

TEST(RNNModules, CellsStepThroughASequenceLikeTheLayer) {
  auto lstm = std::make_shared<nn::LSTM>(3, 4);
  auto cell = std::make_shared<nn::LSTMCell>(3, 4);
  {
    NoGradGuard g;
    cell->weight_ih.copy_(lstm->weight("weight_ih_l0"));
    cell->weight_hh.copy_(lstm->weight("weight_hh_l0"));
    cell->bias_ih.copy_(lstm->weight("bias_ih_l0"));
    cell->bias_hh.copy_(lstm->weight("bias_hh_l0"));
  }
  Tensor x = randn({6, 2, 3});
  auto r = lstm->forward(x);
  nn::LSTMState s;
  for (int64_t t = 0; t < 6; ++t) {
    s = cell->forward(x[t], s);
    EXPECT_TENSOR_CLOSE(s.h, r.output[t], 1e-6, 1e-5);
  }
  EXPECT_TENSOR_CLOSE(s.c, r.c_n[0], 1e-6, 1e-5);
}

TEST(RNNModules, TrainsWithTheGraphOfAFewNodes) {
  // One node per layer-direction: the output of a 1-layer LSTM hangs directly off LstmBackward0.
  auto lstm = std::make_shared<nn::LSTM>(3, 4);
  auto r = lstm->forward(randn({7, 2, 3}));
  ASSERT_TRUE(r.output.grad_fn());
  EXPECT_EQ(r.output.grad_fn()->name(), "LstmBackward0");
  auto g = std::make_shared<nn::GRU>(3, 4);
  EXPECT_EQ(g->forward(randn({7, 2, 3})).output.grad_fn()->name(), "GruBackward0");
}

// ---- errors ----------------------------------------------------------------------------------

TEST(RNNErrors, ClearMessages) {
  auto lstm = std::make_shared<nn::LSTM>(3, 4, 2);
  EXPECT_ERROR_HAS(lstm->forward(randn({5, 2, 7})), "input.size(-1) must be equal to input_size. Expected 3, got 7");
  EXPECT_ERROR_HAS(lstm->forward(randn({5, 2, 3, 1})), "Expected input to be 2D or 3D, got 4D");
  EXPECT_ERROR_HAS(lstm->forward(randn({5, 2, 3}), {randn({1, 2, 4}), randn({2, 2, 4})}),
                   "Expected hidden size (2,2,4), got (1,2,4)");
  EXPECT_ERROR_HAS(lstm->forward(randn({5, 2, 3}), {randn({2, 2, 4}), Tensor()}), "give both h0 and c0");
  EXPECT_ERROR_HAS(lstm->forward(randn({5, 2, 3}, kFloat64)), "dtype");
  EXPECT_ERROR_HAS(lstm->forward(randn({0, 2, 3})), "sequence length");
  EXPECT_ERROR_HAS(nn::LSTM(3, 4, nn::RNNOptions{.dropout = 1.5}), "dropout should be a number in range [0, 1]");
  EXPECT_ERROR_HAS(nn::RNN(3, 4, nn::RNNOptions{.nonlinearity = "sigmoid"}), "Unknown nonlinearity");
  EXPECT_ERROR_HAS(nn::GRU(3, 0), "hidden_size must be greater than zero");
  EXPECT_ERROR_HAS(lstm->weight("weight_ih_l2"), "no parameter named 'weight_ih_l2'");
  auto cell = std::make_shared<nn::GRUCell>(3, 4);
  EXPECT_ERROR_HAS(cell->forward(randn({2, 5})), "input has inconsistent input_size: got 5 expected 3");
  EXPECT_ERROR_HAS(cell->forward(randn({2, 3}), randn({3, 4})), "Expected hidden state of size (2,4), got (3,4)");
  EXPECT_ERROR_HAS(F::lstm(randn({5, 2, 3}), {}, lstm->flat_weights(), true, 1, 0.0, false, false, false),
                   "expected 4 weight tensors");
}

TEST(RNNErrors, DoubleBackwardIsRejected) {
  auto gru = std::make_shared<nn::GRU>(3, 4);
  Tensor x = randn({3, 2, 3}, requires_grad());
  Tensor loss = gru->forward(x).output.pow(2).sum();
  EXPECT_ERROR_HAS(loss.backward(Tensor(), true, /*create_graph=*/true), "double backward through gru");
}

#pragma once
// Internal: CPU kernels of the recurrent layers (RNN tanh/relu, LSTM, GRU), one layer and one
// direction at a time, in float and double. Everything is time-major and contiguous:
//   x:(T,B,I)  h0,c0:(B,H)  w_ih:(G*H,I)  w_hh:(G*H,H)  b_ih,b_hh:(G*H)  y:(T,B,H)
// with G gates per cell in PyTorch's order (LSTM 4: i,f,g,o; GRU 3: r,z,n; RNN 1).
//
// Forward: one matmul projects the inputs of all T steps (x W_ih^T + b), then each step does
// one (B,H)x(H,G*H) matmul and one fused pass over the gates. Backward walks the steps in
// reverse with one fused pass and one matmul per step, keeping every step's gate gradient,
// so that dW_ih, dW_hh, db and dx are each one matmul (or column sum) over all steps.
#include <cstdint>

namespace ember::cpu {

enum class RnnMode { Tanh, Relu, Lstm, Gru };

constexpr int64_t rnn_gate_count(RnnMode m) { return m == RnnMode::Lstm ? 4 : m == RnnMode::Gru ? 3 : 1; }

struct RnnDims {
  int64_t T = 0, B = 0, I = 0, H = 0;
};

// Row-major C(M,N) = alpha * op(A)(M,K) op(B)(K,N) + beta * C, op = transpose when trans_*.
// float runs on oneDNN's sgemm; double on plain loops (used by the float64 gradient checks).
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc);

// The inputs of one layer in one direction. c0 is read only by LSTM; biases may be null.
// `reverse`: the steps run from t = T-1 down to 0 (the backward half of a bidirectional layer).
template <class T>
struct RnnLayerArgs {
  RnnMode mode = RnnMode::Lstm;
  RnnDims d;
  bool reverse = false;
  const T* x = nullptr;
  const T* h0 = nullptr;
  const T* c0 = nullptr;
  const T* w_ih = nullptr;
  const T* w_hh = nullptr;
  const T* b_ih = nullptr;
  const T* b_hh = nullptr;
};

// Fills y:(T,B,H), hn:(B,H), cn:(B,H) (LSTM only) and what backward needs:
//   gates:(T,B,G*H) the activated gates (RNN: pre-activations, unused by backward),
//   extra:(T,B,H) LSTM: the cell state c_t of every step; GRU: W_hn h_{t-1} + b_hn; RNN: unused.
template <class T>
void rnn_layer_forward(const RnnLayerArgs<T>& a, T* y, T* hn, T* cn, T* gates, T* extra);

// Gradients of one layer-direction; a null pointer means "not needed". All are overwritten.
template <class T>
struct RnnLayerGrads {
  T* dx = nullptr;     // (T,B,I)
  T* dh0 = nullptr;    // (B,H)
  T* dc0 = nullptr;    // (B,H), LSTM
  T* dw_ih = nullptr;  // (G*H,I)
  T* dw_hh = nullptr;  // (G*H,H)
  T* db_ih = nullptr;  // (G*H)
  T* db_hh = nullptr;  // (G*H)
};

// dy:(T,B,H), dhn:(B,H), dcn:(B,H) (LSTM) are the gradients of the forward outputs;
// y, gates and extra are what rnn_layer_forward wrote.
template <class T>
void rnn_layer_backward(const RnnLayerArgs<T>& a, const T* y, const T* gates, const T* extra, const T* dy, const T* dhn,
                        const T* dcn, const RnnLayerGrads<T>& g);

}  // namespace ember::cpu

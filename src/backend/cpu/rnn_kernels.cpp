// The recurrent layers' CPU kernels: input projection, per-step fused gate math, and the
// reverse sweep with fused gate gradients. See rnn_kernels.h for the layouts.
#include "backend/cpu/rnn_kernels.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "backend/cpu/rnn_math.h"
#include "ember/core/error.h"

namespace ember::cpu {

// ---- gemm -------------------------------------------------------------------------------

namespace {

// While alive, OpenMP regions started by this thread (oneDNN's sgemm included) use one thread.
class OneThreadScope {
 public:
  OneThreadScope() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneThreadScope() { omp_set_num_threads(saved_); }
  OneThreadScope(const OneThreadScope&) = delete;
  OneThreadScope& operator=(const OneThreadScope&) = delete;

 private:
  int saved_;
};

// Below this many multiply-adds a matmul runs on one thread. The per-step matmuls of an RNN are
// tiny ((B,H) x (H,G*H), 640K for batch 64, LSTM hidden 50): a parallel region per step costs
// more than it saves, and on a loaded machine each one can wait a scheduler quantum for a core.
constexpr int64_t kSerialGemmWork = int64_t{1} << 26;

// C = beta * C (beta == 0 clears, so NaNs in an uninitialised C do not survive).
template <class T>
void scale_rows(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* c = C + i * ldc;
    if (beta == T(0))
      std::fill(c, c + N, T(0));
    else if (beta != T(1))
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
  }
}
}  // namespace

template <>
void gemm<float>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_rows(M, N, beta, C, ldc);
  std::optional<OneThreadScope> one_thread;
  if (M * N * K < kSerialGemmWork) one_thread.emplace();
  dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  EMBER_CHECK(st == dnnl_success, "rnn: oneDNN sgemm failed (status ", static_cast<int>(st), ") for M=", M, " N=", N,
              " K=", K);
}

template <>
void gemm<double>(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
                  const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  scale_rows(M, N, beta, C, ldc);
  for (int64_t i = 0; i < M; ++i) {
    double* c = C + i * ldc;
    for (int64_t k = 0; k < K; ++k) {
      const double a = alpha * (ta ? A[k * lda + i] : A[i * lda + k]);
      if (a == 0.0) continue;
      if (!tb) {
        const double* b = B + k * ldb;
        for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
      } else {
        for (int64_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
      }
    }
  }
}

// ---- helpers ------------------------------------------------------------------------------

namespace {

// Every row of out:(rows, n) = b1 + b2 (either may be null: zero).
template <class T>
void fill_bias_rows(T* out, int64_t rows, int64_t n, const T* b1, const T* b2) {
  std::vector<T> b(n, T(0));
  if (b1)
    for (int64_t j = 0; j < n; ++j) b[j] += b1[j];
  if (b2)
    for (int64_t j = 0; j < n; ++j) b[j] += b2[j];
  for (int64_t r = 0; r < rows; ++r) std::memcpy(out + r * n, b.data(), sizeof(T) * n);
}

// out:(n) = column sums of m:(rows, n), accumulated in double.
template <class T>
void column_sums(const T* m, int64_t rows, int64_t n, T* out) {
  std::vector<double> acc(n, 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const T* row = m + r * n;
    for (int64_t j = 0; j < n; ++j) acc[j] += row[j];
  }
  for (int64_t j = 0; j < n; ++j) out[j] = static_cast<T>(acc[j]);
}

// Time index of processing step s.
inline int64_t step_time(int64_t s, int64_t T, bool reverse) { return reverse ? T - 1 - s : s; }

// ---- fused forward steps: gt:(B,G*H) holds this step's pre-activations ----------------------

// LSTM: i,f,g,o = sigma, sigma, tanh, sigma; c = f c_prev + i g; h = o tanh(c). Activated
// gates overwrite gt.
template <class T>
void lstm_step(int64_t B, int64_t H, T* gt, const T* c_prev, T* c, T* h) {
  const int64_t G = 4 * H;
  for (int64_t b = 0; b < B; ++b) {
    T* g = gt + b * G;
    const T* cp = c_prev + b * H;
    T* cb = c + b * H;
    T* hb = h + b * H;
    rnn_math::sigmoid_(g, 2 * H);      // i, f
    rnn_math::tanh_(g + 2 * H, H);     // g
    rnn_math::sigmoid_(g + 3 * H, H);  // o
    for (int64_t j = 0; j < H; ++j) cb[j] = g[H + j] * cp[j] + g[j] * g[2 * H + j];
    rnn_math::tanh_to(cb, hb, H);
    for (int64_t j = 0; j < H; ++j) hb[j] *= g[3 * H + j];
  }
}

// GRU (PyTorch's form): r = sigma(xr + hr), z = sigma(xz + hz), n = tanh(xn + r hn),
// h = (1 - z) n + z h_prev, where gh:(B,3H) = h_prev W_hh^T + b_hh. Keeps r,z,n in gt, hn in hn_lin.
template <class T>
void gru_step(int64_t B, int64_t H, T* gt, const T* gh, const T* h_prev, T* hn_lin, T* h) {
  const int64_t G = 3 * H;
  for (int64_t b = 0; b < B; ++b) {
    T* g = gt + b * G;
    const T* q = gh + b * G;
    const T* hp = h_prev + b * H;
    T* hl = hn_lin + b * H;
    T* hb = h + b * H;
    for (int64_t k = 0; k < 2 * H; ++k) g[k] += q[k];
    rnn_math::sigmoid_(g, 2 * H);  // r, z
    for (int64_t j = 0; j < H; ++j) {
      hl[j] = q[2 * H + j];
      g[2 * H + j] += g[j] * q[2 * H + j];
    }
    rnn_math::tanh_(g + 2 * H, H);  // n
    for (int64_t j = 0; j < H; ++j) hb[j] = (T(1) - g[H + j]) * g[2 * H + j] + g[H + j] * hp[j];
  }
}

template <class T>
void simple_step(RnnMode mode, int64_t n, const T* gt, T* h) {
  if (mode == RnnMode::Tanh)
    rnn_math::tanh_to(gt, h, n);
  else
    for (int64_t k = 0; k < n; ++k) h[k] = gt[k] > T(0) ? gt[k] : T(0);
}

// ---- fused backward steps: dh:(B,H) is the gradient reaching h_t from later steps and
// is replaced by the part that flows to h_{t-1} directly (not through W_hh) --------------------

// LSTM: dG:(B,4H) gets the pre-activation gate gradients; dc:(B,H) is carried through time.
template <class T>
void lstm_step_backward(int64_t B, int64_t H, const T* gt, const T* c, const T* c_prev, const T* dy, T* dh, T* dc,
                        T* dG) {
  const int64_t G = 4 * H;
  std::vector<T> tcs(H);
  T* tc = tcs.data();
  for (int64_t b = 0; b < B; ++b) {
    const T* g = gt + b * G;
    T* d = dG + b * G;
    const int64_t o = b * H;
    rnn_math::tanh_to(c + o, tc, H);
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = o + j;
      const T ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
      const T dht = dh[k] + dy[k];
      const T dct = dc[k] + dht * og * (T(1) - tc[j] * tc[j]);
      d[j] = dct * gg * ig * (T(1) - ig);
      d[H + j] = dct * c_prev[k] * fg * (T(1) - fg);
      d[2 * H + j] = dct * ig * (T(1) - gg * gg);
      d[3 * H + j] = dht * tc[j] * og * (T(1) - og);
      dc[k] = dct * fg;
    }
  }
}

// GRU: dGi:(B,3H) for the input projection, dGh:(B,3H) for the hidden projection (they
// differ in the n gate, where r multiplies W_hn h + b_hn); dh becomes dh_t z.
template <class T>
void gru_step_backward(int64_t B, int64_t H, const T* gt, const T* hn_lin, const T* h_prev, const T* dy, T* dh, T* dGi,
                       T* dGh) {
  const int64_t G = 3 * H;
  for (int64_t b = 0; b < B; ++b) {
    const T* g = gt + b * G;
    T* di = dGi + b * G;
    T* dq = dGh + b * G;
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      const T r = g[j], z = g[H + j], n = g[2 * H + j];
      const T dht = dh[k] + dy[k];
      const T dn = dht * (T(1) - z) * (T(1) - n * n);
      const T dz = dht * (h_prev[k] - n) * z * (T(1) - z);
      const T dr = dn * hn_lin[k] * r * (T(1) - r);
      di[j] = dq[j] = dr;
      di[H + j] = dq[H + j] = dz;
      di[2 * H + j] = dn;
      dq[2 * H + j] = dn * r;
      dh[k] = dht * z;
    }
  }
}

template <class T>
void simple_step_backward(RnnMode mode, int64_t n, const T* h, const T* dy, const T* dh, T* dG) {
  if (mode == RnnMode::Tanh)
    for (int64_t k = 0; k < n; ++k) dG[k] = (dh[k] + dy[k]) * (T(1) - h[k] * h[k]);
  else
    for (int64_t k = 0; k < n; ++k) dG[k] = h[k] > T(0) ? dh[k] + dy[k] : T(0);
}

// dw_hh:(G*H,H) = sum over steps of dG_t^T h_{t-1}, where h_{t-1} is y of the previous step
// (time t-1, or t+1 when reversed) and h0 for the first step: two matmuls over contiguous rows.
template <class T>
void hidden_weight_grad(const RnnDims& d, int64_t G, bool reverse, const T* dG, const T* y, const T* h0, T* dw) {
  const int64_t B = d.B, H = d.H, rows = (d.T - 1) * B;
  const T* dg_rest = reverse ? dG : dG + B * G;               // steps whose h_prev is some y
  const T* y_prev = reverse ? y + B * H : y;                  // ... and those y, row-aligned
  const T* dg_first = reverse ? dG + (d.T - 1) * B * G : dG;  // the step that reads h0
  gemm<T>(true, false, G, H, rows, T(1), dg_rest, G, y_prev, H, T(0), dw, H);
  gemm<T>(true, false, G, H, B, T(1), dg_first, G, h0, H, T(1), dw, H);
}

}  // namespace

// ---- layer forward ------------------------------------------------------------------------

template <class T>
void rnn_layer_forward(const RnnLayerArgs<T>& a, T* y, T* hn, T* cn, T* gates, T* extra) {
  const auto& d = a.d;
  const int64_t B = d.B, H = d.H, G = rnn_gate_count(a.mode) * H, BH = B * H;
  if (d.T == 0) {  // nothing to run: the state passes through
    std::memcpy(hn, a.h0, sizeof(T) * BH);
    if (a.mode == RnnMode::Lstm) std::memcpy(cn, a.c0, sizeof(T) * BH);
    return;
  }
  // gates:(T*B, G) = x W_ih^T + b_ih (+ b_hh, except for GRU whose n gate needs it apart)
  fill_bias_rows(gates, d.T * B, G, a.b_ih, a.mode == RnnMode::Gru ? nullptr : a.b_hh);
  gemm<T>(false, true, d.T * B, G, d.I, T(1), a.x, d.I, a.w_ih, d.I, T(1), gates, G);

  std::vector<T> gh(a.mode == RnnMode::Gru ? B * G : 0);
  const T* h_prev = a.h0;
  const T* c_prev = a.c0;
  for (int64_t s = 0; s < d.T; ++s) {
    const int64_t t = step_time(s, d.T, a.reverse);
    T* gt = gates + t * B * G;
    T* ht = y + t * BH;
    switch (a.mode) {
      case RnnMode::Lstm:
        gemm<T>(false, true, B, G, H, T(1), h_prev, H, a.w_hh, H, T(1), gt, G);
        lstm_step(B, H, gt, c_prev, extra + t * BH, ht);
        c_prev = extra + t * BH;
        break;
      case RnnMode::Gru:
        fill_bias_rows(gh.data(), B, G, a.b_hh, static_cast<const T*>(nullptr));
        gemm<T>(false, true, B, G, H, T(1), h_prev, H, a.w_hh, H, T(1), gh.data(), G);
        gru_step(B, H, gt, gh.data(), h_prev, extra + t * BH, ht);
        break;
      case RnnMode::Tanh:
      case RnnMode::Relu:
        gemm<T>(false, true, B, G, H, T(1), h_prev, H, a.w_hh, H, T(1), gt, G);
        simple_step(a.mode, BH, gt, ht);
        break;
    }
    h_prev = ht;
  }
  std::memcpy(hn, h_prev, sizeof(T) * BH);
  if (a.mode == RnnMode::Lstm) std::memcpy(cn, c_prev, sizeof(T) * BH);
}

// ---- layer backward -----------------------------------------------------------------------

template <class T>
void rnn_layer_backward(const RnnLayerArgs<T>& a, const T* y, const T* gates, const T* extra, const T* dy, const T* dhn,
                        const T* dcn, const RnnLayerGrads<T>& g) {
  const auto& d = a.d;
  const int64_t B = d.B, H = d.H, G = rnn_gate_count(a.mode) * H, BH = B * H, TB = d.T * B;
  const bool lstm = a.mode == RnnMode::Lstm, gru = a.mode == RnnMode::Gru;

  std::vector<T> dh(dhn, dhn + BH);
  std::vector<T> dc(lstm ? BH : 0);
  if (lstm) std::copy(dcn, dcn + BH, dc.begin());
  std::vector<T> dG(TB * G);             // gradient of the gate pre-activations (input side)
  std::vector<T> dGh(gru ? TB * G : 0);  // GRU: the hidden side differs in the n gate

  for (int64_t s = d.T - 1; s >= 0; --s) {
    const int64_t t = step_time(s, d.T, a.reverse);
    const int64_t tp = step_time(s - 1, d.T, a.reverse);  // time of the previous step (if s > 0)
    const T* gt = gates + t * B * G;
    const T* dyt = dy + t * BH;
    T* dgt = dG.data() + t * B * G;
    switch (a.mode) {
      case RnnMode::Lstm: {
        const T* c_prev = s > 0 ? extra + tp * BH : a.c0;
        lstm_step_backward(B, H, gt, extra + t * BH, c_prev, dyt, dh.data(), dc.data(), dgt);
        gemm<T>(false, false, B, H, G, T(1), dgt, G, a.w_hh, H, T(0), dh.data(), H);
        break;
      }
      case RnnMode::Gru: {
        const T* h_prev = s > 0 ? y + tp * BH : a.h0;
        T* dqt = dGh.data() + t * B * G;
        gru_step_backward(B, H, gt, extra + t * BH, h_prev, dyt, dh.data(), dgt, dqt);
        gemm<T>(false, false, B, H, G, T(1), dqt, G, a.w_hh, H, T(1), dh.data(), H);
        break;
      }
      case RnnMode::Tanh:
      case RnnMode::Relu:
        simple_step_backward(a.mode, BH, y + t * BH, dyt, dh.data(), dgt);
        gemm<T>(false, false, B, H, G, T(1), dgt, G, a.w_hh, H, T(0), dh.data(), H);
        break;
    }
  }
  if (g.dh0) std::copy(dh.begin(), dh.end(), g.dh0);
  if (g.dc0 && lstm) std::copy(dc.begin(), dc.end(), g.dc0);

  const T* dGhid = gru ? dGh.data() : dG.data();
  if (g.dx) gemm<T>(false, false, TB, d.I, G, T(1), dG.data(), G, a.w_ih, d.I, T(0), g.dx, d.I);
  if (g.dw_ih) gemm<T>(true, false, G, d.I, TB, T(1), dG.data(), G, a.x, d.I, T(0), g.dw_ih, d.I);
  if (g.dw_hh) {
    if (d.T == 0)
      std::fill(g.dw_hh, g.dw_hh + G * H, T(0));
    else
      hidden_weight_grad(d, G, a.reverse, dGhid, y, a.h0, g.dw_hh);
  }
  if (g.db_ih) column_sums(dG.data(), TB, G, g.db_ih);
  if (g.db_hh) column_sums(dGhid, TB, G, g.db_hh);
}

template void rnn_layer_forward<float>(const RnnLayerArgs<float>&, float*, float*, float*, float*, float*);
template void rnn_layer_forward<double>(const RnnLayerArgs<double>&, double*, double*, double*, double*, double*);
template void rnn_layer_backward<float>(const RnnLayerArgs<float>&, const float*, const float*, const float*,
                                        const float*, const float*, const float*, const RnnLayerGrads<float>&);
template void rnn_layer_backward<double>(const RnnLayerArgs<double>&, const double*, const double*, const double*,
                                         const double*, const double*, const double*, const RnnLayerGrads<double>&);

}  // namespace ember::cpu

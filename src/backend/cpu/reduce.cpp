// CPU reductions (max/min, var, norm, logsumexp, all/any) and softmax.
// Every reduction views x as a contiguous (rows, cols) matrix: the kept dims first, the
// reduced dims last (a permuted copy when x is not already in that order), then reduces
// each row; rows run in parallel, and a single long row is split into per-thread partials
// that are combined in a fixed order (results do not depend on scheduling).
#include "backend/cpu/reduce.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <limits>
#include <type_traits>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/parallel_for.h"
#include "tensor/make.h"

namespace ember::cpu {

namespace {

// x:(kept..., reduced...) as a contiguous (rows, cols) matrix.
struct Rows {
  Tensor x;
  int64_t rows = 1, cols = 1;
};

Rows as_rows(const Tensor& x, const std::vector<int64_t>& dims) {
  Rows r;
  r.x = rows_cols(x, dims, r.rows, r.cols);
  return r;
}

template <class T> bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Rows to hand one thread: about kGrainSize elements.
int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(cols, 1)); }

// fn(lo, hi) -> Acc over [0, n) in per-thread pieces, combined left to right from `init`.
template <class Acc, class F, class C>
Acc reduce_range(int64_t n, Acc init, F fn, C combine) {
  int nt = max_threads();
  if (nt <= 1 || n <= kGrainSize || omp_in_parallel()) return combine(init, fn(int64_t{0}, n));
  int64_t chunks = std::min<int64_t>(nt, (n + kGrainSize - 1) / kGrainSize);
  int64_t per = (n + chunks - 1) / chunks;
  std::vector<Acc> part(chunks, init);
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t lo = t * per, hi = std::min(n, lo + per);
      if (lo < hi) part[t] = fn(lo, hi);
    }
  });
  Acc r = init;
  for (const Acc& p : part) r = combine(r, p);
  return r;
}

// out[r] = finish(reduction of row r): partial(row, lo, hi) reduces row[lo, hi) starting from init.
template <class T, class Out, class Acc, class Partial, class Combine, class Finish>
void reduce_rows(const Rows& r, Out* out, Acc init, Partial partial, Combine combine, Finish finish) {
  const T* px = static_cast<const T*>(r.x.raw_data());
  const int64_t cols = r.cols;
  if (r.rows == 1) {
    out[0] = finish(reduce_range(cols, init, [&](int64_t lo, int64_t hi) { return partial(px, lo, hi, init); }, combine));
    return;
  }
  parallel_for(r.rows, row_grain(cols), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = finish(partial(px + i * cols, 0, cols, init));
  });
}

template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// The better of a and b for max (min): NaN wins, as in PyTorch.
template <class T> T pick(T a, T b, bool is_max) {
  if (is_nan(a)) return a;
  if (is_nan(b)) return b;
  return is_max ? (b > a ? b : a) : (b < a ? b : a);
}

}  // namespace

void max_min_dims(const Tensor& x, const std::vector<int64_t>& dims, bool is_max, Tensor& out) {
  Rows r = as_rows(x, dims);
  dispatch_all(x.dtype(), is_max ? "max" : "min", [&](auto tag) {
    using T = decltype(tag);
    using L = std::numeric_limits<T>;
    T init;
    if constexpr (std::is_same_v<T, bool>) init = !is_max;
    else if constexpr (std::is_floating_point_v<T>) init = is_max ? -L::infinity() : L::infinity();
    else init = is_max ? L::lowest() : L::max();
    auto combine = [is_max](T a, T b) { return pick(a, b, is_max); };
    reduce_rows<T>(
        r, static_cast<T*>(out.raw_data()), init,
        [is_max](const T* p, int64_t lo, int64_t hi, T acc) {
          for (int64_t j = lo; j < hi; ++j) {
            T v = p[j];
            if (is_nan(v)) return v;
            acc = is_max ? (v > acc ? v : acc) : (v < acc ? v : acc);
          }
          return acc;
        },
        combine, [](T v) { return v; });
  });
}

void max_min_with_indices(const Tensor& x, int64_t dim, bool is_max, Tensor* values, Tensor& indices) {
  Rows r = as_rows(x, x.dim() == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{dim});
  dispatch_all(x.dtype(), is_max ? "max" : "min", [&](auto tag) {
    using T = decltype(tag);
    const T* px = static_cast<const T*>(r.x.raw_data());
    T* pv = values ? static_cast<T*>(values->raw_data()) : nullptr;
    int64_t* pi = static_cast<int64_t*>(indices.raw_data());
    const int64_t cols = r.cols;
    parallel_for(r.rows, row_grain(cols), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T* p = px + i * cols;
        T best = p[0];
        int64_t bi = 0;
        if (!is_nan(best)) {
          for (int64_t j = 1; j < cols; ++j) {
            T v = p[j];
            if (is_nan(v)) { best = v; bi = j; break; }
            if (is_max ? v > best : v < best) { best = v; bi = j; }
          }
        }
        if (pv) pv[i] = best;
        pi[i] = bi;
      }
    });
  });
}

void var_dims(const Tensor& x, const std::vector<int64_t>& dims, double correction, Tensor& out) {
  Rows r = as_rows(x, dims);
  dispatch_floating(x.dtype(), "var", [&](auto tag) {
    using T = decltype(tag);
    const T* px = static_cast<const T*>(r.x.raw_data());
    T* po = static_cast<T*>(out.raw_data());
    const int64_t cols = r.cols;
    const double denom = std::max(0.0, static_cast<double>(cols) - correction);  // 0 -> NaN/inf, as in torch
    auto plus = [](double a, double b) { return a + b; };
    if (r.rows == 1) {
      double s = reduce_range(cols, 0.0, [&](int64_t lo, int64_t hi) {
        double a = 0; for (int64_t j = lo; j < hi; ++j) a += px[j]; return a; }, plus);
      const double m = s / static_cast<double>(cols);
      double ss = reduce_range(cols, 0.0, [&](int64_t lo, int64_t hi) {
        double a = 0; for (int64_t j = lo; j < hi; ++j) { double d = px[j] - m; a += d * d; } return a; }, plus);
      po[0] = static_cast<T>(ss / denom);
      return;
    }
    parallel_for(r.rows, row_grain(cols), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T* p = px + i * cols;
        double s = 0;
        for (int64_t j = 0; j < cols; ++j) s += p[j];
        const double m = s / static_cast<double>(cols);
        double ss = 0;
        for (int64_t j = 0; j < cols; ++j) { double d = p[j] - m; ss += d * d; }
        po[i] = static_cast<T>(ss / denom);
      }
    });
  });
}

void norm_dims(const Tensor& x, double p, const std::vector<int64_t>& dims, Tensor& out) {
  Rows r = as_rows(x, dims);
  dispatch_floating(x.dtype(), "norm", [&](auto tag) {
    using T = decltype(tag);
    T* po = static_cast<T*>(out.raw_data());
    auto plus = [](double a, double b) { return a + b; };
    auto sum_of = [&](auto term, auto finish) {
      reduce_rows<T>(
          r, po, 0.0,
          [term](const T* q, int64_t lo, int64_t hi, double acc) {
            for (int64_t j = lo; j < hi; ++j) acc += term(static_cast<double>(q[j]));
            return acc;
          },
          plus, [finish](double s) { return static_cast<T>(finish(s)); });
    };
    if (p == 2) {
      sum_of([](double v) { return v * v; }, [](double s) { return std::sqrt(s); });
    } else if (p == 1) {
      sum_of([](double v) { return std::abs(v); }, [](double s) { return s; });
    } else if (p == 0) {
      sum_of([](double v) { return v != 0 ? 1.0 : 0.0; }, [](double s) { return s; });
    } else if (std::isinf(p)) {
      const bool is_max = p > 0;
      const double init = is_max ? 0.0 : std::numeric_limits<double>::infinity();
      reduce_rows<T>(
          r, po, init,
          [is_max](const T* q, int64_t lo, int64_t hi, double acc) {
            for (int64_t j = lo; j < hi; ++j) {
              double v = std::abs(static_cast<double>(q[j]));
              if (std::isnan(v)) return v;
              acc = is_max ? std::max(acc, v) : std::min(acc, v);
            }
            return acc;
          },
          [is_max](double a, double b) { return pick(a, b, is_max); }, [](double s) { return static_cast<T>(s); });
    } else {
      sum_of([p](double v) { return std::pow(std::abs(v), p); }, [p](double s) { return std::pow(s, 1.0 / p); });
    }
  });
}

void logsumexp_dims(const Tensor& x, const std::vector<int64_t>& dims, Tensor& out) {
  Rows r = as_rows(x, dims);
  dispatch_floating(x.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    const T* px = static_cast<const T*>(r.x.raw_data());
    T* po = static_cast<T*>(out.raw_data());
    const int64_t cols = r.cols;
    const double ninf = -std::numeric_limits<double>::infinity();
    auto row_max = [](const T* p, int64_t lo, int64_t hi, double acc) {
      for (int64_t j = lo; j < hi; ++j) {
        double v = p[j];
        if (std::isnan(v)) return v;
        acc = std::max(acc, v);
      }
      return acc;
    };
    auto row_sum = [](const T* p, int64_t lo, int64_t hi, double m) {
      double a = 0;
      for (int64_t j = lo; j < hi; ++j) a += std::exp(static_cast<double>(p[j]) - m);
      return a;
    };
    // an infinite (or NaN) max is not a useful shift: exp(x) itself gives the right inf/0/NaN
    auto shift = [](double m) { return std::isfinite(m) ? m : 0.0; };
    if (r.rows == 1) {
      double m = shift(reduce_range(cols, ninf, [&](int64_t lo, int64_t hi) { return row_max(px, lo, hi, ninf); },
                                    [](double a, double b) { return pick(a, b, true); }));
      double s = reduce_range(cols, 0.0, [&](int64_t lo, int64_t hi) { return row_sum(px, lo, hi, m); },
                              [](double a, double b) { return a + b; });
      po[0] = static_cast<T>(std::log(s) + m);
      return;
    }
    parallel_for(r.rows, row_grain(cols), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T* p = px + i * cols;
        double m = shift(row_max(p, 0, cols, ninf));
        po[i] = static_cast<T>(std::log(row_sum(p, 0, cols, m)) + m);
      }
    });
  });
}

void all_any_dims(const Tensor& x, const std::vector<int64_t>& dims, bool is_all, Tensor& out) {
  Rows r = as_rows(x, dims);
  uint8_t* po = static_cast<uint8_t*>(out.raw_data());  // bool and uint8 are both one byte
  dispatch_all(x.dtype(), is_all ? "all" : "any", [&](auto tag) {
    using T = decltype(tag);
    reduce_rows<T>(
        r, po, is_all,
        [is_all](const T* p, int64_t lo, int64_t hi, bool acc) {
          for (int64_t j = lo; j < hi; ++j)
            if ((p[j] != T(0)) != is_all) return !is_all;
          return acc;
        },
        [is_all](bool a, bool b) { return is_all ? (a && b) : (a || b); },
        [](bool v) { return static_cast<uint8_t>(v); });
  });
}

namespace {

// e^x for float32, vectorizable (no libm call): x = n ln2 + r, Cephes' expf polynomial for e^r,
// 2^n from the exponent bits; within 1.5 ulp of std::exp. Below -87 it gives 0 (exact for
// -inf, the masked logits of attention), above 88 +inf, NaN stays NaN.
inline float exp_f32(float x) {
  const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float xs = xc == xc ? xc : 0.0f;
  const float n = (xs * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  const float r = (xs - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const float v = p * std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
  return x != x ? x : x < -87.0f ? 0.0f : x > 88.0f ? std::numeric_limits<float>::infinity() : v;
}

template <class T> T exp_any(T x) {
  if constexpr (std::is_same_v<T, float>) return exp_f32(x);
  else return std::exp(x);
}

// The max of a row, NaN if any value is NaN (then every output is NaN, as in PyTorch). An
// infinite max is kept: x - max is NaN for +inf and for all -inf rows, as in PyTorch.
template <class T>
T row_max(const T* x, int64_t n) {
  if (n < 32) {  // short rows: a plain loop beats the vector loop's set-up
    T mx = x[0];
    for (int64_t j = 1; j < n; ++j) mx = x[j] > mx || x[j] != x[j] ? x[j] : mx;
    return mx;
  }
  T mx = -std::numeric_limits<T>::infinity();
  int nan_seen = 0;
#pragma omp simd reduction(max : mx) reduction(| : nan_seen)
  for (int64_t j = 0; j < n; ++j) {
    mx = x[j] > mx ? x[j] : mx;
    nan_seen |= x[j] != x[j];
  }
  return nan_seen ? std::numeric_limits<T>::quiet_NaN() : mx;
}

// Softmax of one contiguous row of n values (softmax over the last dim).
template <class T>
void softmax_row(const T* x, T* y, int64_t n, bool log) {
  const T mx = row_max(x, n);
  T sum = 0;
  if (n < 32) {  // short rows: plain loops beat the vector loops' set-up (exp_f32 still inlines)
    if (log) {
      for (int64_t j = 0; j < n; ++j) sum += exp_any(x[j] - mx);
      const T ls = std::log(sum);
      for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - mx) - ls;
    } else {
      for (int64_t j = 0; j < n; ++j) sum += (y[j] = exp_any(x[j] - mx));
      const T inv = T(1) / sum;
      for (int64_t j = 0; j < n; ++j) y[j] *= inv;
    }
    return;
  }
  if (log) {
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < n; ++j) sum += exp_any(x[j] - mx);
    const T ls = std::log(sum);
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - mx) - ls;
  } else {
#pragma omp simd reduction(+ : sum)
    for (int64_t j = 0; j < n; ++j) {
      const T e = exp_any(x[j] - mx);
      y[j] = e;
      sum += e;
    }
    const T inv = T(1) / sum;
#pragma omp simd
    for (int64_t j = 0; j < n; ++j) y[j] *= inv;
  }
}

// Softmax of `n` values spaced `inner` apart, for `inner` consecutive positions at once
// (inner == 1 is one row). Max, exp and sum accumulate in double for float64, float for float32.
template <class T>
void softmax_block(const T* x, T* y, int64_t n, int64_t inner, bool log, T* mx, T* sm) {
  for (int64_t k = 0; k < inner; ++k) { mx[k] = x[k]; sm[k] = 0; }
  for (int64_t j = 1; j < n; ++j) {
    const T* row = x + j * inner;
    for (int64_t k = 0; k < inner; ++k) mx[k] = row[k] > mx[k] || std::isnan(row[k]) ? row[k] : mx[k];
  }
  // (an infinite max is kept: x - max is NaN for +inf and for all -inf rows, as in PyTorch)
  for (int64_t j = 0; j < n; ++j) {
    const T* row = x + j * inner;
    T* out = y + j * inner;
    for (int64_t k = 0; k < inner; ++k) {
      T ev = exp_any(row[k] - mx[k]);
      sm[k] += ev;
      if (!log) out[k] = ev;
    }
  }
  if (log) {
    for (int64_t k = 0; k < inner; ++k) sm[k] = std::log(sm[k]);
    for (int64_t j = 0; j < n; ++j) {
      const T* row = x + j * inner;
      T* out = y + j * inner;
      for (int64_t k = 0; k < inner; ++k) out[k] = (row[k] - mx[k]) - sm[k];
    }
  } else {
    for (int64_t k = 0; k < inner; ++k) sm[k] = T(1) / sm[k];
    for (int64_t j = 0; j < n; ++j) {
      T* out = y + j * inner;
      for (int64_t k = 0; k < inner; ++k) out[k] *= sm[k];
    }
  }
}

}  // namespace

void softmax(const Tensor& x_in, int64_t dim, bool log, Tensor& out) {
  Tensor x = contiguous(x_in);
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < x.dim(); ++d) (d < dim ? outer : d == dim ? n : inner) *= x.size(d);
  if (x.numel() == 0) return;
  dispatch_floating(x.dtype(), log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = decltype(tag);
    const T* px = static_cast<const T*>(x.raw_data());
    T* po = static_cast<T*>(out.raw_data());
    const int64_t block = n * inner;
    if (inner == 1) {
      parallel_for(outer, row_grain(block), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) softmax_row(px + i * n, po + i * n, n, log);
      });
      return;
    }
    parallel_for(outer, row_grain(block), [&](int64_t b, int64_t e) {
      std::vector<T> mx(inner), sm(inner);
      for (int64_t i = b; i < e; ++i) softmax_block(px + i * block, po + i * block, n, inner, log, mx.data(), sm.data());
    });
  });
}

}  // namespace ember::cpu

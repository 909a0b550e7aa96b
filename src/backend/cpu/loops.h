#pragma once
// Internal: the elementwise loop behind every pointwise op.
//   map<Out, A, B>(out, [](A a, B b) { return Out(a + b); }, a, b);
// Inputs broadcast against out's shape; out may be strided (in-place on a view).
// Contiguous same-shape operands take a flat, vectorisable, parallel loop.
#include <array>
#include <algorithm>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>
#include "backend/cpu/parallel_for.h"
#include "ember/tensor/tensor.h"

namespace ember::cpu {

// Strides of `t` (elements) seen through broadcasting to `shape` (0 on broadcast dims).
Shape broadcast_strides(const Tensor& t, const Shape& shape);

template <class T> struct tensor_of { using type = Tensor; };

// Results at least this large bypass the caches (streaming stores) on the flat path.
constexpr int64_t kStreamBytes = int64_t{16} << 20;

// One value seen everywhere: a single element, or one expanded (stride 0 on every dim of size > 1).
inline bool is_one_value(const Tensor& t) {
  const Shape &sizes = t.sizes(), &strides = t.strides();
  for (size_t d = 0; d < sizes.size(); ++d)
    if (strides[d] != 0 && sizes[d] != 1) return false;
  return true;
}

namespace detail {

// Dims with size 1 dropped and adjacent dims merged where every operand allows it.
template <size_t K>
struct Collapsed {
  std::vector<int64_t> sizes;
  std::array<std::vector<int64_t>, K> strides;
};

template <size_t K>
Collapsed<K> collapse(const Shape& shape, const std::array<Shape, K>& strides) {
  Collapsed<K> c;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!c.sizes.empty()) {
      bool mergeable = true;
      for (size_t k = 0; k < K; ++k)
        if (c.strides[k].back() != strides[k][d] * shape[d]) { mergeable = false; break; }
      if (mergeable) {
        c.sizes.back() *= shape[d];
        for (size_t k = 0; k < K; ++k) c.strides[k].back() = strides[k][d];
        continue;
      }
    }
    c.sizes.push_back(shape[d]);
    for (size_t k = 0; k < K; ++k) c.strides[k].push_back(strides[k][d]);
  }
  if (c.sizes.empty()) {
    c.sizes.push_back(1);
    for (size_t k = 0; k < K; ++k) c.strides[k].push_back(0);
  }
  return c;
}

template <class Out, class... In, class F, size_t... I>
void map_impl(Tensor& out, F& f, std::index_sequence<I...>, const typename tensor_of<In>::type&... ins) {
  constexpr size_t K = 1 + sizeof...(In);
  const Shape& shape = out.sizes();
  const int64_t n = out.numel();
  if (n == 0) return;
  Out* o = static_cast<Out*>(out.raw_data());
  std::tuple<const In*...> p{static_cast<const In*>(ins.raw_data())...};

  const bool out_flat = out.is_contiguous();
  if (out_flat && ((ins.is_contiguous() && ins.numel() == n) && ...)) {
#if defined(__AVX512F__)
    if constexpr (sizeof(Out) == 4 || sizeof(Out) == 8) {
      // A result far larger than the caches is written with streaming stores: no read of the
      // destination's old contents (write-allocate) and no eviction of the inputs.
      constexpr int64_t kLine = 64 / sizeof(Out);
      const bool alias = ((static_cast<const void*>(std::get<I>(p)) == o) || ...);
      if (n * static_cast<int64_t>(sizeof(Out)) >= kStreamBytes && !alias) {
        const int64_t head = std::min<int64_t>(n, (64 - reinterpret_cast<uintptr_t>(o) % 64) % 64 / sizeof(Out));
        for (int64_t i = 0; i < head; ++i) o[i] = f(std::get<I>(p)[i]...);
        const int64_t lines = (n - head) / kLine;
        parallel_for(lines, kGrainSize / kLine, [&](int64_t b, int64_t e) {
          for (int64_t l = b; l < e; ++l) {
            const int64_t i0 = head + l * kLine;
            alignas(64) Out tmp[kLine];
            for (int64_t k = 0; k < kLine; ++k) tmp[k] = f(std::get<I>(p)[i0 + k]...);
            _mm512_stream_si512(reinterpret_cast<__m512i*>(o + i0), _mm512_load_si512(tmp));
          }
          _mm_sfence();
        });
        for (int64_t i = head + lines * kLine; i < n; ++i) o[i] = f(std::get<I>(p)[i]...);
        return;
      }
    }
#endif
    parallel_for(n, kGrainSize, [&](int64_t b, int64_t e) {
      Out* __restrict oo = o;
      for (int64_t i = b; i < e; ++i) oo[i] = f(std::get<I>(p)[i]...);
    });
    return;
  }
  if (out_flat && (((ins.is_contiguous() && ins.numel() == n) || is_one_value(ins)) && ...)) {
    // some operands are single elements broadcast over out: step 0 through them
    const std::array<int64_t, sizeof...(In)> step{(ins.numel() == n && !is_one_value(ins) ? int64_t{1} : int64_t{0})...};
    parallel_for(n, kGrainSize, [&](int64_t b, int64_t e) {
      Out* __restrict oo = o;
      for (int64_t i = b; i < e; ++i) oo[i] = f(std::get<I>(p)[i * step[I]]...);
    });
    return;
  }
  std::array<Shape, K> st{out.strides(), broadcast_strides(ins, shape)...};
  Collapsed<K> c = collapse<K>(shape, st);
  const int64_t nd = static_cast<int64_t>(c.sizes.size());
  const int64_t inner = c.sizes[nd - 1];
  const int64_t outer = n / inner;
  const int64_t so = c.strides[0][nd - 1];
  const std::array<int64_t, sizeof...(In)> si{c.strides[1 + I][nd - 1]...};
  auto run_rows = [&](int64_t rb, int64_t re) {
    // odometer over the outer dims, starting at row rb
    std::vector<int64_t> idx(nd > 1 ? nd - 1 : 1, 0);
    int64_t r = rb;
    for (int64_t d = nd - 2; d >= 0; --d) { idx[d] = r % c.sizes[d]; r /= c.sizes[d]; }
    for (int64_t row = rb; row < re; ++row) {
      int64_t off0 = 0;
      [[maybe_unused]] std::array<int64_t, sizeof...(In)> offs{};
      for (int64_t d = 0; d < nd - 1; ++d) {
        off0 += idx[d] * c.strides[0][d];
        ((offs[I] += idx[d] * c.strides[1 + I][d]), ...);
      }
      Out* orow = o + off0;
      if (so == 1 && ((si[I] == 1) && ...)) {
        for (int64_t j = 0; j < inner; ++j) orow[j] = f((std::get<I>(p) + offs[I])[j]...);
      } else {
        for (int64_t j = 0; j < inner; ++j) orow[j * so] = f((std::get<I>(p) + offs[I])[j * si[I]]...);
      }
      for (int64_t d = nd - 2; d >= 0; --d) {
        if (++idx[d] < c.sizes[d]) break;
        idx[d] = 0;
      }
    }
  };
  if (outer == 1) {
    // one long row: split it
    parallel_for(inner, kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j) o[j * so] = f(std::get<I>(p)[j * si[I]]...);
    });
  } else {
    int64_t grain = std::max<int64_t>(1, kGrainSize / inner);
    parallel_for(outer, grain, run_rows);
  }
}

}  // namespace detail

// out[i] = f(ins[i]...) with broadcasting; operand dtypes must be Out and In... exactly.
template <class Out, class... In, class F>
void map(Tensor& out, F f, const typename tensor_of<In>::type&... ins) {
  detail::map_impl<Out, In...>(out, f, std::index_sequence_for<In...>{}, ins...);
}

}  // namespace ember::cpu

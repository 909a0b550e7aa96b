// Matrix multiply: float32 on oneDNN's matmul primitive (one primitive per shape/stride
// combination, built once and cached), other dtypes on plain loops.
#include "backend/cpu/matmul.h"

#include <atomic>
#include <charconv>
#include <optional>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/dnnl_context.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/parallel_for.h"

namespace ember::cpu {

namespace {

using dnnl::memory;

std::atomic<int64_t> g_dnnl_calls{0};

// Dims and strides (elements) of one operand as oneDNN will see it.
struct Operand {
  memory::dims dims, strides;
};

// The operand's dims/strides if oneDNN's gemm can read it in place: each matrix row-major or
// column-major with a leading dimension at least its width, matrices not overlapping.
// Strides of size-1 dims (which are arbitrary in a view) are normalised first.
std::optional<Operand> gemm_view(const Tensor& t) {
  const int64_t nd = t.dim();
  Operand o{memory::dims(t.sizes().begin(), t.sizes().end()), memory::dims(t.strides().begin(), t.strides().end())};
  const int64_t rows = o.dims[nd - 2], cols = o.dims[nd - 1];
  int64_t& sr = o.strides[nd - 2];
  int64_t& sc = o.strides[nd - 1];
  if (cols == 1 || (sc == 1 && rows > 1)) {  // row-major
    sc = 1;
    if (rows == 1) sr = cols;
    if (sr < cols) return std::nullopt;
  } else if (rows == 1 || sr == 1) {  // column-major
    sr = 1;
    if (sc < rows) return std::nullopt;
  } else {
    return std::nullopt;
  }
  if (nd == 3) {
    int64_t& sb = o.strides[0];
    if (o.dims[0] == 1) sb = rows * cols;
    if (sb < rows * cols) return std::nullopt;
  }
  return o;
}

Operand plain_operand(const Shape& s) {
  Shape st = contiguous_strides(s);
  return {memory::dims(s.begin(), s.end()), memory::dims(st.begin(), st.end())};
}

void append_dims(std::string& key, const memory::dims& v) {
  char buf[24];
  for (int64_t x : v) {
    auto r = std::to_chars(buf, buf + sizeof(buf), x);
    key.append(buf, r.ptr);
    key.push_back(',');
  }
  key.push_back('|');
}

struct MatmulEntry {
  memory::desc a, b, bias, out;
  dnnl::matmul prim;
  memory::desc scratchpad;
};

PrimitiveCache<MatmulEntry>& matmul_cache() {
  static PrimitiveCache<MatmulEntry> c;
  return c;
}

void matmul_dnnl(const Operand& a, const Operand& b, const std::optional<Operand>& bias, const Tensor& ta,
                 const Tensor& tb, const Tensor& tbias, Tensor& out) {
  Operand o = plain_operand(out.sizes());
  std::string key;
  key.reserve(128);
  append_dims(key, a.dims), append_dims(key, a.strides);
  append_dims(key, b.dims), append_dims(key, b.strides);
  append_dims(key, o.dims);
  if (bias) append_dims(key, bias->dims), append_dims(key, bias->strides);
  auto e = matmul_cache().get(key, [&] {
    auto en = std::make_shared<MatmulEntry>();
    const auto f32 = memory::data_type::f32;
    en->a = memory::desc(a.dims, f32, a.strides);
    en->b = memory::desc(b.dims, f32, b.strides);
    en->out = memory::desc(o.dims, f32, o.strides);
    if (bias) en->bias = memory::desc(bias->dims, f32, bias->strides);
    dnnl::matmul::desc d = bias ? dnnl::matmul::desc(en->a, en->b, en->bias, en->out)
                                : dnnl::matmul::desc(en->a, en->b, en->out);
    dnnl::matmul::primitive_desc pd(d, dnnl_user_scratchpad_attr(), dnnl_engine());
    en->prim = dnnl::matmul(pd);
    en->scratchpad = pd.scratchpad_desc();
    return en;
  });
  auto& eng = dnnl_engine();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(e->a, eng, ta.raw_data())},
                                       {DNNL_ARG_WEIGHTS, memory(e->b, eng, tb.raw_data())},
                                       {DNNL_ARG_DST, memory(e->out, eng, out.raw_data())}};
  if (bias) args.emplace(DNNL_ARG_BIAS, memory(e->bias, eng, tbias.raw_data()));
  dnnl_execute(e->prim, e->scratchpad, std::move(args));
  ++g_dnnl_calls;
}

// out[t,i,j] = bias[i,j] + sum_k a[t,i,k] b[t,k,j] with the operands read through their strides
// (a batch of 1 broadcasts). Rows run in parallel.
template <class T>
void matmul_loops(const Tensor& a, const Tensor& b, const Tensor& bias, Tensor& out) {
  const bool batched = out.dim() == 3;
  const int64_t B = batched ? out.size(0) : 1, n = out.size(-2), m = out.size(-1), k = a.size(-1);
  auto st = [&](const Tensor& t, int64_t d) { return t.size(d) == 1 ? 0 : t.stride(d); };
  const int64_t sab = batched ? st(a, 0) : 0, sai = a.stride(-2), sak = a.stride(-1);
  const int64_t sbb = batched ? st(b, 0) : 0, sbk = b.stride(-2), sbj = b.stride(-1);
  const T* pa = static_cast<const T*>(a.raw_data());
  const T* pb = static_cast<const T*>(b.raw_data());
  const T* pbias = bias.defined() ? static_cast<const T*>(bias.raw_data()) : nullptr;
  const int64_t sbi = pbias ? st(bias, -2) : 0, sbj2 = pbias ? st(bias, -1) : 0;
  T* po = static_cast<T*>(out.raw_data());
  if (B == 1 && m == 1 && k == 1) {  // a column times a scalar (a Linear(1,1)): one flat loop
    const T w = pb[0];
    for (int64_t i = 0; i < n; ++i) po[i] = (pbias ? pbias[i * sbi] : T(0)) + pa[i * sai] * w;
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kGrainSize / std::max<int64_t>(1, k * m));
  parallel_for(B * n, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t t = r / n, i = r % n;
      T* orow = po + r * m;
      const T* arow = pa + t * sab + i * sai;
      const T* bmat = pb + t * sbb;
      if (m == 1) {  // matrix-vector: one dot product per row, in the same order as below
        T acc = pbias ? pbias[i * sbi] : T(0);
        for (int64_t q = 0; q < k; ++q) acc += arow[q * sak] * bmat[q * sbk];
        orow[0] = acc;
        continue;
      }
      for (int64_t j = 0; j < m; ++j) orow[j] = pbias ? pbias[i * sbi + j * sbj2] : T(0);
      for (int64_t q = 0; q < k; ++q) {
        const T aq = arow[q * sak];
        const T* brow = bmat + q * sbk;
        if (sbj == 1)
          for (int64_t j = 0; j < m; ++j) orow[j] += aq * brow[j];
        else
          for (int64_t j = 0; j < m; ++j) orow[j] += aq * brow[j * sbj];
      }
    }
  });
}

}  // namespace

int64_t dnnl_matmul_calls() { return g_dnnl_calls.load(); }

// Below this many multiply-adds a float32 product runs on the loops: a oneDNN call costs
// microseconds of setup (memory objects, a parallel region), more than the work itself.
constexpr int64_t kSmallMatmulMacs = 4096;
// Below this many (about 0.1 ms of one core) oneDNN runs the product on one thread: splitting it
// saves little, and on a loaded machine each parallel region can wait a scheduler quantum (a
// 64x784 @ 784x256 MLP layer: 12.8M).
constexpr int64_t kSerialMatmulMacs = int64_t{1} << 24;

void matmul(const Tensor& a, const Tensor& b, const Tensor& bias, Tensor& out) {
  if (out.numel() == 0) return;
  const int64_t k = a.size(-1);
  if (out.dtype() == kFloat32 && k > 0 && out.numel() * k > kSmallMatmulMacs) {
    std::optional<Operand> oa = gemm_view(a), ob = gemm_view(b);
    Tensor ca = oa ? a : contiguous(a), cb = ob ? b : contiguous(b);
    if (!oa) oa = gemm_view(ca);
    if (!ob) ob = gemm_view(cb);
    std::optional<Operand> obias;
    Tensor cbias;
    if (bias.defined()) {
      cbias = contiguous(bias);
      obias = plain_operand(bias.sizes());
    }
    std::optional<OneThreadScope> one_thread;
    if (out.numel() * k < kSerialMatmulMacs) one_thread.emplace();
    try {
      matmul_dnnl(*oa, *ob, obias, ca, cb, cbias, out);
    } catch (const dnnl::error& err) {
      // oneDNN declined these strides: hand it plain row-major copies
      Tensor pa = contiguous(a), pb = contiguous(b);
      EMBER_CHECK(!a.is_same(pa) || !b.is_same(pb), "matmul: oneDNN failed for ", shape_str(a.sizes()), " @ ",
                  shape_str(b.sizes()), ": ", err.what());
      try {
        matmul_dnnl(*gemm_view(pa), *gemm_view(pb), obias, pa, pb, cbias, out);
      } catch (const dnnl::error& err2) {
        EMBER_THROW("matmul: oneDNN failed for ", shape_str(a.sizes()), " @ ", shape_str(b.sizes()), ": ", err2.what());
      }
    }
    return;
  }
  dispatch_numeric(out.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    matmul_loops<T>(a, b, bias, out);
  });
}

}  // namespace ember::cpu

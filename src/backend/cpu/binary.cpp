// Arithmetic binary kernels: add, sub, mul, div over one dtype with broadcasting.
#include <algorithm>

#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"
#include "tensor/make.h"

namespace ember::cpu {

void binary(BinaryOp op, const Tensor& a, const Tensor& b, Tensor& out, Scalar alpha) {
  dispatch_numeric(out.dtype(), "binary", [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case BinaryOp::Add:
        if (alpha.to_double() == 1.0) map<T, T, T>(out, [](T x, T y) { return T(x + y); }, a, b);
        else {
          T al = alpha.to<T>();
          map<T, T, T>(out, [al](T x, T y) { return T(x + al * y); }, a, b);
        }
        break;
      case BinaryOp::Sub:
        if (alpha.to_double() == 1.0) map<T, T, T>(out, [](T x, T y) { return T(x - y); }, a, b);
        else {
          T al = alpha.to<T>();
          map<T, T, T>(out, [al](T x, T y) { return T(x - al * y); }, a, b);
        }
        break;
      case BinaryOp::Mul: map<T, T, T>(out, [](T x, T y) { return T(x * y); }, a, b); break;
      case BinaryOp::Div:
        if constexpr (std::is_floating_point_v<T>) map<T, T, T>(out, [](T x, T y) { return T(x / y); }, a, b);
        else EMBER_THROW("div: integer division kernel called on ", dtype_name(out.dtype()));
        break;
    }
  });
}

void binary_scalar(BinaryOp op, const Tensor& a, Scalar b, Tensor& out) {
  dispatch_numeric(out.dtype(), "binary", [&](auto tag) {
    using T = decltype(tag);
    const T v = b.to<T>();
    switch (op) {
      case BinaryOp::Add: map<T, T>(out, [v](T x) { return T(x + v); }, a); break;
      case BinaryOp::Sub: map<T, T>(out, [v](T x) { return T(x - v); }, a); break;
      case BinaryOp::Mul: map<T, T>(out, [v](T x) { return T(x * v); }, a); break;
      case BinaryOp::Div:
        if constexpr (std::is_floating_point_v<T>) map<T, T>(out, [v](T x) { return T(x / v); }, a);
        else EMBER_THROW("div: integer division kernel called on ", dtype_name(out.dtype()));
        break;
    }
  });
}

Tensor rows_cols(const Tensor& x_in, const std::vector<int64_t>& dims, int64_t& rows, int64_t& cols) {
  const int64_t nd = x_in.dim();
  rows = cols = 1;
  // Contiguous x whose reduced dims all come after its kept ones (size-1 dims do not count:
  // they do not move memory) is already the matrix.
  bool trailing = x_in.is_contiguous();
  const Shape& sizes = x_in.sizes();
  size_t next = dims.size();  // walking back through `dims` (sorted)
  bool kept_seen = false;
  for (int64_t d = nd - 1; trailing && d >= 0; --d) {
    const bool red = next > 0 && dims[next - 1] == d;
    if (red) --next;
    if (sizes[d] == 1) continue;
    if (!red) kept_seen = true;
    else if (kept_seen) trailing = false;
  }
  if (trailing) {
    for (int64_t d = 0; d < nd; ++d) {
      const bool red = std::binary_search(dims.begin(), dims.end(), d);
      (red ? cols : rows) *= sizes[d];
    }
    return x_in;
  }
  std::vector<bool> reduced(nd, false);
  for (int64_t d : dims) reduced[d] = true;
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < nd; ++d)
    if (!reduced[d]) { perm.push_back(d); rows *= x_in.size(d); }
  for (int64_t d = 0; d < nd; ++d)
    if (reduced[d]) { perm.push_back(d); cols *= x_in.size(d); }
  return contiguous(make_view(x_in, x_in.layout().permute(perm)));  // (no autograd here)
}

void sum_dims(const Tensor& x_in, const std::vector<int64_t>& dims, Tensor& out) {
  int64_t rows, cols;
  Tensor x = rows_cols(x_in, dims, rows, cols);
  dispatch_numeric(x.dtype(), "sum", [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    const T* px = static_cast<const T*>(x.raw_data());
    T* po = static_cast<T*>(out.raw_data());
    EMBER_CHECK(out.is_contiguous(), "sum: output must be contiguous");
    if (rows == 1) {
      // one long reduction: per-thread partial sums, combined in a fixed order
      int nt = cols > kGrainSize && !omp_in_parallel() ? std::max(1, max_threads()) : 1;
      std::vector<Acc> partial(nt, Acc(0));
      int64_t per = (cols + nt - 1) / nt;
      parallel_for(nt, 1, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          Acc s = 0;
          int64_t lo = t * per, hi = std::min(cols, lo + per);
          for (int64_t j = lo; j < hi; ++j) s += px[j];
          partial[t] = s;
        }
      });
      Acc s = 0;
      for (Acc p : partial) s += p;
      po[0] = static_cast<T>(s);
      return;
    }
    parallel_for(rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        Acc s = 0;
        const T* row = px + r * cols;
        for (int64_t j = 0; j < cols; ++j) s += row[j];
        po[r] = static_cast<T>(s);
      }
    });
  });
}

}  // namespace ember::cpu

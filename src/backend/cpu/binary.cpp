// Arithmetic binary kernels: add, sub, mul, div over one dtype with broadcasting.
#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/loops.h"

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

void sum_dims(const Tensor& x_in, const std::vector<int64_t>& dims, Tensor& out) {
  // Move the reduced dims last, make the data contiguous, then reduce each row.
  const int64_t nd = x_in.dim();
  std::vector<bool> reduced(nd, false);
  for (int64_t d : dims) reduced[d] = true;
  std::vector<int64_t> perm;
  int64_t rows = 1, cols = 1;
  for (int64_t d = 0; d < nd; ++d)
    if (!reduced[d]) { perm.push_back(d); rows *= x_in.size(d); }
  for (int64_t d = 0; d < nd; ++d)
    if (reduced[d]) { perm.push_back(d); cols *= x_in.size(d); }
  Tensor x = contiguous(nd ? x_in.permute(perm) : x_in);
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

// mm, bmm, addmm and matmul (torch.matmul's 1-D / 2-D / batched-with-broadcasting rules):
// shape checks, forward on cpu::matmul, backward written with these same ops (double
// backward works).
#include "autograd/record.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/matmul.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

using autograd::record;

namespace {

std::string operands(const Tensor& a, const Tensor& b) { return shape_str(a.sizes()) + " @ " + shape_str(b.sizes()); }

// Both defined, one numeric (non-bool) dtype.
void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(a.defined() && b.defined(), op, ": an operand is undefined");
  EMBER_CHECK(a.dtype() == b.dtype(), op, ": ", operands(a, b), ": expected both operands to have the same dtype, got ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  EMBER_CHECK(a.dtype() != kBool, op, ": ", operands(a, b), ": not implemented for bool tensors");
}

void check_inner(const char* op, const Tensor& a, const Tensor& b, int64_t ka, int64_t kb) {
  EMBER_CHECK(ka == kb, op, ": ", operands(a, b), ": inner dimensions differ (", ka, " vs ", kb, ")");
}

// a:(n,k) @ b:(k,m) -> (n,m), checks done; no autograd.
Tensor mm_forward(const Tensor& a, const Tensor& b, const Tensor& bias = Tensor()) {
  Tensor out = make_empty({a.size(0), b.size(1)}, a.dtype(), a.device());
  cpu::matmul(a, b, bias, out);
  return out;
}

// a:(Ba,n,k) @ b:(Bb,k,m) -> (B,n,m) where Ba, Bb are B or 1 (a batch of 1 broadcasts
// without a copy). Checks done by the caller.
Tensor batched_mm(const Tensor& a, const Tensor& b) {
  const int64_t B = a.size(0) == 1 ? b.size(0) : a.size(0);
  Tensor out = make_empty({B, a.size(1), b.size(2)}, a.dtype(), a.device());
  cpu::matmul(a, b, Tensor(), out);
  if (autograd::needs_grad(a, b)) {
    const bool ra = a.requires_grad(), rb = b.requires_grad();
    const bool sum_a = a.size(0) != B, sum_b = b.size(0) != B;  // broadcast batches sum their gradient
    record("BmmBackward0", {a, b}, {out}, {rb ? a : Tensor(), ra ? b : Tensor()},
           [ra, rb, sum_a, sum_b](const TensorList& g, const TensorList& s) -> TensorList {
             Tensor ga, gb;
             if (ra) {
               ga = batched_mm(g[0], s[1].transpose(1, 2));
               if (sum_a) ga = ga.sum({0}, true);
             }
             if (rb) {
               gb = batched_mm(s[0].transpose(1, 2), g[0]);
               if (sum_b) gb = gb.sum({0}, true);
             }
             return {ga, gb};
           });
  }
  return out;
}

}  // namespace

// a:(n,k) @ b:(k,m) -> (n,m)
Tensor mm(const Tensor& a, const Tensor& b) {
  check_pair("mm", a, b);
  EMBER_CHECK(a.dim() == 2 && b.dim() == 2, "mm: ", operands(a, b), ": expected two 2-D matrices");
  check_inner("mm", a, b, a.size(1), b.size(0));
  Tensor out = mm_forward(a, b);
  if (autograd::needs_grad(a, b)) {
    const bool ra = a.requires_grad(), rb = b.requires_grad();
    // dA = g b^T, dB = a^T g
    record("MmBackward0", {a, b}, {out}, {rb ? a : Tensor(), ra ? b : Tensor()},
           [ra, rb](const TensorList& g, const TensorList& s) -> TensorList {
             return {ra ? mm(g[0], s[1].t()) : Tensor(), rb ? mm(s[0].t(), g[0]) : Tensor()};
           });
  }
  return out;
}

// a:(B,n,k) @ b:(B,k,m) -> (B,n,m)
Tensor bmm(const Tensor& a, const Tensor& b) {
  check_pair("bmm", a, b);
  EMBER_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: ", operands(a, b), ": expected two 3-D tensors");
  EMBER_CHECK(a.size(0) == b.size(0), "bmm: ", operands(a, b), ": batch sizes differ (", a.size(0), " vs ", b.size(0),
              ")");
  check_inner("bmm", a, b, a.size(2), b.size(1));
  return batched_mm(a, b);
}

// beta * input + alpha * (m1:(n,k) @ m2:(k,m)); input broadcasts to (n,m)
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, Scalar beta, Scalar alpha) {
  check_pair("addmm", m1, m2);
  EMBER_CHECK(input.defined(), "addmm: input is undefined");
  EMBER_CHECK(input.dtype() == m1.dtype(), "addmm: expected input and the matrices to have the same dtype, got ",
              dtype_name(input.dtype()), " and ", dtype_name(m1.dtype()));
  EMBER_CHECK(m1.dim() == 2 && m2.dim() == 2, "addmm: ", operands(m1, m2), ": expected two 2-D matrices");
  check_inner("addmm", m1, m2, m1.size(1), m2.size(0));
  const Shape out_shape{m1.size(0), m2.size(1)};
  bool fits = input.dim() <= 2;
  for (int64_t d = 1; fits && d <= input.dim(); ++d) fits = input.size(-d) == 1 || input.size(-d) == out_shape[2 - d];
  EMBER_CHECK(fits,
              "addmm: input of shape ", shape_str(input.sizes()), " cannot be broadcast to the product's shape ",
              shape_str(out_shape));
  const double b = beta.to_double(), al = alpha.to_double();
  Tensor out;
  if (b == 1 && al == 1) {
    // input as the matmul's bias, viewed with the product's rank: () / (m) -> (1,m)
    Layout l = input.layout();
    while (l.dim() < 2) l = l.unsqueeze(0);
    out = mm_forward(m1, m2, make_view(input, l));
  } else {
    out = mm_forward(m1, m2);
    const DType dt = out.dtype();
    if (al != 1) cpu::binary(cpu::BinaryOp::Mul, out, cpu::convert(wrap_scalar(alpha), dt), out);
    if (b != 0) cpu::binary(cpu::BinaryOp::Add, out, input, out, beta);
  }
  if (autograd::needs_grad(input, m1, m2)) {
    const bool ri = input.requires_grad(), r1 = m1.requires_grad(), r2 = m2.requires_grad();
    const Shape in_shape = input.sizes();
    record("AddmmBackward0", {input, m1, m2}, {out}, {r2 ? m1 : Tensor(), r1 ? m2 : Tensor()},
           [=](const TensorList& g, const TensorList& s) -> TensorList {
             auto scaled = [](const Tensor& t, double f) { return f == 1 ? t : t * f; };
             return {ri ? sum_to(scaled(g[0], b), in_shape) : Tensor(),
                     r1 ? scaled(mm(g[0], s[1].t()), al) : Tensor(), r2 ? scaled(mm(s[0].t(), g[0]), al) : Tensor()};
           });
  }
  return out;
}

// torch.matmul: 1-D @ 1-D -> dot; 2-D @ 2-D -> mm; a 1-D operand gains a dim (prepended to a,
// appended to b) that the result drops; N-D @ 1-D/2-D folds a's batch into its rows; otherwise
// the batch dims broadcast: (j,1,n,k) @ (l,k,m) -> (j,l,n,m).
Tensor matmul(const Tensor& a, const Tensor& b) {
  check_pair("matmul", a, b);
  const int64_t da = a.dim(), db = b.dim();
  EMBER_CHECK(da >= 1 && db >= 1, "matmul: ", operands(a, b), ": both arguments need to be at least 1-D, but they are ",
              da, "-D and ", db, "-D");
  const int64_t k = a.size(-1);
  check_inner("matmul", a, b, k, db == 1 ? b.size(0) : b.size(-2));
  if (da == 1 && db == 1) return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape({});
  if (da == 2 && db == 2) return mm(a, b);
  if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (da == 2 && db == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
  if (da >= 3 && db <= 2) {
    // fold: (*, n, k) -> (* n, k) @ (k, m)
    Shape out_shape(a.sizes().begin(), a.sizes().end() - 1);
    if (db == 2) out_shape.push_back(b.size(1));
    Tensor r = mm(a.reshape({-1, k}), db == 1 ? b.unsqueeze(1) : b);
    return r.reshape(out_shape);
  }
  // batched with broadcasting
  Tensor a3 = da == 1 ? a.unsqueeze(0) : a, b3 = db == 1 ? b.unsqueeze(1) : b;
  const Shape ba(a3.sizes().begin(), a3.sizes().end() - 2), bb(b3.sizes().begin(), b3.sizes().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(ba, bb, "matmul");
  } catch (const Error&) {
    EMBER_THROW("matmul: ", operands(a, b), ": batch dimensions ", shape_str(ba), " and ", shape_str(bb),
                " cannot be broadcast");
  }
  const int64_t n = a3.size(-2), m = b3.size(-1), B = shape_numel(batch);
  // an operand whose batch is all broadcast enters with a batch of 1 (no copy)
  auto to3 = [&](const Tensor& t, const Shape& tb, int64_t rows, int64_t cols) {
    if (shape_numel(tb) == 1 && B != 1) return t.reshape({1, rows, cols});
    Shape full = batch;
    full.push_back(rows);
    full.push_back(cols);
    return t.expand(full).reshape({B, rows, cols});
  };
  Tensor r = batched_mm(to3(a3, ba, n, k), to3(b3, bb, k, m));
  Shape out_shape = batch;
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(m);
  return r.reshape(out_shape);
}

Tensor Tensor::matmul(const Tensor& o) const { return ember::matmul(*this, o); }
Tensor Tensor::mm(const Tensor& o) const { return ember::mm(*this, o); }

}  // namespace ember

// Type promotion: torch.result_type's table (categories: dimensioned tensor > zero-dim tensor >
// Python number, unless the lower category has a higher kind) and the ops that use it.
// Expected dtypes and values come from torch 1.13.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;

namespace {
Tensor vec(DType d) { return ones({2}, d); }
Tensor zero_dim(DType d) { return ones({}, d); }
}  // namespace

TEST(TypePromotion, ResultTypeTable) {
  // tensor vs tensor (both dimensioned): promote_types
  EXPECT_EQ(result_type(vec(kInt64), vec(kFloat32)), kFloat32);
  EXPECT_EQ(result_type(vec(kInt32), vec(kInt64)), kInt64);
  EXPECT_EQ(result_type(vec(kUInt8), vec(kBool)), kUInt8);
  EXPECT_EQ(result_type(vec(kBool), vec(kBool)), kBool);
  EXPECT_EQ(result_type(vec(kFloat32), vec(kFloat64)), kFloat64);
  EXPECT_EQ(result_type(vec(kUInt8), vec(kInt32)), kInt32);
  // tensor vs scalar: the scalar only decides the kind
  EXPECT_EQ(result_type(vec(kUInt8), Scalar(300)), kUInt8);
  EXPECT_EQ(result_type(vec(kBool), Scalar(3)), kInt64);
  EXPECT_EQ(result_type(vec(kInt64), Scalar(2.5)), kFloat32);
  EXPECT_EQ(result_type(vec(kInt32), Scalar(int64_t(1) << 40)), kInt32);
  EXPECT_EQ(result_type(vec(kBool), Scalar(true)), kBool);
  EXPECT_EQ(result_type(vec(kFloat64), Scalar(2.5)), kFloat64);
  EXPECT_EQ(result_type(vec(kInt32), Scalar(2)), kInt32);
  // zero-dim tensors rank below dimensioned ones of the same kind, above numbers
  EXPECT_EQ(result_type(zero_dim(kFloat64), vec(kFloat32)), kFloat32);
  EXPECT_EQ(result_type(vec(kFloat32), zero_dim(kFloat64)), kFloat32);
  EXPECT_EQ(result_type(zero_dim(kInt64), vec(kUInt8)), kUInt8);
  EXPECT_EQ(result_type(zero_dim(kFloat64), vec(kInt32)), kFloat64);  // higher kind: its own dtype
  EXPECT_EQ(result_type(vec(kBool), zero_dim(kFloat64)), kFloat64);
  EXPECT_EQ(result_type(zero_dim(kInt32), zero_dim(kInt64)), kInt64);
  EXPECT_EQ(result_type(zero_dim(kInt32), Scalar(2.5)), kFloat32);
  // wrapped numbers
  EXPECT_EQ(result_type(vec(kInt64), wrap_scalar(2.5)), kFloat32);
  EXPECT_TRUE(wrap_scalar(1).impl()->is_wrapped_number);
}

TEST(TypePromotion, CoreArithmetic) {
  // torch: uint8 [1] + 300 -> 45 (300 wraps to 44 in uint8)
  Tensor u = tensor(std::vector<uint8_t>{1});
  Tensor r = u + 300;
  EXPECT_EQ(r.dtype(), kUInt8);
  EXPECT_EQ(r.item<int64_t>(), 45);
  // torch: uint8 [5] - 10 -> 251
  EXPECT_EQ((tensor(std::vector<uint8_t>{5}) - 10).item<int64_t>(), 251);
  // torch: tensor([1,2]) / tensor([2,4]) -> float32 [0.5, 0.5]
  Tensor d = tensor({1, 2}) / tensor({2, 4});
  EXPECT_EQ(d.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(d, tensor({0.5f, 0.5f}));
  EXPECT_EQ((tensor({1, 2}, {}, kInt32) / 2).dtype(), kFloat32);
  EXPECT_EQ((tensor({1.0, 2.0}) / tensor({2, 4})).dtype(), kFloat64);
  // torch: int32 [3,4] * 2.5 -> float32 [7.5, 10]
  Tensor m = tensor({3, 4}, {}, kInt32) * 2.5;
  EXPECT_EQ(m.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(m, tensor({7.5f, 10.f}));
  // torch: uint8 [1,2] - int64 [3] -> int64 [-2,-1]
  Tensor s = tensor(std::vector<uint8_t>{1, 2}) - tensor({3});
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(s, tensor({-2, -1}));
  // torch: int32 [7] + int64 zero-dim 5 -> int32 [12]
  Tensor z = tensor({7}, {}, kInt32) + tensor({5}, {}, kInt64).reshape({});
  EXPECT_EQ(z.dtype(), kInt32);
  EXPECT_EQ(z.item<int64_t>(), 12);
  // torch: float32 [1.5, 2.5] * float64 zero-dim 2 -> float32 [3, 5]
  Tensor f = tensor({1.5f, 2.5f}) * tensor({2.0}).reshape({});
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(f, tensor({3.f, 5.f}));
  // bool + int -> int64; bool + bool -> bool (logical or); bool * 2.5 -> float32
  EXPECT_EQ((tensor(std::vector<bool>{true, false}) + 1).dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(tensor(std::vector<bool>{true, false}) + 1, tensor({2, 1}));
  Tensor bb = tensor(std::vector<bool>{true, false}) + tensor(std::vector<bool>{true, true});
  EXPECT_EQ(bb.dtype(), kBool);
  EXPECT_TENSOR_CLOSE(bb, tensor(std::vector<bool>{true, true}));
  EXPECT_EQ((tensor(std::vector<bool>{true}) * 2.5).dtype(), kFloat32);
  // int tensor + 2.5 -> float32 (not float64: the number promotes as the default dtype)
  Tensor a = tensor({1, 2}) + 2.5;
  EXPECT_EQ(a.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(a, tensor({3.5f, 4.5f}));
  EXPECT_EQ((tensor({1, 2}) - 1).dtype(), kInt64);
  EXPECT_EQ((2.0 - tensor({1, 2}, {}, kInt32)).dtype(), kFloat32);
  EXPECT_EQ((tensor({1.f}) + tensor({1.0})).dtype(), kFloat64);
}

TEST(TypePromotion, InplaceMayNotDowncast) {
  // torch: int64.add_(1.5) -> "result type Float can't be cast to the desired output type Long"
  Tensor i = tensor({1, 2});
  EXPECT_THROW(i.add_(1.5), Error);
  EXPECT_THROW(i.mul_(tensor({1.f, 1.f})), Error);
  EXPECT_THROW(i.div_(2), Error);  // true division gives float
  EXPECT_THROW(i += 0.5, Error);
  EXPECT_TENSOR_CLOSE(i, tensor({1, 2}));  // untouched
  // upcasting the other operand is fine: float32.add_(float64) stays float32
  Tensor f = tensor({1.f, 2.f});
  f.add_(tensor({1.0, 1.0}));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(f, tensor({2.f, 3.f}));
  i.add_(tensor(std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(i, tensor({2, 3}));
  // bool in place: only bool results fit
  Tensor b = tensor(std::vector<bool>{true, false});
  EXPECT_THROW(b.add_(1), Error);
}

TEST(TypePromotion, ElementwiseOps) {
  Tensor i = tensor({1, -2, 3});
  EXPECT_EQ(pow(i, 2).dtype(), kInt64);
  EXPECT_EQ(pow(i, 0.5).dtype(), kFloat32);
  EXPECT_EQ(pow(i, tensor({2.0})).dtype(), kFloat64);
  EXPECT_EQ(pow(tensor({2.f}), tensor({2}, {}, kInt32)).dtype(), kFloat32);
  EXPECT_EQ(pow(2.5, i).dtype(), kFloat32);
  EXPECT_EQ(maximum(i, tensor({0.5f})).dtype(), kFloat32);
  EXPECT_EQ(minimum(tensor({1}, {}, kInt32), tensor({1})).dtype(), kInt64);
  EXPECT_EQ(minimum(tensor({1.f, 2.f}), tensor({1.0}).reshape({})).dtype(), kFloat32);
  EXPECT_EQ(exp(i).dtype(), kFloat32);
  EXPECT_EQ(log(tensor(std::vector<uint8_t>{1})).dtype(), kFloat32);
  EXPECT_EQ(tanh(tensor({1.0})).dtype(), kFloat64);
  EXPECT_EQ(abs(tensor({1}, {}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(clamp(i, 0).dtype(), kInt64);
  EXPECT_EQ(clamp(i, 0, 2.5).dtype(), kFloat32);
  EXPECT_EQ(where(tensor(std::vector<bool>{true}), tensor({1}), tensor({1.f})).dtype(), kFloat32);
  EXPECT_EQ(where(tensor(std::vector<bool>{true}), tensor({1.f}), tensor({1.0}).reshape({})).dtype(), kFloat32);
  // in-place elementwise keeps the dtype or fails
  EXPECT_THROW(i.clone().exp_(), Error);
  EXPECT_THROW(i.clone().pow_(0.5), Error);
  Tensor f = tensor({4.f});
  f.pow_(0.5);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_FLOAT_EQ(f.item<float>(), 2.f);
}

TEST(TypePromotion, GradientsFlowThroughPromotion) {
  // float64 leaf with an int64 tensor: the result is float64 and the gradient reaches the leaf
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * tensor({3, 4}) + tensor({1, 1});
  EXPECT_EQ(y.dtype(), kFloat64);
  y.sum().backward();
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({3.0, 4.0}));
  // float32 leaf times a float64 zero-dim tensor: float32 result, float32 gradient
  Tensor w = tensor({1.f, 2.f}).requires_grad_();
  Tensor z = w * tensor({2.0}).reshape({});
  EXPECT_EQ(z.dtype(), kFloat32);
  z.sum().backward();
  EXPECT_EQ(w.grad().dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(w.grad(), tensor({2.f, 2.f}));
  // pow with an integer exponent tensor
  Tensor p = tensor({2.0, 3.0}).requires_grad_();
  pow(p, tensor({2, 3})).sum().backward();
  EXPECT_TENSOR_CLOSE(p.grad(), tensor({4.0, 27.0}));
}

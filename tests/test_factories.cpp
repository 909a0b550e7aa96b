// Creation functions not covered elsewhere: *_like, from_blob with strides and a deleter,
// unflatten, and the in-place random fills uniform_ / normal_ (seeded, independent of the
// thread count, bumping the version).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;

TEST(Factories, LikeFunctionsKeepShapeDtypeNotHistory) {
  Tensor t = ones({2, 3}, TensorOptions(kFloat64).requires_grad());
  Tensor f = full_like(t, 2.5);
  EXPECT_EQ(f.sizes(), (Shape{2, 3}));
  EXPECT_EQ(f.dtype(), kFloat64);
  EXPECT_FALSE(f.requires_grad());
  EXPECT_TRUE(equal(f, full({2, 3}, 2.5, kFloat64)));
  EXPECT_EQ(full_like(t, 7, kInt64).dtype(), kInt64);
  EXPECT_FALSE(zeros_like(t).requires_grad());
  EXPECT_TRUE(ones_like(t, TensorOptions(kFloat32).requires_grad()).requires_grad());
  manual_seed(5);
  Tensor r1 = rand_like(t), n1 = randn_like(t);
  manual_seed(5);
  Tensor r2 = rand({2, 3}, kFloat64), n2 = randn({2, 3}, kFloat64);
  EXPECT_TRUE(equal(r1, r2));
  EXPECT_TRUE(equal(n1, n2));
  EXPECT_ERROR_HAS(rand_like(ones({2}, kInt64)), "rand", "floating");
}

TEST(Factories, FromBlobWithStridesAndDeleter) {
  static int deleted = 0;
  deleted = 0;
  float* buf = new float[6]{0, 1, 2, 3, 4, 5};
  Tensor view;
  {
    // a column-major (3,2) view of the buffer: element (i,j) at i + 3j
    Tensor t = from_blob(buf, {3, 2}, {1, 3}, kFloat32, [](void* p) {
      ++deleted;
      delete[] static_cast<float*>(p);
    });
    EXPECT_TRUE(equal(t, tensor({0.f, 3.f, 1.f, 4.f, 2.f, 5.f}, {3, 2})));
    EXPECT_FALSE(t.is_contiguous());
    view = t.select(1, 1);
  }
  EXPECT_EQ(deleted, 0);  // a view keeps the memory alive
  EXPECT_TRUE(equal(view, tensor({3.f, 4.f, 5.f})));
  view = Tensor();
  EXPECT_EQ(deleted, 1);
  float x = 1;
  EXPECT_ERROR_HAS(from_blob(nullptr, {2}, kFloat32), "from_blob", "null");
  EXPECT_ERROR_HAS(from_blob(&x, {1, 1}, {1}, kFloat32), "from_blob", "(1,1)", "(1)");
  EXPECT_ERROR_HAS(from_blob(&x, {-1}, kFloat32), "from_blob", "negative");
  EXPECT_ERROR_HAS(from_blob(&x, {1}, {-1}, kFloat32), "from_blob", "negative stride");
}

TEST(Factories, Unflatten) {
  Tensor a = arange(24).view({2, 12});
  Tensor u = a.unflatten(1, {3, -1});
  EXPECT_EQ(u.sizes(), (Shape{2, 3, 4}));
  EXPECT_TRUE(equal(u, arange(24).view({2, 3, 4})));
  EXPECT_EQ(u.storage(), a.storage());  // a view
  EXPECT_EQ(a.unflatten(-1, {2, 2, 3}).sizes(), (Shape{2, 2, 2, 3}));
  EXPECT_ERROR_HAS(a.unflatten(1, {5, -1}), "unflatten");
}

TEST(Factories, UniformAndNormalFillInPlace) {
  Tensor a = empty({20000});
  const uint64_t v0 = a._version();
  manual_seed(11);
  a.uniform_(-2, 3);
  EXPECT_GT(a._version(), v0);
  EXPECT_GE(a.min().item<double>(), -2.0);
  EXPECT_LT(a.max().item<double>(), 3.0);
  EXPECT_NEAR(a.mean().item<double>(), 0.5, 0.05);
  // reproducible and independent of the thread count
  set_num_threads(1);
  manual_seed(11);
  Tensor b = empty({20000}).uniform_(-2, 3);
  set_num_threads(2);
  EXPECT_TRUE(equal(a, b));
  Tensor n = empty({20000}, kFloat64);
  n.normal_(1, 2);
  EXPECT_NEAR(n.mean().item<double>(), 1.0, 0.05);
  EXPECT_NEAR(n.std().item<double>(), 2.0, 0.05);
  // a strided destination is filled through its view
  Tensor m = zeros({4, 6});
  m.slice(1, 0, 6, 2).uniform_(5, 6);
  EXPECT_EQ(m.slice(1, 1, 6, 2).abs().sum().item<double>(), 0.0);
  EXPECT_GE(m.slice(1, 0, 6, 2).min().item<double>(), 5.0);
  EXPECT_ERROR_HAS(empty({2}, kInt64).uniform_(), "uniform_", "floating");
  EXPECT_ERROR_HAS(ones({2}, requires_grad()).normal_(), "normal_", "leaf");
  EXPECT_ERROR_HAS(empty({2}).uniform_(3, 2), "uniform_", "from <= to");
}

// A size whose element or byte count passes int64 used to wrap around: full({2^62}) allocated
// 0 bytes and then wrote 2^62 floats past them.
TEST(FactoryBadInput, SizesPastInt64AreRejected) {
  EXPECT_ERROR_HAS(full({int64_t{1} << 62}, 1.0), "empty", "(4611686018427387904)", "bytes");
  EXPECT_ERROR_HAS(zeros({int64_t{1} << 32, int64_t{1} << 32}), "(4294967296,4294967296)", "int64");
  // a zero among the sizes makes the product 0 however large the others are
  EXPECT_EQ(empty({int64_t{1} << 40, int64_t{1} << 40, 0}).numel(), 0);
  // ... and its strides, which address nothing, saturate instead of overflowing (UBSan checks)
  Tensor none = empty({int64_t{1} << 40, int64_t{1} << 40, int64_t{1} << 40, 0});
  EXPECT_EQ(none.numel(), 0);
  EXPECT_EQ(none.stride(3), 1);
  EXPECT_EQ(none.stride(2), 1);
  EXPECT_EQ(none.stride(1), int64_t{1} << 40);
}

TEST(FactoryBadInput, FillValuesThatDoNotFitTheDtype) {
  // PyTorch 1.13: torch.zeros(2, dtype=torch.uint8).fill_(1000) -> "value cannot be converted to type uint8_t without overflow"
  Tensor u = zeros({2}, kUInt8);
  EXPECT_ERROR_HAS(u.fill_(1000), "fill_", "1000", "cannot be converted to type uint8 without overflow");
  EXPECT_ERROR_HAS(u.fill_(-1), "cannot be converted to type uint8");
  EXPECT_EQ(u.sum().item<int64_t>(), 0);  // untouched
  u.fill_(255);
  EXPECT_EQ(u[0].item<int64_t>(), 255);
  Tensor i = zeros({2}, kInt64);
  EXPECT_ERROR_HAS(i.fill_(std::numeric_limits<double>::quiet_NaN()), "cannot be converted to type int64");
  EXPECT_ERROR_HAS(full({2}, 1e300, kInt64), "cannot be converted to type int64");
  EXPECT_ERROR_HAS(full({2}, 3e9, kInt32), "cannot be converted to type int32");
  EXPECT_EQ(full({1}, 2147483647, kInt32).item<int64_t>(), 2147483647);
  EXPECT_EQ(full({1}, -9.2233720368547758e18, kInt64).item<int64_t>(), std::numeric_limits<int64_t>::min());
  EXPECT_ERROR_HAS(full({2}, 1e300, kFloat32), "cannot be converted to type float32");
  EXPECT_TRUE(std::isinf(full({1}, std::numeric_limits<double>::infinity(), kFloat32).item<float>()));  // inf and NaN fit a float
  EXPECT_TRUE(std::isnan(full({1}, std::numeric_limits<double>::quiet_NaN(), kFloat32).item<float>()));
  EXPECT_EQ(full({1}, 1e300, kFloat64).item<double>(), 1e300);
  EXPECT_TRUE(full({1}, 7, kBool).item<bool>());
}

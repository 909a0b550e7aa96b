// Python-style indexing, index_put_, cat/stack/chunk/split and the integer-index ops
// (index_select, gather, scatter_add, masked_fill, embedding): values against PyTorch 1.13
// (numbers hard-coded from torch), errors for bad input, and float64 finite-difference
// gradient checks on contiguous, transposed and sliced inputs, plus double backward.
#include <gtest/gtest.h>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {

Tensor ints(const std::vector<int64_t>& v, const Shape& s) { return tensor(v, s); }
Tensor floats(const std::vector<float>& v, const Shape& s) { return tensor(v, s); }

Tensor leaf(const Shape& s, uint64_t seed = 1) { return ember::testing::randn_leaf(s, seed); }

}  // namespace

// ---- Tensor::index ------------------------------------------------------------------------

TEST(Index, IntegersSlicesNoneEllipsisMatchPyTorch) {
  Tensor a = arange(24).view({2, 3, 4});
  // expected values from torch 1.13: a = torch.arange(24).view(2,3,4)
  EXPECT_TENSOR_CLOSE(a.index({1}), ints({12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, {3, 4}));
  EXPECT_TENSOR_CLOSE(a.index({-1, 2}), ints({20, 21, 22, 23}, {4}));
  EXPECT_TENSOR_CLOSE(a.index({Slice(), Slice(1, 3)}),
                      ints({4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23}, {2, 2, 4}));
  EXPECT_TENSOR_CLOSE(a.index({Ellipsis, 1}), ints({1, 5, 9, 13, 17, 21}, {2, 3}));
  EXPECT_TENSOR_CLOSE(a.index({None, 0}), ints({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {1, 3, 4}));
  EXPECT_TENSOR_CLOSE(a.index({0, None, Slice(), -1}), ints({3, 7, 11}, {1, 3}));
  EXPECT_TENSOR_CLOSE(a.index({Slice(), Slice(None, None, 2), Slice(1, None, 2)}),
                      ints({1, 3, 9, 11, 13, 15, 21, 23}, {2, 2, 2}));
  EXPECT_EQ(a.index({Ellipsis, None}).sizes(), (Shape{2, 3, 4, 1}));
  EXPECT_TENSOR_CLOSE(a.index({1, Ellipsis, 2}), ints({14, 18, 22}, {3}));
  EXPECT_TENSOR_CLOSE(a.index({Slice(), Slice(-100, 100)}), a);
  EXPECT_EQ(a.index({Slice(), Slice(2, 1)}).sizes(), (Shape{2, 0, 4}));
  EXPECT_TENSOR_CLOSE(a.index({Slice(), Slice(-2, None)}),
                      ints({4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23}, {2, 2, 4}));
  EXPECT_TENSOR_CLOSE(a.index({Ellipsis, Slice(1, -1, 2)}), ints({1, 5, 9, 13, 17, 21}, {2, 3, 1}));
  EXPECT_EQ(a.index({None, Ellipsis, None}).sizes(), (Shape{1, 2, 3, 4, 1}));
  // b[:, 1:7:2] with b = torch.arange(20).view(2,10)
  Tensor b = arange(20).view({2, 10});
  Tensor r = b.index({Slice(), Slice(1, 7, 2)});
  EXPECT_TENSOR_CLOSE(r, ints({1, 3, 5, 11, 13, 15}, {2, 3}));
  EXPECT_EQ(r.strides(), (Shape{10, 2}));
  EXPECT_EQ(r.storage_offset(), 1);
  // the vector overload and an empty index (the whole tensor)
  EXPECT_TENSOR_CLOSE(b.index(std::vector<TensorIndex>{1, Slice(8)}), ints({18, 19}, {2}));
  EXPECT_TENSOR_CLOSE(b.index(std::vector<TensorIndex>{}), b);
}

TEST(Index, ResultIsAViewOfTheSameStorage) {
  Tensor a = zeros({3, 4});
  Tensor v = a.index({Slice(1, None), 2});
  EXPECT_EQ(v.storage().get(), a.storage().get());
  v.fill_(5);
  EXPECT_TENSOR_CLOSE(a.index({Slice(), 2}), floats({0.f, 5.f, 5.f}, {3}));
  EXPECT_FLOAT_EQ(a.sum().item<float>(), 10.f);
}

TEST(Index, Errors) {
  Tensor a = arange(24).view({2, 3, 4});
  EXPECT_ERROR_HAS(a.index({2}), "index 2", "dimension 0", "size 2");
  EXPECT_ERROR_HAS(a.index({0, -4}), "index -4", "dimension 1", "size 3");
  EXPECT_ERROR_HAS(a.index({Ellipsis, 4}), "index 4", "dimension 2", "size 4");
  EXPECT_ERROR_HAS(a.index({0, 0, 0, 0}), "too many indices", "(2,3,4)");
  EXPECT_ERROR_HAS(a.index({Slice(None, None, 0)}), "step");
  EXPECT_ERROR_HAS(a.index({Slice(None, None, -1)}), "step");
  EXPECT_ERROR_HAS(a.index({Ellipsis, 0, Ellipsis}), "ellipsis");
  EXPECT_ERROR_HAS(scalar_tensor(1.f).index({0}), "too many indices");
  EXPECT_THROW(Tensor().index({0}), Error);
}

TEST(Index, Gradients) {
  Tensor x = leaf({3, 4, 5});
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].index({Slice(1, None), None, Ellipsis, Slice(None, None, 2)}); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].index({-1, Slice(0, 3)}); }, {x}));
  // transposed and sliced inputs
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].transpose(0, 2).index({Ellipsis, 1, Slice(1, 3)}); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].slice(2, 1, 5, 2).index({Slice(), 0}); }, {x}));
  EXPECT_TRUE(gradgradcheck([](const TensorList& t) {
    Tensor s = t[0].index({0, Slice(1, 3)});
    return s * s;
  }, {x}));
}

// ---- index_put_ -----------------------------------------------------------------------------

TEST(IndexPut, WritesThroughTheViewWithBroadcasting) {
  Tensor a = zeros({3, 4});
  a.index_put_({Slice(), 1}, 5);
  a.index_put_({0}, tensor({1.f, 2.f, 3.f, 4.f}));
  a.index_put_({Slice(1, 3), Slice(2, None)}, tensor({7.f, 8.f}));  // (2) broadcast to (2,2)
  // torch: a = torch.zeros(3,4); a[:,1] = 5; a[0] = torch.tensor([1.,2,3,4]); a[1:3, 2:] = torch.tensor([7.,8])
  EXPECT_TENSOR_CLOSE(a, floats({1, 2, 3, 4, 0, 5, 7, 8, 0, 5, 7, 8}, {3, 4}));
  // integer target takes a float value converted as copy_ does; None and Ellipsis work too
  Tensor b = zeros({2, 3}, kInt64);
  b.index_put_({Ellipsis, None, -1}, tensor({9.f, 10.f}).view({2, 1}));
  EXPECT_TENSOR_CLOSE(b, ints({0, 0, 9, 0, 0, 10}, {2, 3}));
  EXPECT_EQ(b.dtype(), kInt64);
  // the value may be a view of the target itself
  Tensor c = arange(6, kFloat32).view({2, 3});
  c.index_put_({0}, c.index({1}));
  EXPECT_TENSOR_CLOSE(c, floats({3, 4, 5, 3, 4, 5}, {2, 3}));
  // the version counter moves
  uint64_t v0 = c._version();
  c.index_put_({1, 1}, 0);
  EXPECT_GT(c._version(), v0);
}

TEST(IndexPut, Errors) {
  Tensor a = zeros({3, 4});
  EXPECT_ERROR_HAS(a.index_put_({0}, tensor({1.f, 2.f, 3.f})), "index_put_", "(3)", "(4)");
  EXPECT_ERROR_HAS(a.index_put_({5}, 1), "index 5", "size 3");
  Tensor w = zeros({3}).requires_grad_();
  EXPECT_ERROR_HAS(w.index_put_({0}, 1), "leaf Variable that requires grad");
  NoGradGuard g;
  w.index_put_({0}, 1);  // allowed without grad mode
  EXPECT_FLOAT_EQ(w.sum().item<float>(), 1.f);
}

TEST(IndexPut, AutogradOnNonLeafAndValue) {
  Tensor x = leaf({3, 4}, 3), v = leaf({3}, 4);
  auto fn = [](const TensorList& t) {
    Tensor y = t[0] * 1.0;
    y.index_put_({Slice(), 1}, t[1]);
    y.index_put_({0, Slice(2, None)}, 0.5);
    return y * y;
  };
  EXPECT_TRUE(gradcheck(fn, {x, v}));
  EXPECT_TRUE(gradgradcheck(fn, {x, v}));
  Tensor y = x * 1.0;
  y.index_put_({0}, 2.0);
  EXPECT_EQ(y.grad_fn()->name(), "CopySlices");
  y.sum().backward();
  // row 0 was overwritten: no gradient reaches x there
  EXPECT_TENSOR_CLOSE(x.grad().index({0}), zeros({4}, kFloat64));
  EXPECT_TENSOR_CLOSE(x.grad().index({Slice(1, None)}), ones({2, 4}, kFloat64));
  // a tensor that does not require grad starts to when it receives one
  Tensor z = zeros({2, 3}, kFloat64);
  z.index_put_({1}, v);
  EXPECT_TRUE(z.requires_grad());
  EXPECT_TRUE(gradcheck([](const TensorList& t) {
    Tensor zz = zeros({2, 3}, kFloat64);
    zz.index_put_({1}, t[0]);
    return zz;
  }, {v}));
}

// ---- cat / stack / chunk / split ------------------------------------------------------------

TEST(Join, CatValuesAndPromotion) {
  // torch.cat([torch.arange(6.).view(2,3), torch.arange(3.).view(1,3)*10])
  Tensor c = cat({arange(6, kFloat32).view({2, 3}), arange(3, kFloat32).view({1, 3}) * 10});
  EXPECT_TENSOR_CLOSE(c, floats({0, 1, 2, 3, 4, 5, 0, 10, 20}, {3, 3}));
  // int64 + int32 along -1 -> int64 [[0,1,7],[2,3,8]]
  Tensor d = cat({arange(4).view({2, 2}), tensor(std::vector<int32_t>{7, 8}, {2, 1})}, -1);
  EXPECT_EQ(d.dtype(), kInt64);
  EXPECT_TENSOR_CLOSE(d, ints({0, 1, 7, 2, 3, 8}, {2, 3}));
  EXPECT_EQ(cat({tensor(std::vector<int32_t>{1, 2}), tensor({1.f})}).dtype(), kFloat32);
  EXPECT_EQ(cat({tensor({1.f}), tensor({2.0})}).dtype(), kFloat64);
  // transposed input, and a legacy empty (0) tensor that is skipped
  Tensor t = cat({arange(6, kFloat32).view({2, 3}).t(), zeros({0}), ones({1, 2})}, 0);
  EXPECT_TENSOR_CLOSE(t, floats({0, 3, 1, 4, 2, 5, 1, 1}, {4, 2}));
  EXPECT_EQ(cat({zeros({0}), zeros({0})}).sizes(), (Shape{0}));
}

TEST(Join, CatErrors) {
  EXPECT_ERROR_HAS(cat({}), "cat", "non-empty");
  EXPECT_ERROR_HAS(cat({ones({2, 3}), ones({2, 4})}), "cat", "dimension 0", "tensor number 1", "(2,3)", "(2,4)");
  EXPECT_ERROR_HAS(cat({ones({2, 3}), ones({3})}), "same number of dimensions", "(2,3)", "(3)");
  EXPECT_ERROR_HAS(cat({ones({2, 3}), ones({2, 3})}, 2), "cat");
  EXPECT_ERROR_HAS(cat({scalar_tensor(1.f), scalar_tensor(2.f)}), "zero-dimensional");
}

TEST(Join, CatGradients) {
  Tensor a = leaf({2, 3}, 1), b = leaf({3, 2}, 2), c = leaf({4, 3}, 3);
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return cat({x[0], x[1].t(), x[2].slice(0, 1, 4, 2)}, 0); }, {a, b, c}));
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return cat({x[0].t(), x[1]}, -1); }, {a, b}));
  EXPECT_TRUE(gradgradcheck([](const TensorList& x) {
    Tensor y = cat({x[0], x[1].t()}, 1);
    return y * y;
  }, {a, b}));
  Tensor y = cat({a, b.t()});
  EXPECT_EQ(y.grad_fn()->name(), "CatBackward0");
  // a float32 input concatenated with float64 gets a float32 gradient
  Tensor f = ones({2}).requires_grad_();
  cat({f, tensor({1.0, 2.0})}).sum().backward();
  EXPECT_EQ(f.grad().dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(f.grad(), ones({2}));
}

TEST(Join, StackValuesGradientsErrors) {
  // torch.stack([[1,2],[3,4],[5,6]], 1) -> [[1,3,5],[2,4,6]]
  Tensor s = stack({tensor({1.f, 2.f}), tensor({3.f, 4.f}), tensor({5.f, 6.f})}, 1);
  EXPECT_TENSOR_CLOSE(s, floats({1, 3, 5, 2, 4, 6}, {2, 3}));
  Tensor m = arange(6, kFloat32).view({2, 3});
  EXPECT_TENSOR_CLOSE(stack({m, -m}, -1), floats({0, 0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5}, {2, 3, 2}));
  EXPECT_EQ(stack({scalar_tensor(1), scalar_tensor(2)}).sizes(), (Shape{2}));
  EXPECT_ERROR_HAS(stack({}), "stack");
  EXPECT_ERROR_HAS(stack({ones({2, 3}), ones({3})}), "stack", "(2,3)", "(3)", "entry 1");
  EXPECT_ERROR_HAS(stack({ones({2}), ones({2})}, 3), "stack");
  Tensor a = leaf({2, 3}, 1), b = leaf({3, 2}, 2);
  EXPECT_TRUE(gradcheck([](const TensorList& x) { return stack({x[0], x[1].t(), x[0].slice(1, 0, 3)}, 1); }, {a, b}));
  EXPECT_TRUE(gradgradcheck([](const TensorList& x) {
    Tensor y = stack({x[0], x[1].t()}, -1);
    return y * y;
  }, {a, b}));
  EXPECT_EQ(stack({a, a}).grad_fn()->name(), "StackBackward0");
}

TEST(Join, ChunkAndSplitAreViews) {
  Tensor x = arange(10, kFloat32).view({2, 5});
  auto ch = x.chunk(3, 1);  // torch: sizes 2, 2, 1
  ASSERT_EQ(ch.size(), 3u);
  EXPECT_EQ(ch[0].sizes(), (Shape{2, 2}));
  EXPECT_EQ(ch[2].sizes(), (Shape{2, 1}));
  EXPECT_TENSOR_CLOSE(ch[1], floats({2, 3, 7, 8}, {2, 2}));
  EXPECT_EQ(ch[1].storage().get(), x.storage().get());
  EXPECT_EQ(chunk(arange(6), 4).size(), 3u);  // torch: 6 in 4 chunks -> 3 pieces of 2
  EXPECT_EQ(chunk(zeros({0}), 3).size(), 3u);
  auto sp = split(x, 2, -1);
  ASSERT_EQ(sp.size(), 3u);
  EXPECT_TENSOR_CLOSE(sp[2], floats({4, 9}, {2, 1}));
  auto sz = x.split(std::vector<int64_t>{1, 4}, 1);
  ASSERT_EQ(sz.size(), 2u);
  EXPECT_TENSOR_CLOSE(sz[1], floats({1, 2, 3, 4, 6, 7, 8, 9}, {2, 4}));
  sz[0].fill_(-1);  // write through the view
  EXPECT_TENSOR_CLOSE(x.index({Slice(), 0}), floats({-1, -1}, {2}));
  EXPECT_ERROR_HAS(x.split(std::vector<int64_t>{2, 2}, 1), "split_with_sizes", "sum exactly to 5");
  EXPECT_ERROR_HAS(x.chunk(0), "chunk", "greater than 0");
  EXPECT_ERROR_HAS(x.split(0, 1), "split");
  EXPECT_ERROR_HAS(scalar_tensor(1.f).chunk(2), "chunk");
  Tensor l = leaf({4, 5});
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].t().chunk(2, 0)[1]; }, {l}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) {
    auto p = t[0].split(std::vector<int64_t>{1, 3}, 0);
    return p[0] * p[1].slice(0, 1, 2);
  }, {l}));
}

// ---- index_select ---------------------------------------------------------------------------

TEST(IndexSelect, ValuesMatchPyTorch) {
  Tensor x = arange(12, kFloat32).view({3, 4});
  EXPECT_TENSOR_CLOSE(index_select(x, 0, tensor({2, 0, 2})), floats({8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}, {3, 4}));
  EXPECT_TENSOR_CLOSE(x.index_select(1, tensor({3, 1})), floats({3, 1, 7, 5, 11, 9}, {3, 2}));
  EXPECT_TENSOR_CLOSE(x.t().index_select(0, tensor(std::vector<int32_t>{1, 3})), floats({1, 5, 9, 3, 7, 11}, {2, 3}));
  EXPECT_TENSOR_CLOSE(x.index_select(-1, scalar_tensor(1)), floats({1, 5, 9}, {3, 1}));
  EXPECT_TENSOR_CLOSE(arange(6).index_select(0, tensor({5, 5})), ints({5, 5}, {2}));
  EXPECT_EQ(x.index_select(0, tensor(std::vector<int64_t>{})).sizes(), (Shape{0, 4}));
}

TEST(IndexSelect, Errors) {
  Tensor x = arange(12, kFloat32).view({3, 4});
  EXPECT_ERROR_HAS(x.index_select(1, tensor({3, 4})), "index_select", "index 4", "size 4");
  EXPECT_ERROR_HAS(x.index_select(0, tensor({-1})), "index_select", "index -1");
  EXPECT_ERROR_HAS(x.index_select(0, tensor({0.f})), "index_select", "int64");
  EXPECT_ERROR_HAS(x.index_select(0, tensor({0, 1}, {1, 2})), "index_select", "vector");
  EXPECT_ERROR_HAS(x.index_select(2, tensor({0})), "index_select");
}

TEST(IndexSelect, Gradients) {
  Tensor x = leaf({4, 5});
  Tensor idx = tensor({3, 0, 3, 1});  // duplicates accumulate
  EXPECT_TRUE(gradcheck([idx](const TensorList& t) { return t[0].index_select(0, idx); }, {x}));
  EXPECT_TRUE(gradcheck([idx](const TensorList& t) { return t[0].index_select(1, idx); }, {x}));
  EXPECT_TRUE(gradcheck([idx](const TensorList& t) { return t[0].t().index_select(0, idx); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].slice(1, 1, 5, 2).index_select(1, tensor({1, 1, 0})); }, {x}));
  EXPECT_TRUE(gradgradcheck([idx](const TensorList& t) {
    Tensor y = t[0].t().index_select(1, idx);
    return y * y;
  }, {x}));
  Tensor y = x.index_select(0, idx);
  EXPECT_EQ(y.grad_fn()->name(), "IndexSelectBackward0");
  y.sum().backward();
  // torch: row counts [1, 1, 0, 2]
  EXPECT_TENSOR_CLOSE(x.grad().sum({1}), tensor({5.0, 5.0, 0.0, 10.0}));
}

// ---- gather / scatter_add -------------------------------------------------------------------

TEST(GatherScatter, ValuesMatchPyTorch) {
  Tensor x = arange(12, kFloat32).view({3, 4});
  EXPECT_TENSOR_CLOSE(gather(x, 1, tensor({0, 0, 1, 0, 2, 3}, {3, 2})), floats({0, 0, 5, 4, 10, 11}, {3, 2}));
  EXPECT_TENSOR_CLOSE(x.gather(0, tensor({2, 1, 0, 0, 0, 2, 1, 1}, {2, 4})), floats({8, 5, 2, 3, 0, 9, 6, 7}, {2, 4}));
  // gather from a transposed input: x.t().gather(1, [[2],[0]]) = [[8],[1]]
  EXPECT_TENSOR_CLOSE(x.t().gather(1, tensor(std::vector<int32_t>{2, 0}, {2, 1})), floats({8, 1}, {2, 1}));
  // torch.zeros(3,5).scatter_add(0, ix, torch.arange(1.,11.).view(2,5))
  Tensor ix = tensor({0, 1, 2, 0, 0, 2, 0, 0, 1, 2}, {2, 5});
  Tensor s = scatter_add(zeros({3, 5}), 0, ix, arange(1, 11, 1, kFloat32).view({2, 5}));
  EXPECT_TENSOR_CLOSE(s, floats({1, 7, 8, 4, 5, 0, 2, 0, 9, 0, 6, 0, 3, 0, 10}, {3, 5}));
  // src larger than index: torch.ones(2,4).scatter_add(1, [[0,0,3],[1,2,1]], [[1,2,3,100],[4,5,6,100]])
  Tensor s1 = scatter_add(ones({2, 4}), 1, tensor({0, 0, 3, 1, 2, 1}, {2, 3}),
                          floats({1, 2, 3, 100, 4, 5, 6, 100}, {2, 4}));
  EXPECT_TENSOR_CLOSE(s1, floats({4, 1, 1, 4, 1, 11, 6, 1}, {2, 4}));
  // integers too
  EXPECT_TENSOR_CLOSE(scatter_add(zeros({3}, kInt64), 0, tensor({2, 2, 0}), tensor({1, 2, 3})), ints({3, 0, 3}, {3}));
}

TEST(GatherScatter, Errors) {
  Tensor x = arange(12, kFloat32).view({3, 4});
  EXPECT_ERROR_HAS(x.gather(1, tensor({0, 4}, {1, 2})), "gather", "index 4", "size 4");
  EXPECT_ERROR_HAS(x.gather(1, tensor({0, 1})), "gather", "same number of dimensions");
  EXPECT_ERROR_HAS(x.gather(1, tensor({0, 0, 0, 0, 0}, {5, 1})), "gather", "dimension 0");
  EXPECT_ERROR_HAS(x.gather(0, tensor({0.f}, {1, 1})), "gather", "int64");
  EXPECT_ERROR_HAS(scatter_add(zeros({3}), 0, tensor({3}), ones({1})), "scatter_add", "index 3", "size 3");
  EXPECT_ERROR_HAS(scatter_add(zeros({3}), 0, tensor({0}), ones({1}, kFloat64)), "scatter_add", "dtype");
  EXPECT_ERROR_HAS(scatter_add(zeros({3}), 0, tensor({0, 1}), ones({1})), "scatter_add", "smaller");
}

TEST(GatherScatter, Gradients) {
  Tensor x = leaf({3, 4});
  Tensor idx1 = tensor({0, 0, 3, 1, 2, 2, 1, 0}, {2, 4});   // for dim 1 of (3,4) -> rows 0..1
  Tensor idx0 = tensor({2, 1, 0, 0, 0, 2, 2, 1}, {2, 4});   // for dim 0
  EXPECT_TRUE(gradcheck([idx1](const TensorList& t) { return t[0].gather(1, idx1); }, {x}));
  EXPECT_TRUE(gradcheck([idx0](const TensorList& t) { return t[0].gather(0, idx0); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].t().gather(1, tensor({2, 0, 1}, {3, 1})); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) { return t[0].slice(1, 1, 4, 2).gather(0, tensor({2, 2, 0}, {3, 1})); }, {x}));
  EXPECT_TRUE(gradgradcheck([idx1](const TensorList& t) {
    Tensor y = t[0].gather(1, idx1);
    return y * y;
  }, {x}));
  Tensor g = x.gather(1, idx1);
  EXPECT_EQ(g.grad_fn()->name(), "GatherBackward0");

  Tensor self = leaf({3, 5}, 5), src = leaf({2, 5}, 6);
  Tensor ix = tensor({0, 1, 2, 0, 0, 2, 0, 0, 1, 2}, {2, 5});
  EXPECT_TRUE(gradcheck([ix](const TensorList& t) { return scatter_add(t[0], 0, ix, t[1]); }, {self, src}));
  EXPECT_TRUE(gradcheck([ix](const TensorList& t) { return scatter_add(t[0].t(), 1, ix.t(), t[1].t()); }, {self, src}));
  // src larger than index: its uncovered part gets zero gradient
  Tensor big = leaf({2, 4}, 7), base = leaf({2, 4}, 8);
  EXPECT_TRUE(gradcheck([](const TensorList& t) {
    return scatter_add(t[0], 1, tensor({0, 0, 3, 1, 2, 1}, {2, 3}), t[1]);
  }, {base, big}));
  EXPECT_TRUE(gradgradcheck([ix](const TensorList& t) {
    Tensor y = scatter_add(t[0], 0, ix, t[1] * t[1]);
    return y * y;
  }, {self, src}));
  EXPECT_EQ(scatter_add(self, 0, ix, src).grad_fn()->name(), "ScatterAddBackward0");
}

// ---- masked_fill ----------------------------------------------------------------------------

TEST(MaskedFill, ValuesInplaceAndErrors) {
  Tensor x = arange(12, kFloat32).view({3, 4});
  Tensor m = tensor(std::vector<bool>{true, false, true, false, false, false, false, true, true, true, false, false}, {3, 4});
  EXPECT_TENSOR_CLOSE(masked_fill(x, m, -1.5), floats({-1.5, 1, -1.5, 3, 4, 5, 6, -1.5, -1.5, -1.5, 10, 11}, {3, 4}));
  Tensor mb = tensor(std::vector<bool>{true, false, false, true});  // broadcast over rows
  EXPECT_TENSOR_CLOSE(x.masked_fill(mb, 7), floats({7, 1, 2, 7, 7, 5, 6, 7, 7, 9, 10, 7}, {3, 4}));
  // a mask with more dims broadcasts the result: torch gives shape (2,2)
  Tensor r = tensor({1.f, 2.f}).masked_fill(tensor(std::vector<bool>{true, false}, {2, 1}), 1.7);
  EXPECT_TENSOR_CLOSE(r, floats({1.7f, 1.7f, 1, 2}, {2, 2}));
  // integer tensor: the value is converted (torch gives [1, 2])
  EXPECT_TENSOR_CLOSE(tensor({1, 2}).masked_fill(tensor(std::vector<bool>{true, false}), 1.7), ints({1, 2}, {2}));
  // in place, on a transposed view
  Tensor y = zeros({2, 3});
  y.t().masked_fill_(tensor(std::vector<bool>{true, false}), 4);
  EXPECT_TENSOR_CLOSE(y, floats({4, 4, 4, 0, 0, 0}, {2, 3}));
  EXPECT_ERROR_HAS(y.masked_fill_(tensor(std::vector<bool>{true, false}, {2, 1, 1}), 1), "masked_fill_", "(2,3)");
  EXPECT_ERROR_HAS(x.masked_fill(tensor({1, 0, 0, 0}), 1), "masked_fill", "bool");
  EXPECT_ERROR_HAS(x.masked_fill(tensor(std::vector<bool>{true, false}), 1), "masked_fill");
}

TEST(MaskedFill, Gradients) {
  Tensor x = leaf({3, 4});
  Tensor m = tensor(std::vector<bool>{true, false, false, true});
  EXPECT_TRUE(gradcheck([m](const TensorList& t) { return t[0].masked_fill(m, 2.0); }, {x}));
  EXPECT_TRUE(gradcheck([](const TensorList& t) {
    return t[0].t().masked_fill(tensor(std::vector<bool>{false, true, true}), 0.0);
  }, {x}));
  EXPECT_TRUE(gradcheck([m](const TensorList& t) { return t[0].slice(0, 1, 3).masked_fill(m.view({1, 4}).expand({2, 4}), 1.0); }, {x}));
  // the mask broadcasts the input: gradient sums back
  Tensor v = leaf({4}, 2);
  EXPECT_TRUE(gradcheck([m](const TensorList& t) {
    return t[0].masked_fill(tensor(std::vector<bool>{true, false, false, true, false, true, true, false}, {2, 4}), 3.0);
  }, {v}));
  EXPECT_TRUE(gradgradcheck([m](const TensorList& t) {
    Tensor y = t[0].masked_fill(m, 2.0);
    return y * y;
  }, {x}));
  EXPECT_EQ(x.masked_fill(m, 0).grad_fn()->name(), "MaskedFillBackward0");
  // in place on a non-leaf keeps the graph
  EXPECT_TRUE(gradcheck([m](const TensorList& t) {
    Tensor y = t[0] * 2.0;
    y.masked_fill_(m, 5.0);
    return y * t[0];
  }, {x}));
  Tensor w = zeros({2}).requires_grad_();
  EXPECT_ERROR_HAS(w.masked_fill_(tensor(std::vector<bool>{true, false}), 1), "leaf Variable");
}

// ---- embedding ------------------------------------------------------------------------------

TEST(Embedding, ValuesPaddingAndDuplicates) {
  Tensor w = arange(15, kFloat32).view({5, 3});
  Tensor ix = tensor({1, 4, 0, 1}, {2, 2});
  // torch.nn.functional.embedding(torch.tensor([[1,4],[0,1]]), torch.arange(15.).view(5,3))
  EXPECT_TENSOR_CLOSE(embedding(w, ix), floats({3, 4, 5, 12, 13, 14, 0, 1, 2, 3, 4, 5}, {2, 2, 3}));
  EXPECT_TENSOR_CLOSE(embedding(w, tensor(std::vector<int32_t>{2})), floats({6, 7, 8}, {1, 3}));
  EXPECT_EQ(embedding(w, scalar_tensor(3)).sizes(), (Shape{3}));
  // gradient: padding row 4 gets none, row 1 (used twice) accumulates.
  // torch: (embedding(ix, wg, padding_idx=4) * arange(12.).view(2,2,3)).sum().backward()
  Tensor wg = w.clone().requires_grad_();
  Tensor e = embedding(wg, ix, 4);
  EXPECT_EQ(e.grad_fn()->name(), "EmbeddingBackward0");
  (e * arange(12, kFloat32).view({2, 2, 3})).sum().backward();
  EXPECT_TENSOR_CLOSE(wg.grad(), floats({6, 7, 8, 9, 11, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0}, {5, 3}));
  EXPECT_ERROR_HAS(embedding(w, tensor({5})), "embedding", "index 5", "5 rows");
  EXPECT_ERROR_HAS(embedding(w, tensor({-1})), "embedding", "index -1");
  EXPECT_ERROR_HAS(embedding(w, tensor({0.f})), "embedding", "int64");
  EXPECT_ERROR_HAS(embedding(arange(5, kFloat32), tensor({0})), "embedding", "2-D");
}

TEST(Embedding, Gradients) {
  Tensor w = leaf({5, 3});
  Tensor ix = tensor({1, 4, 0, 1, 1, 2}, {2, 3});
  EXPECT_TRUE(gradcheck([ix](const TensorList& t) { return embedding(t[0], ix); }, {w}));
  EXPECT_TRUE(gradcheck([ix](const TensorList& t) { return embedding(t[0], ix, 3); }, {w}));  // 3 unused
  Tensor wt = leaf({3, 5}, 2);
  EXPECT_TRUE(gradcheck([ix](const TensorList& t) { return embedding(t[0].t(), ix); }, {wt}));
  EXPECT_TRUE(gradgradcheck([ix](const TensorList& t) {
    Tensor y = embedding(t[0], ix, 4);
    return y * y;
  }, {w}));
}

// A used padding_idx: as in torch, the padding row is still looked up (its value reaches the
// output) but gets no gradient, so finite differences disagree there by design
// (torch.autograd.gradcheck fails on it too). The gradient must be the unpadded one with the
// padding row zeroed.
TEST(Embedding, PaddingRowGetsNoGradient) {
  Tensor ix = tensor({1, 4, 0, 1, 1, 2}, {2, 3});
  manual_seed(5);
  Tensor up = randn({2, 3, 3}, kFloat64);
  for (int64_t pad : {1, 0}) {
    for (bool transposed : {false, true}) {
      Tensor w = transposed ? leaf({3, 5}, 2) : leaf({5, 3}, 1);
      auto weight = [&] { return transposed ? w.t() : w; };
      Tensor g_pad = autograd::grad({(embedding(weight(), ix, pad) * up).sum()}, {w})[0];
      Tensor g_all = autograd::grad({(embedding(weight(), ix) * up).sum()}, {w})[0];
      if (transposed) g_pad = g_pad.t(), g_all = g_all.t();
      EXPECT_GT(g_all[pad].abs().sum().item<double>(), 0.1);  // the row is used
      EXPECT_TENSOR_CLOSE(g_pad[pad], zeros({3}, kFloat64));
      Tensor keep = ones({5, 1}, kFloat64);
      keep.index_put_({pad}, 0.0);
      EXPECT_TENSOR_CLOSE(g_pad, g_all * keep);
    }
  }
}

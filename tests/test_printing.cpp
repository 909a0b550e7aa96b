// Printing: every expected string is copied from real PyTorch 1.13 output (repr of the same
// tensor built in Python), so these check the format, not restate the implementation.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <ember/ember.h>

using namespace ember;

TEST(Printing, FloatTensors) {
  EXPECT_EQ(to_string(tensor({1.f, 2.f, 3.f})),
            "tensor([1., 2., 3.])");
  EXPECT_EQ(to_string(tensor({1.5f, -2.25f, 3.f})),
            "tensor([ 1.5000, -2.2500,  3.0000])");
  EXPECT_EQ(to_string(tensor({1.f, 2.f, 3.f, 4.f}, {2, 2})),
            "tensor([[1., 2.],\n        [3., 4.]])");
  EXPECT_EQ(to_string(arange(6, kFloat32).view({2, 3}) / 3),
            "tensor([[0.0000, 0.3333, 0.6667],\n        [1.0000, 1.3333, 1.6667]])");
  EXPECT_EQ(to_string(arange(12, kFloat32).view({2, 3, 2})),
            "tensor([[[ 0.,  1.],\n         [ 2.,  3.],\n         [ 4.,  5.]],\n\n        [[ 6.,  7.],\n         [ 8.,  9.],\n         [10., 11.]]])");
  EXPECT_EQ(to_string(arange(6, kFloat32).view({2, 3}).t()),
            "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])");
  EXPECT_EQ(to_string(zeros({3})),
            "tensor([0., 0., 0.])");
  EXPECT_EQ(to_string(tensor({-1.f, 0.f, 1.f})),
            "tensor([-1.,  0.,  1.])");
  EXPECT_EQ(to_string(tensor({-0.f, 1.f})),
            "tensor([-0., 1.])");
  EXPECT_EQ(to_string(arange(40, kFloat32) / 7),
            "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n        3.8571, 4.0000, 4.1429, 4.2857, 4.4286, 4.5714, 4.7143, 4.8571, 5.0000,\n        5.1429, 5.2857, 5.4286, 5.5714])");
}

TEST(Printing, IntegerAndBoolTensors) {
  EXPECT_EQ(to_string(tensor({1, -20, 300})),
            "tensor([  1, -20, 300])");
  EXPECT_EQ(to_string(arange(6).view({2, 3})),
            "tensor([[0, 1, 2],\n        [3, 4, 5]])");
  EXPECT_EQ(to_string(arange(30)),
            "tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17,\n        18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])");
  EXPECT_EQ(to_string(tensor(std::vector<bool>{true, false})),
            "tensor([ True, False])");
  EXPECT_EQ(to_string(tensor(std::vector<bool>{true, false}, {2, 1})),
            "tensor([[ True],\n        [False]])");
}

TEST(Printing, Scalars) {
  EXPECT_EQ(to_string(scalar_tensor(3.f)),
            "tensor(3.)");
  EXPECT_EQ(to_string(scalar_tensor(0.5f)),
            "tensor(0.5000)");
  EXPECT_EQ(to_string(scalar_tensor(7)),
            "tensor(7)");
  EXPECT_EQ(to_string(scalar_tensor(2.0, kFloat64)),
            "tensor(2., dtype=torch.float64)");
}

TEST(Printing, DtypeSuffix) {
  EXPECT_EQ(to_string(tensor({1.5, 2.0})),
            "tensor([1.5000, 2.0000], dtype=torch.float64)");
  EXPECT_EQ(to_string(tensor(std::vector<int32_t>{1, 2})),
            "tensor([1, 2], dtype=torch.int32)");
  EXPECT_EQ(to_string(tensor(std::vector<uint8_t>{1, 255})),
            "tensor([  1, 255], dtype=torch.uint8)");
}

TEST(Printing, EmptyTensors) {
  EXPECT_EQ(to_string(tensor(std::vector<float>{})),
            "tensor([])");
  EXPECT_EQ(to_string(zeros({0, 3})),
            "tensor([], size=(0, 3))");
  EXPECT_EQ(to_string(zeros({0}, kInt64)),
            "tensor([], dtype=torch.int64)");
  EXPECT_EQ(to_string(zeros({2, 0}, kFloat64)),
            "tensor([], size=(2, 0), dtype=torch.float64)");
}

TEST(Printing, ScientificNotation) {
  EXPECT_EQ(to_string(tensor({1e-5f, 1e5f})),
            "tensor([1.0000e-05, 1.0000e+05])");
  EXPECT_EQ(to_string(tensor({1e-5f, 1.f, 123.456f})),
            "tensor([1.0000e-05, 1.0000e+00, 1.2346e+02])");
  EXPECT_EQ(to_string(tensor({1e9f, 1.f})),
            "tensor([1.0000e+09, 1.0000e+00])");
  EXPECT_EQ(to_string(tensor({1.f, 10000.f})),
            "tensor([1.0000e+00, 1.0000e+04])");
  EXPECT_EQ(to_string(tensor({0.0001f, 0.5f})),
            "tensor([1.0000e-04, 5.0000e-01])");
  EXPECT_EQ(to_string(tensor({0.00009f, 0.5f})),
            "tensor([9.0000e-05, 5.0000e-01])");
}

TEST(Printing, NanAndInf) {
  EXPECT_EQ(to_string(tensor({1.5f, NAN, INFINITY, -INFINITY})),
            "tensor([1.5000,    nan,    inf,   -inf])");
  EXPECT_EQ(to_string(tensor({1.f, NAN, INFINITY})),
            "tensor([1., nan, inf])");
}

TEST(Printing, SummarisedLargeTensors) {
  EXPECT_EQ(to_string(arange(2000, kFloat32)),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])");
  EXPECT_EQ(to_string(arange(3000, kFloat32).view({100, 30})),
            "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 2.7000e+01, 2.8000e+01,\n         2.9000e+01],\n        [3.0000e+01, 3.1000e+01, 3.2000e+01,  ..., 5.7000e+01, 5.8000e+01,\n         5.9000e+01],\n        [6.0000e+01, 6.1000e+01, 6.2000e+01,  ..., 8.7000e+01, 8.8000e+01,\n         8.9000e+01],\n        ...,\n        [2.9100e+03, 2.9110e+03, 2.9120e+03,  ..., 2.9370e+03, 2.9380e+03,\n         2.9390e+03],\n        [2.9400e+03, 2.9410e+03, 2.9420e+03,  ..., 2.9670e+03, 2.9680e+03,\n         2.9690e+03],\n        [2.9700e+03, 2.9710e+03, 2.9720e+03,  ..., 2.9970e+03, 2.9980e+03,\n         2.9990e+03]])");
  EXPECT_EQ(to_string(arange(2400).view({4, 20, 30})),
            "tensor([[[   0,    1,    2,  ...,   27,   28,   29],\n         [  30,   31,   32,  ...,   57,   58,   59],\n         [  60,   61,   62,  ...,   87,   88,   89],\n         ...,\n         [ 510,  511,  512,  ...,  537,  538,  539],\n         [ 540,  541,  542,  ...,  567,  568,  569],\n         [ 570,  571,  572,  ...,  597,  598,  599]],\n\n        [[ 600,  601,  602,  ...,  627,  628,  629],\n         [ 630,  631,  632,  ...,  657,  658,  659],\n         [ 660,  661,  662,  ...,  687,  688,  689],\n         ...,\n         [1110, 1111, 1112,  ..., 1137, 1138, 1139],\n         [1140, 1141, 1142,  ..., 1167, 1168, 1169],\n         [1170, 1171, 1172,  ..., 1197, 1198, 1199]],\n\n        [[1200, 1201, 1202,  ..., 1227, 1228, 1229],\n         [1230, 1231, 1232,  ..., 1257, 1258, 1259],\n         [1260, 1261, 1262,  ..., 1287, 1288, 1289],\n         ...,\n         [1710, 1711, 1712,  ..., 1737, 1738, 1739],\n         [1740, 1741, 1742,  ..., 1767, 1768, 1769],\n         [1770, 1771, 1772,  ..., 1797, 1798, 1799]],\n\n        [[1800, 1801, 1802,  ..., 1827, 1828, 1829],\n         [1830, 1831, 1832,  ..., 1857, 1858, 1859],\n         [1860, 1861, 1862,  ..., 1887, 1888, 1889],\n         ...,\n         [2310, 2311, 2312,  ..., 2337, 2338, 2339],\n         [2340, 2341, 2342,  ..., 2367, 2368, 2369],\n         [2370, 2371, 2372,  ..., 2397, 2398, 2399]]])");
}

TEST(Printing, AutogradSuffixes) {
  EXPECT_EQ(to_string(tensor({1.f, 2.f}).requires_grad_()),
            "tensor([1., 2.], requires_grad=True)");
  EXPECT_EQ(to_string(tensor({1.0, 2.0}).requires_grad_()),
            "tensor([1., 2.], dtype=torch.float64, requires_grad=True)");
  EXPECT_EQ(to_string(tensor({1.f, 2.f}).requires_grad_() + 1),
            "tensor([2., 3.], grad_fn=<AddBackward0>)");
  EXPECT_EQ(to_string(arange(40, kFloat32).requires_grad_() / 7),
            "tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n        2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n        3.8571, 4.0000, 4.1429, 4.2857, 4.4286, 4.5714, 4.7143, 4.8571, 5.0000,\n        5.1429, 5.2857, 5.4286, 5.5714], grad_fn=<DivBackward0>)");
  EXPECT_EQ(to_string(tensor({123456.7f, 2.f, 3.f, 4.f, 5.f, 6.f, 1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 6}).requires_grad_() * 1),
            "tensor([[1.2346e+05, 2.0000e+00, 3.0000e+00, 4.0000e+00, 5.0000e+00, 6.0000e+00],\n        [1.0000e+00, 2.0000e+00, 3.0000e+00, 4.0000e+00, 5.0000e+00, 6.0000e+00]],\n       grad_fn=<MulBackward0>)");
}

TEST(Printing, UndefinedTensor) { EXPECT_EQ(to_string(Tensor()), "[ Tensor (undefined) ]"); }

TEST(Printing, StreamOperatorMatchesToString) {
  std::ostringstream os;
  Tensor t = tensor({1.f, 2.f}, {1, 2});
  os << t;
  EXPECT_EQ(os.str(), "tensor([[1., 2.]])");
  os.str("");
  os << Tensor();
  EXPECT_EQ(os.str(), "[ Tensor (undefined) ]");
}

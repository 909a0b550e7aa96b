// Transforms. Resize references: torch 1.13 F.interpolate(mode='bilinear', align_corners=False,
// antialias=...) on float input, and PIL 9.4 Image.resize(BILINEAR) on uint8 input.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include <ember/data/transforms.h>
#include <ember/data/worker.h>
#include <ember/ember.h>

#include "support/testing.h"
#include "test_data_support.h"

using namespace ember;
using namespace ember::data;
using ember::testing::error_of;
using ember::testing::to_vec;

namespace {

// (arange(70).reshape(1,2,5,7) ** 1.5) / 7
Tensor ramp() {
  Tensor x = empty({2, 5, 7});
  float* p = x.data_ptr<float>();
  for (int i = 0; i < 70; ++i) p[i] = std::pow(static_cast<float>(i), 1.5f) / 7.f;
  return x;
}

Tensor u8(const std::vector<int64_t>& v, const Shape& s) {
  Tensor t = empty(s, kUInt8);
  for (size_t i = 0; i < v.size(); ++i) t.data_ptr<uint8_t>()[i] = static_cast<uint8_t>(v[i]);
  return t;
}

}  // namespace

TEST(Transforms, ToTensorScalesAndPermutes) {
  Tensor img = u8({0, 255, 51, 102, 153, 204}, {1, 2, 3});  // (H=1, W=2, C=3)
  Tensor t = transforms::ToTensor()(img);
  EXPECT_EQ(t.shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_TENSOR_CLOSE(t, tensor({0.f, 0.4f, 1.f, 0.6f, 0.2f, 0.8f}, {3, 1, 2}), 1e-7, 0);
  EXPECT_EQ(transforms::ToTensor()(u8({1, 2, 3, 4}, {2, 2})).shape(), (Shape{1, 2, 2}));
  EXPECT_NE(error_of([] { transforms::ToTensor()(zeros({2, 2, 2, 2}, kUInt8)); }).find("(2,2,2,2)"), std::string::npos);
}

TEST(Transforms, NormalizePerChannel) {
  Tensor x = tensor({1.f, 2.f, 3.f, 4.f}, {2, 1, 2});
  Tensor y = transforms::Normalize({1.0, 2.0}, {2.0, 0.5})(x);
  EXPECT_TENSOR_CLOSE(y, tensor({0.f, 0.5f, 2.f, 4.f}, {2, 1, 2}));
  Tensor batch = transforms::Normalize({0.5}, {0.5})(ones({3, 1, 2, 2}));  // (N,C,H,W), one value for all
  EXPECT_TENSOR_CLOSE(batch, ones({3, 1, 2, 2}));
  EXPECT_NE(error_of([&] { transforms::Normalize({0.1, 0.2, 0.3}, {1, 1, 1})(x); }).find("2 channels"), std::string::npos);
  EXPECT_NE(error_of([] { transforms::Normalize({0.1}, {0.0}); }).find("zero"), std::string::npos);
}

TEST(Transforms, ResizeMatchesTorchInterpolate) {
  Tensor x = ramp();
  Tensor aa = transforms::Resize({3, 4}, true)(x);
  EXPECT_TENSOR_CLOSE(aa, tensor({1.31236f, 1.93393f, 2.85351f, 3.75098f, 8.22316f, 9.51268f, 11.12151f, 12.54974f,
                                  18.55321f, 20.26079f, 22.34281f, 24.15549f, 34.26442f, 36.35398f, 38.87627f, 41.05236f,
                                  49.95643f, 52.31987f, 55.16012f, 57.60043f, 67.35059f, 69.9613f, 73.08956f, 75.76995f},
                                 {2, 3, 4}),
                      1e-4, 1e-5);
  Tensor plain = transforms::Resize({3, 4}, false)(x);
  EXPECT_TENSOR_CLOSE(plain, tensor({0.99097f, 1.61079f, 2.43688f, 3.41143f, 7.78929f, 9.25166f, 10.7976f, 12.42269f,
                                     19.10344f, 21.04369f, 23.0479f, 25.11399f, 33.17555f, 35.50164f, 37.88121f, 40.31304f,
                                     49.56536f, 52.22263f, 54.92675f, 57.67691f, 68.20726f, 71.15607f, 74.14719f, 77.18002f},
                                    {2, 3, 4}),
                      1e-4, 1e-5);
  // Upsampling (8, 11): y[1, ::3, ::2] from torch (the same with and without antialias).
  Tensor expected = tensor({29.5804f, 30.97483f, 32.62891f, 34.31007f, 36.01788f, 37.50402f, 45.83889f, 47.44726f, 49.34739f,
                            51.27116f, 53.21829f, 54.90687f, 66.37395f, 68.19177f, 70.33356f, 72.49633f, 74.67992f, 76.56905f},
                           {3, 6});
  for (bool antialias : {true, false}) {
    Tensor up = transforms::Resize({8, 11}, antialias)(x);
    EXPECT_EQ(up.shape(), (Shape{2, 8, 11}));
    EXPECT_TENSOR_CLOSE(up.select(0, 1).slice(0, 0, 8, 3).slice(1, 0, 11, 2), expected, 1e-4, 1e-5);
  }
  // One size: the short side; (2,5,7) -> (2,10,14).
  EXPECT_EQ(transforms::Resize(10)(x).shape(), (Shape{2, 10, 14}));
  EXPECT_EQ(transforms::Resize(5)(x).shape(), (Shape{2, 5, 7}));
}

TEST(Transforms, ResizeUint8MatchesPilWithinOne) {
  std::vector<int64_t> a = {0,   1,   4,   9,   16, 25,  36,  49,  64,  81,  100, 121, 144, 169, 196, 225, 0, 33,
                            68,  105, 144, 185, 228, 17, 64,  113, 164, 217, 16,  73,  132, 193, 0,   65,  132};
  Tensor img = u8(a, {5, 7});
  // PIL: Image.fromarray(a).resize((6, 9), BILINEAR) and .resize((3, 2), BILINEAR).
  std::vector<int64_t> up = {0,   2,   6,   13,  22,  34,  17,  24,  34,  46,  60,  77,  46,  62,  80,  101, 124, 150,
                             118, 107, 56,  86,  117, 152, 201, 155, 14,  53,  93,  137, 197, 159, 27,  75,  124, 176,
                             175, 154, 51,  91,  137, 197, 82,  115, 119, 87,  79,  148, 27,  91,  159, 84,  45,  119};
  std::vector<int64_t> down = {71, 59, 102, 130, 86, 126};
  auto got_up = to_vec(transforms::resize(img, 9, 6));
  auto got_down = to_vec(transforms::resize(img, 2, 3));
  for (size_t i = 0; i < up.size(); ++i) EXPECT_NEAR(got_up[i], up[i], 1) << i;
  for (size_t i = 0; i < down.size(); ++i) EXPECT_NEAR(got_down[i], down[i], 1) << i;
}

TEST(Transforms, CropsAndFlips) {
  Tensor x = arange(0, 20, 1, kFloat32).reshape({1, 4, 5});
  // torchvision CenterCrop(2): top = round((4-2)/2) = 1, left = round((5-2)/2) = round(1.5) = 2.
  EXPECT_TRUE(transforms::CenterCrop(2)(x).equal(tensor({7.f, 8.f, 12.f, 13.f}, {1, 2, 2})));
  // Larger than the image: zero padding around it.
  Tensor big = transforms::CenterCrop(6, 5)(x);
  EXPECT_EQ(big.shape(), (Shape{1, 6, 5}));
  EXPECT_TRUE(big.select(1, 0).equal(zeros({1, 5})));
  EXPECT_TRUE(big.select(1, 1).equal(x.select(1, 0)));
  EXPECT_TRUE(transforms::hflip(x).select(1, 0).equal(tensor({4.f, 3.f, 2.f, 1.f, 0.f}, {1, 5})));
  EXPECT_TRUE(transforms::crop(x, -1, 3, 2, 3, -1.0).equal(tensor({-1.f, -1.f, -1.f, 3.f, 4.f, -1.f}, {1, 2, 3})));
  Tensor img8 = zeros({2, 3, 3}, kUInt8);
  EXPECT_EQ(transforms::hflip(img8).dtype(), kUInt8);
}

TEST(Transforms, RandomCropCoversEveryOffsetAndIsSeeded) {
  Tensor x = arange(0, 16, 1, kFloat32).reshape({1, 4, 4});
  transforms::RandomCrop rc(4, /*padding=*/1);
  Generator gen(11);
  SampleGeneratorGuard guard(gen);
  std::set<std::pair<int64_t, int64_t>> offsets;
  for (int i = 0; i < 300; ++i) {
    Tensor c = rc(x);
    ASSERT_EQ(c.shape(), (Shape{1, 4, 4}));
    // Locate the crop by where value 0 (pixel (0,0)) or padding landed: find the image's top-left.
    auto v = to_vec(c);
    int64_t dy = 0, dx = 0;  // the padded crop starts at (dy, dx) in [0, 2]^2
    for (dy = 0; dy <= 2; ++dy) {
      bool hit = false;
      for (dx = 0; dx <= 2; ++dx) {
        Tensor want = transforms::crop(x, dy - 1, dx - 1, 4, 4);
        if (want.equal(c)) { hit = true; break; }
      }
      if (hit) break;
    }
    ASSERT_LE(dy, 2) << "crop is not a shifted window";
    offsets.insert({dy, dx});
  }
  EXPECT_EQ(offsets.size(), 9u);  // all 3x3 offsets occur
  Generator g1(5), g2(5);
  Tensor a, b;
  {
    SampleGeneratorGuard s(g1);
    a = rc(x);
  }
  {
    SampleGeneratorGuard s(g2);
    b = rc(x);
  }
  EXPECT_TRUE(a.equal(b));
  EXPECT_NE(error_of([&] { transforms::RandomCrop(5)(x); }).find("pad_if_needed"), std::string::npos);
  EXPECT_EQ(transforms::RandomCrop(6, 0, true)(x).shape(), (Shape{1, 6, 6}));
}

TEST(Transforms, RandomHorizontalFlipProbability) {
  Tensor x = arange(0, 3, 1, kFloat32).reshape({1, 1, 3});
  Generator gen(3);
  SampleGeneratorGuard guard(gen);
  int flipped = 0;
  for (int i = 0; i < 2000; ++i) flipped += transforms::RandomHorizontalFlip(0.25)(x).equal(transforms::hflip(x));
  EXPECT_NEAR(flipped, 500, 100);  // binomial sd ~ 19
  EXPECT_TRUE(transforms::RandomHorizontalFlip(0.0)(x).equal(x));
  EXPECT_TRUE(transforms::RandomHorizontalFlip(1.0)(x).equal(transforms::hflip(x)));
}

TEST(Transforms, ComposeAndLambda) {
  auto t = transforms::Compose({transforms::ToTensor(), transforms::Lambda([](const Tensor& x) { return x * 2.0; }),
                                transforms::Normalize({1.0}, {1.0})});
  Tensor y = t(u8({255, 0}, {1, 2}));
  EXPECT_TENSOR_CLOSE(y, tensor({1.f, -1.f}, {1, 1, 2}));
  EXPECT_NE(error_of([] { transforms::Compose({transforms::Transform()}); }).find("transform 0"), std::string::npos);
}

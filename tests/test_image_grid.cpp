// make_grid / save_image against torchvision.utils. The expected grids were computed with
// torchvision's make_grid code run on PyTorch 1.13 (float32 unless noted), and the expected
// PNG pixels with save_image's grid.mul(255).add_(0.5).clamp_(0, 255).to(uint8).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include <ember/ember.h>
#include <ember/io/image.h>
#include <ember/io/image_grid.h>

#include "support/error_matchers.h"

namespace fs = std::filesystem;
using namespace ember;

namespace {

std::vector<double> values(const Tensor& t) {
  Tensor c = t.to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

std::vector<int64_t> pixels(const Tensor& t) {
  Tensor c = t.contiguous();
  const uint8_t* p = c.data_ptr<uint8_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

// Exact float32 equality (the grid copies or computes the same float32 operations as torch).
void expect_floats(const Tensor& t, const std::vector<double>& expect) {
  ASSERT_EQ(t.numel(), static_cast<int64_t>(expect.size()));
  auto v = values(t);
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], expect[i]) << "element " << i;
}

fs::path temp_png(const std::string& name) {
  return fs::temp_directory_path() / ("ember_grid_" + std::to_string(getpid()) + "_" + name + ".png");
}

}  // namespace

// x = arange(20).reshape(5,1,2,2) / 10; make_grid(x, nrow=3, padding=1, pad_value=0.5)
TEST(ImageGrid, GridLayoutPaddingAndGreyToRgb) {
  Tensor x = arange(20, kFloat32).reshape({5, 1, 2, 2}) / 10;
  Tensor g = io::make_grid(x, 3, 1, false, std::nullopt, false, 0.5);
  ASSERT_EQ(g.sizes(), (Shape{3, 7, 10}));
  EXPECT_EQ(g.dtype(), kFloat32);
  const std::vector<double> channel0 = {
      0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.0, 0.10000000149011612, 0.5,
      0.4000000059604645, 0.5, 0.5, 0.800000011920929, 0.8999999761581421, 0.5, 0.5, 0.20000000298023224,
      0.30000001192092896, 0.5, 0.6000000238418579, 0.699999988079071, 0.5, 1.0, 1.100000023841858, 0.5, 0.5, 0.5,
      0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1.2000000476837158, 1.2999999523162842, 0.5, 1.600000023841858,
      1.7000000476837158, 0.5, 0.5, 0.5, 0.5, 0.5, 1.399999976158142, 1.5, 0.5, 1.7999999523162842,
      1.899999976158142, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
  for (int64_t c = 0; c < 3; ++c) expect_floats(g[c], channel0);
}

// x = [0.3,-1.2,2.5,0,0.7,1.9, 4,4.5,5,3.1,6.2,8.8].reshape(2,3,1,2); padding=1, normalize.
TEST(ImageGrid, NormalizeScaleEachAndWhole) {
  Tensor x = tensor({0.3f, -1.2f, 2.5f, 0.0f, 0.7f, 1.9f, 4.0f, 4.5f, 5.0f, 3.1f, 6.2f, 8.8f}, {2, 3, 1, 2});
  Tensor each = io::make_grid(x, 8, 1, true, std::nullopt, true);
  ASSERT_EQ(each.sizes(), (Shape{3, 3, 7}));
  expect_floats(each, {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.4054054021835327, 0.0, 0.0, 0.15789474546909332,
                       0.24561403691768646, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                       0.0, 0.0, 1.0, 0.3243243396282196, 0.0, 0.3333333432674408, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                       0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5135135054588318, 0.837837815284729,
                       0.0, 0.543859601020813, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  Tensor whole = io::make_grid(x, 8, 1, true);
  expect_floats(whole, {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.15000000596046448, 0.0, 0.0, 0.5199999809265137,
                        0.5699999928474426, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                        0.0, 0.3700000047683716, 0.12000000476837158, 0.0, 0.6200000047683716, 0.4300000071525574, 0.0,
                        0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1900000125169754,
                        0.3100000023841858, 0.0, 0.7399999499320984, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  // The input is not modified.
  EXPECT_EQ(values(x)[1], static_cast<double>(-1.2f));
}

// float64 (1,1,2,3), value_range (-1, 1): a batch of one comes back as (3,H,W) without padding.
TEST(ImageGrid, ValueRangeFloat64SingleImage) {
  Tensor x = tensor({-1.5, -0.5, 0.25, 0.8, 1.0, 3.0}, {1, 1, 2, 3});
  Tensor g = io::make_grid(x, 8, 2, true, {{-1.0, 1.0}});
  ASSERT_EQ(g.sizes(), (Shape{3, 2, 3}));
  EXPECT_EQ(g.dtype(), kFloat64);
  expect_floats(g, {0.0, 0.25, 0.625, 0.9, 1.0, 1.0, 0.0, 0.25, 0.625, 0.9, 1.0, 1.0, 0.0, 0.25, 0.625, 0.9, 1.0,
                    1.0});
}

TEST(ImageGrid, ListOfImagesAndTwoDimInput) {
  std::vector<Tensor> imgs = {full({3, 2, 2}, 0.25f), full({3, 2, 2}, 0.75f)};
  Tensor g = io::make_grid(imgs, 1, 1);  // one per row: (3, 2*3+1, 3+1+... )
  ASSERT_EQ(g.sizes(), (Shape{3, 7, 4}));
  auto v = values(g[0]);
  EXPECT_EQ(v[1 * 4 + 1], 0.25);  // first image at (1,1)
  EXPECT_EQ(v[4 * 4 + 1], 0.75);  // second image at (4,1)
  EXPECT_EQ(v[3 * 4 + 1], 0.0);   // padding row between them
  Tensor hw = io::make_grid(full({2, 5}, 0.5f));
  EXPECT_EQ(hw.sizes(), (Shape{3, 2, 5}));
  Tensor u8 = io::make_grid(full({2, 3, 1, 1}, 200, kUInt8), 8, 1, false, std::nullopt, false, 7);
  EXPECT_EQ(u8.dtype(), kUInt8);
  EXPECT_EQ(pixels(u8[0]), (std::vector<int64_t>{7, 7, 7, 7, 7, 7, 200, 7, 200, 7, 7, 7, 7, 7, 7}));
}

// x = [0,.1,.2,.5,.9,1, 1.3,-.2,.333,.666,.002,.998].reshape(2,1,2,3);
// save_image(x, nrow=2, padding=1, pad_value=0.25) as torchvision writes it.
TEST(ImageGrid, SaveImagePixelsMatchTorchvision) {
  Tensor x = tensor({0.0f, 0.1f, 0.2f, 0.5f, 0.9f, 1.0f, 1.3f, -0.2f, 0.333f, 0.666f, 0.002f, 0.998f}, {2, 1, 2, 3});
  const fs::path path = temp_png("save");
  io::save_image(x, path.string(), 2, 1, false, std::nullopt, false, 0.25);
  Tensor img = io::read_image(path.string());
  fs::remove(path);
  ASSERT_EQ(img.sizes(), (Shape{4, 9, 3}));
  const std::vector<int64_t> channel0 = {64, 64, 64,  64,  64,  64, 64,  64,  64, 64, 0,   26,
                                         51, 64, 255, 0,   85,  64, 64,  128, 230, 255, 64, 170,
                                         1,  254, 64, 64, 64,  64,  64, 64,  64, 64,  64, 64};
  for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(pixels(img.index({Slice(), Slice(), c})), channel0) << "channel " << c;
}

TEST(ImageGrid, SaveImageRgbaAndErrors) {
  const fs::path path = temp_png("rgba");
  io::save_image(full({2, 4, 3, 3}, 1.0f), path.string());
  Tensor img = io::read_image(path.string());
  fs::remove(path);
  EXPECT_EQ(img.sizes(), (Shape{7, 12, 4}));  // RGBA kept

  EXPECT_ERROR_CONTAINS("(N,C,H,W)", io::make_grid(zeros({2, 3, 4, 4, 1})));
  EXPECT_ERROR_CONTAINS("empty", io::make_grid(zeros({0, 3, 4, 4})));
  EXPECT_ERROR_CONTAINS("nrow", io::make_grid(zeros({2, 3, 4, 4}), 0));
  EXPECT_ERROR_CONTAINS("padding", io::make_grid(zeros({2, 3, 4, 4}), 8, -1));
  EXPECT_ERROR_CONTAINS("min > max", io::make_grid(zeros({2, 3, 4, 4}), 8, 2, true, {{1.0, 0.0}}));
  EXPECT_ERROR_CONTAINS("normalize needs a floating", io::make_grid(zeros({2, 3, 4, 4}, kUInt8), 8, 2, true));
  EXPECT_ERROR_CONTAINS("image 1", io::make_grid(std::vector<Tensor>{zeros({3, 2, 2}), zeros({3, 2, 3})}));
  EXPECT_ERROR_CONTAINS("channels", io::save_image(zeros({2, 2, 4, 4}), "/tmp/x.png"));
  EXPECT_ERROR_CONTAINS("floating-point", io::save_image(zeros({2, 3, 4, 4}, kUInt8), "/tmp/x.png"));
  EXPECT_ERROR_CONTAINS("nonexistent_dir_ember", io::save_image(zeros({2, 3, 4, 4}), "/nonexistent_dir_ember/x.png"));
}

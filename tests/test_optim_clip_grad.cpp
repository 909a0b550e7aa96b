// nn::utils::clip_grad_norm_ / clip_grad_value_ against PyTorch 1.13's numbers
// (tests/interop/gen_optim_reference.py prints them).
#include <gtest/gtest.h>

#include <cmath>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;

namespace {

Tensor grad_k(int64_t k, int64_t n) {  // cos(1.3 i + 0.9 k) (1 + 0.5 k), as the generator makes it
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(std::cos(1.3 * i + 0.9 * k) * (1 + 0.5 * k));
  return tensor(v, {n}).to(kFloat32);
}

struct NormCase {
  double norm_type, total;
  std::vector<float> x, y;
};

const NormCase kNormCases[] = {
    {2.0, 2.673564910888672,
     {0.18701615929603577f, 0.050026603043079376f, -0.16025204956531525f, -0.1357610672712326f, 0.08762019127607346f,
      0.18263767659664154f, 0.010090535506606102f},
     {0.17437666654586792f, -0.16508883237838745f, -0.26269879937171936f, 0.024545585736632347f}},
    {1.0, 7.7004804611206055,
     {0.0649310052394867f, 0.017368966713547707f, -0.05563864856958389f, -0.04713551327586174f, 0.030421258881688118f,
      0.06341081857681274f, 0.0035033796448260546f},
     {0.06054263934493065f, -0.057317957282066345f, -0.0912076085805893f, 0.008522095158696175f}},
    {INFINITY, 1.4046850204467773,
     {0.3559514582157135f, 0.09521659463644028f, -0.3050107955932617f, -0.2583966553211212f, 0.16676919162273407f,
      0.3476178050041199f, 0.01920551061630249f},
     {0.3318944573402405f, -0.3142167627811432f, -0.49999967217445374f, 0.046718087047338486f}},
    {3.0, 1.9432101249694824,
     {0.2573060691356659f, 0.06882906705141068f, -0.22048267722129822f, -0.18678678572177887f, 0.1205521821975708f,
      0.2512819170951843f, 0.013883057050406933f},
     {0.23991602659225464f, -0.22713737189769745f, -0.3614339828491211f, 0.033771030604839325f}},
};

}  // namespace

TEST(ClipGrad, NormMatchesPyTorch) {
  for (const auto& c : kNormCases) {
    SCOPED_TRACE(c.norm_type);
    Tensor x = zeros({7}).requires_grad_(true), y = zeros({4}).requires_grad_(true);
    Tensor none = zeros({3}).requires_grad_(true);  // no gradient: skipped
    x.set_grad(grad_k(0, 7));
    y.set_grad(grad_k(1, 7).slice(0, 0, 4).clone());
    double total = nn::utils::clip_grad_norm_({x, none, y}, 0.5, c.norm_type);
    EXPECT_NEAR(total, c.total, 1e-6 * c.total);  // PyTorch sums in float32, ember in double
    EXPECT_TENSOR_CLOSE(x.grad(), tensor(c.x, {7}), 1e-8, 1e-6);
    EXPECT_TENSOR_CLOSE(y.grad(), tensor(c.y, {4}), 1e-8, 1e-6);
    EXPECT_FALSE(none.grad().defined());
  }
}

TEST(ClipGrad, NormBelowMaxLeavesGradientsAlone) {
  Tensor x = zeros({7}).requires_grad_(true);
  x.set_grad(grad_k(0, 7));
  Tensor before = x.grad().clone();
  double total = nn::utils::clip_grad_norm_(x, 100.0);
  EXPECT_GT(total, 1.0);
  EXPECT_TRUE(x.grad().equal(before));
  EXPECT_EQ(nn::utils::clip_grad_norm_(std::vector<Tensor>{zeros({2}).requires_grad_(true)}, 1.0), 0.0);
}

TEST(ClipGrad, NonFiniteNorm) {
  Tensor x = zeros({3}).requires_grad_(true);
  x.set_grad(tensor({1.0f, INFINITY, 2.0f}));
  EXPECT_THROW(nn::utils::clip_grad_norm_(x, 1.0, 2.0, /*error_if_nonfinite=*/true), Error);
  EXPECT_TRUE(std::isinf(nn::utils::clip_grad_norm_(x, 1.0)));
  EXPECT_THROW(nn::utils::clip_grad_norm_(x, 1.0, -1.0), Error);
}

TEST(ClipGrad, ValueMatchesPyTorch) {
  Tensor x = zeros({7}).requires_grad_(true);
  x.set_grad(grad_k(1, 7));
  Tensor g = x.grad();
  nn::utils::clip_grad_value_(x, 0.6);
  EXPECT_TRUE(x.grad().is_same(g));  // in place
  EXPECT_TENSOR_CLOSE(x.grad(),
                      tensor({0.6000000238418579f, -0.6000000238418579f, -0.6000000238418579f, 0.13124847412109375f,
                              0.6000000238418579f, 0.6000000238418579f, -0.6000000238418579f}),
                      0, 0);
  EXPECT_THROW(nn::utils::clip_grad_value_(x, -1.0), Error);
}

TEST(ClipGrad, StridedGradient) {
  Tensor x = zeros({3, 2}).requires_grad_(true);
  x.set_grad(tensor({1.0f, -5.0f, 3.0f, 0.5f, -2.0f, 4.0f}, {2, 3}).t());  // non-contiguous
  ASSERT_FALSE(x.grad().is_contiguous());
  nn::utils::clip_grad_value_(x, 2.0);
  EXPECT_TENSOR_CLOSE(x.grad(), tensor({1.0f, -2.0f, 2.0f, 0.5f, -2.0f, 2.0f}, {2, 3}).t(), 0, 0);
  double total = nn::utils::clip_grad_norm_(x, 1.0);
  EXPECT_NEAR(total, std::sqrt(1 + 4 + 4 + 0.25 + 4 + 4.0), 1e-6);
  EXPECT_NEAR(nn::utils::clip_grad_norm_(x, 1.0), 1.0, 1e-5);
}

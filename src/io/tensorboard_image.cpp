// to_hwc_uint8: see tensorboard_image.h.
#include "io/tensorboard_image.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <vector>

#include "ember/tensor/factory.h"

// Round each product before the add that follows, as NumPy and PyTorch do (no fused
// multiply-add): bin edges and pixel values must match theirs bit for bit.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace ember::tensorboard {

namespace {

// Positions of `letters` in `format`, checked: the format has exactly these letters, once each.
std::vector<int64_t> dims_of(const std::string& format, const std::string& letters, const std::string& what) {
  std::vector<int64_t> perm;
  for (char c : letters) {
    auto p = format.find(c);
    EMBER_CHECK(p != std::string::npos && format.find(c, p + 1) == std::string::npos, what, ": dataformats '",
                format, "' must name each of ", letters, " exactly once");
    perm.push_back(static_cast<int64_t>(p));
  }
  return perm;
}

}  // namespace

Tensor to_hwc_uint8(const Tensor& img, const std::string& dataformats, const std::string& what) {
  EMBER_CHECK(img.defined(), what, ": the image tensor is undefined");
  std::string fmt = dataformats;
  for (char& c : fmt) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EMBER_CHECK(static_cast<int64_t>(fmt.size()) == img.dim(), what, ": tensor of shape ", shape_str(img.sizes()),
              " has ", img.dim(), " dims but dataformats '", dataformats, "' names ", fmt.size());
  EMBER_CHECK(img.dtype() != kBool, what, ": a bool tensor is not an image");
  EMBER_CHECK(img.numel() > 0, what, ": the image ", shape_str(img.sizes()), " is empty");

  // Bring the data to (N,C,H,W) float32: PyTorch scales in float32 (astype(np.float32) * 255).
  Tensor x = img.detach();
  if (fmt.size() == 4) {
    x = x.permute(dims_of(fmt, "NCHW", what));
  } else if (fmt.size() == 3) {
    x = x.permute(dims_of(fmt, "CHW", what)).unsqueeze(0);
  } else if (fmt.size() == 2) {
    x = x.permute(dims_of(fmt, "HW", what)).unsqueeze(0).unsqueeze(0);
  } else {
    EMBER_THROW(what, ": dataformats '", dataformats, "' must have 2, 3 or 4 letters (HW, CHW, HWC, NCHW, ...)");
  }
  const bool is_u8 = img.dtype() == kUInt8;
  x = x.to(kFloat32).contiguous();
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  EMBER_CHECK(c == 1 || c == 3 || c == 4, what, ": an image needs 1, 3 or 4 channels, got ", c, " (shape ",
              shape_str(img.sizes()), ", dataformats '", dataformats, "')");
  const int64_t out_c = c == 1 ? 3 : c;

  // Tile the batch: ncols = min(n, 8), rows as needed, empty cells black (zeros).
  const int64_t ncols = std::min<int64_t>(n, 8);
  const int64_t nrows = (n + ncols - 1) / ncols;
  const int64_t H = h * nrows, W = w * ncols;
  Tensor out = zeros({H, W, out_c}, kUInt8);
  uint8_t* o = out.data_ptr<uint8_t>();
  const float* src = x.data_ptr<float>();
  const float scale = is_u8 ? 1.0f : 255.0f;
  for (int64_t k = 0; k < n; ++k) {
    const int64_t y0 = (k / ncols) * h, x0 = (k % ncols) * w;
    for (int64_t ch = 0; ch < out_c; ++ch) {
      const float* plane = src + (k * c + (c == 1 ? 0 : ch)) * h * w;
      for (int64_t i = 0; i < h; ++i)
        for (int64_t j = 0; j < w; ++j) {
          float v = plane[i * w + j] * scale;
          v = std::isnan(v) ? 0.0f : std::clamp(v, 0.0f, 255.0f);  // clip, then truncate like astype(uint8)
          o[((y0 + i) * W + (x0 + j)) * out_c + ch] = static_cast<uint8_t>(v);
        }
    }
  }
  return out;
}

}  // namespace ember::tensorboard

#pragma once
// make_grid and save_image, as torchvision.utils: a batch of images tiled into one picture,
// e.g. an autoencoder's reconstructions next to its inputs.
//
//   ember::io::save_image(recon, "recon.png");                       // recon:(N,C,H,W) float in [0,1]
//   ember::io::save_image(x, "x.png", 4, 2, true);                   // 4 per row, scaled to [min,max]
//   Tensor g = ember::io::make_grid(x, 8, 2, true, {{-1.0, 1.0}});   // (C, H', W'), values in [0,1]
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::io {

using ValueRange = std::optional<std::pair<double, double>>;

// tensor: (N,C,H,W), (C,H,W) or (H,W); single-channel images become 3-channel. Images go
// nrow to a row (the last row may be short), with `padding` pixels of pad_value between and
// around them. normalize shifts values into [0,1]: each value is clamped to value_range (default:
// the tensor's min and max; with scale_each, each image's own) and mapped by
// (x - low) / max(high - low, 1e-5). A batch of one image is returned as (C,H,W) without padding.
// Returns a new (C, nrows*(H+padding)+padding, ncols*(W+padding)+padding) tensor of the input's
// dtype (float32, float64, or uint8 without normalize).
Tensor make_grid(const Tensor& tensor, int64_t nrow = 8, int64_t padding = 2, bool normalize = false,
                 const ValueRange& value_range = std::nullopt, bool scale_each = false, double pad_value = 0.0);
// A list of same-shape (C,H,W) images, stacked into a batch first.
Tensor make_grid(const std::vector<Tensor>& images, int64_t nrow = 8, int64_t padding = 2, bool normalize = false,
                 const ValueRange& value_range = std::nullopt, bool scale_each = false, double pad_value = 0.0);

// make_grid, then PNG at `path` (RGB or RGBA): values in [0,1] -> round(255 * x) clamped to
// [0,255], as torchvision's save_image. Floating-point tensors only.
void save_image(const Tensor& tensor, const std::string& path, int64_t nrow = 8, int64_t padding = 2,
                bool normalize = false, const ValueRange& value_range = std::nullopt, bool scale_each = false,
                double pad_value = 0.0);
void save_image(const std::vector<Tensor>& images, const std::string& path, int64_t nrow = 8, int64_t padding = 2,
                bool normalize = false, const ValueRange& value_range = std::nullopt, bool scale_each = false,
                double pad_value = 0.0);

// The (H,W,C) uint8 picture save_image writes for a (C,H,W) grid: trunc(clamp(x*255 + 0.5, 0, 255)).
Tensor grid_to_hwc_uint8(const Tensor& grid);

}  // namespace ember::io

// ImageFileDataset and ImageFolder (include/ember/data/datasets/image_folder.h).
#include "ember/data/datasets/image_folder.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include "ember/io/image.h"
#include "ember/tensor/factory.h"

namespace ember::data {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool hidden(const fs::path& p) { return !p.filename().empty() && p.filename().string()[0] == '.'; }

}  // namespace

bool has_extension(const std::string& path, const std::vector<std::string>& extensions) {
  const std::string ext = lower(fs::path(path).extension().string());
  for (const auto& e : extensions)
    if (ext == lower(e)) return true;
  return false;
}

Tensor convert_channels(const Tensor& hwc, int channels) {
  EMBER_CHECK(hwc.dim() == 3 && hwc.dtype() == kUInt8 && hwc.size(2) >= 1 && hwc.size(2) <= 4,
              "convert_channels: expects a uint8 (H,W,C) image with 1 to 4 channels, got ", shape_str(hwc.shape()));
  EMBER_CHECK(channels == 0 || channels == 1 || channels == 3, "convert_channels: channels must be 0, 1 or 3, got ",
              channels);
  const int64_t C = hwc.size(2);
  if (channels == 0 || channels == C) return hwc;
  const int64_t n = hwc.size(0) * hwc.size(1);
  Tensor src = hwc.contiguous();
  Tensor out = empty({hwc.size(0), hwc.size(1), channels}, kUInt8);
  const uint8_t* s = src.data_ptr<uint8_t>();
  uint8_t* d = out.data_ptr<uint8_t>();
  if (channels == 3) {
    for (int64_t i = 0; i < n; ++i)
      for (int k = 0; k < 3; ++k) d[i * 3 + k] = C <= 2 ? s[i * C] : s[i * C + k];  // grey(+alpha) or RGBA
  } else {
    for (int64_t i = 0; i < n; ++i) {
      if (C <= 2) {
        d[i] = s[i * C];
      } else {  // PIL's L = R * 299/1000 + G * 587/1000 + B * 114/1000
        const int v = s[i * C] * 299 + s[i * C + 1] * 587 + s[i * C + 2] * 114;
        d[i] = static_cast<uint8_t>((v + 500) / 1000);
      }
    }
  }
  return out;
}

ImageFileDataset::ImageFileDataset(std::vector<std::pair<std::string, int64_t>> samples, ImageFileOptions options)
    : samples_(std::move(samples)), options_(std::move(options)) {}

Tensor ImageFileDataset::load(int64_t index) const {
  EMBER_CHECK(index >= 0 && index < size(), "ImageFileDataset: index ", index, " is out of range for size ", size());
  return convert_channels(io::read_image(samples_[static_cast<size_t>(index)].first), options_.channels);
}

Example ImageFileDataset::get(int64_t index) const {
  Tensor img = load(index);
  if (options_.transform) img = options_.transform(img);
  return {img, scalar_tensor(samples_[static_cast<size_t>(index)].second, kInt64)};
}

namespace {

// The image files under `dir`, following directory symlinks (as torchvision's os.walk with
// followlinks=True) but entering each real directory once: a link back to a parent used to
// recurse until the path was too long and threw std::filesystem::filesystem_error.
std::vector<std::string> image_files_under(const fs::path& dir, const std::vector<std::string>& extensions) {
  std::vector<std::string> files;
  try {
    std::set<fs::path> seen = {fs::canonical(dir)};
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::follow_directory_symlink);
         it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_directory() && !seen.insert(fs::canonical(it->path())).second) {
        it.disable_recursion_pending();  // already listed (a symlink loop or a second link)
        continue;
      }
      if (it->is_regular_file() && !hidden(it->path()) && has_extension(it->path().string(), extensions))
        files.push_back(it->path().string());
    }
  } catch (const fs::filesystem_error& e) {
    EMBER_THROW("ImageFolder: cannot list ", dir.string(), ": ", e.what());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, ImageFileOptions options) {
  EMBER_CHECK(fs::is_directory(root), "ImageFolder: ", root, " is not a directory");
  try {
    for (const auto& e : fs::directory_iterator(root))
      if (e.is_directory() && !hidden(e.path())) classes_.push_back(e.path().filename().string());
  } catch (const fs::filesystem_error& e) {
    EMBER_THROW("ImageFolder: cannot list ", root, ": ", e.what());
  }
  std::sort(classes_.begin(), classes_.end());
  EMBER_CHECK(!classes_.empty(), "ImageFolder: no class folders in ", root);
  for (size_t c = 0; c < classes_.size(); ++c) {
    std::vector<std::string> files = image_files_under(fs::path(root) / classes_[c], options.extensions);
    EMBER_CHECK(!files.empty(), "ImageFolder: found no image file (", options.extensions.size(),
                " extensions) in class folder ", (fs::path(root) / classes_[c]).string());
    for (auto& f : files) samples_.emplace_back(std::move(f), static_cast<int64_t>(c));
  }
  options_ = std::move(options);
}

}  // namespace ember::data

// Shared pieces of the built-in tasks.
#include "train/tasks/task_util.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "ember/core/error.h"
#include "ember/data/transforms.h"
#include "ember/io/image.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

namespace ember::train::detail {

std::shared_ptr<const ExampleDataset> first_samples(std::shared_ptr<const ExampleDataset> dataset, int64_t max_samples) {
  if (max_samples <= 0 || max_samples >= dataset->size()) return dataset;
  std::vector<int64_t> idx(static_cast<size_t>(max_samples));
  std::iota(idx.begin(), idx.end(), 0);
  return std::make_shared<data::Subset<data::Example>>(std::move(dataset), std::move(idx));
}

Tensor read_image_chw(const std::string& path, int64_t channels, int64_t height, int64_t width) {
  Tensor hwc = io::read_image(path);                                   // uint8 (H,W,C)
  Tensor img = data::transforms::ToTensor()(hwc);                      // float (C,H,W) in [0,1]
  const int64_t c = img.size(0);
  if (c == 4 || c == 2) img = img.narrow(0, 0, c - 1);                 // drop alpha
  if (channels == 1 && img.size(0) == 3) {
    // PIL's convert("L"): L = R*299/1000 + G*587/1000 + B*114/1000
    img = (img[0] * 0.299 + img[1] * 0.587 + img[2] * 0.114).unsqueeze(0);
  } else if (channels == 3 && img.size(0) == 1) {
    img = img.expand({3, img.size(1), img.size(2)}).contiguous();
  }
  EMBER_CHECK(img.size(0) == channels, path, ": cannot make a ", channels, "-channel image of ", c, " channels");
  if (img.size(1) != height || img.size(2) != width) img = data::transforms::resize(img, height, width);
  return img.contiguous();
}

std::string top_k_text(const Tensor& probs, int top_k, const std::vector<std::string>& class_names) {
  Tensor p = probs.reshape({-1}).to(kFloat64).contiguous();
  const double* v = p.data_ptr<double>();
  std::vector<int64_t> order(static_cast<size_t>(p.numel()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return v[a] > v[b]; });
  std::string out;
  for (int k = 0; k < top_k && k < static_cast<int>(order.size()); ++k) {
    const int64_t c = order[static_cast<size_t>(k)];
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.4f", v[c]);
    const std::string name = c < static_cast<int64_t>(class_names.size()) ? class_names[static_cast<size_t>(c)]
                                                                           : "class " + std::to_string(c);
    out += (out.empty() ? "" : ", ") + name + " " + buf;
  }
  return out;
}

void check_data_dir(const std::string& data_dir) {
  std::error_code ec;
  EMBER_CHECK(std::filesystem::is_directory(data_dir, ec), "data_dir ", data_dir, ": no such directory");
}

}  // namespace ember::train::detail

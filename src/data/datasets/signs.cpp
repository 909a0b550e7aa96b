// The CS230 SIGNS layout (include/ember/data/datasets/signs.h).
#include "ember/data/datasets/signs.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace ember::data {

namespace fs = std::filesystem;

SIGNS::SIGNS(const std::string& data_dir, const std::string& split, ImageFileOptions options) {
  const fs::path dir = fs::path(data_dir) / (split + "_signs");
  EMBER_CHECK(fs::is_directory(dir), "SIGNS: ", dir.string(), " is not a directory (expected ", data_dir,
              "/{train,val,test}_signs)");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.' && has_extension(e.path().string(), options.extensions))
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  EMBER_CHECK(!files.empty(), "SIGNS: no image files in ", dir.string());
  for (auto& f : files) {
    const std::string name = fs::path(f).filename().string();
    const size_t us = name.find("_IMG_");
    bool ok = us != std::string::npos && us > 0 && us <= 9;
    for (size_t i = 0; ok && i < us; ++i) ok = std::isdigit(static_cast<unsigned char>(name[i]));
    EMBER_CHECK(ok, "SIGNS: ", f, ": the file name does not follow {label}_IMG_{id}.jpg");
    const int64_t label = std::stoll(name.substr(0, us));
    num_classes_ = std::max(num_classes_, label + 1);
    samples_.emplace_back(std::move(f), label);
  }
  options_ = std::move(options);
}

}  // namespace ember::data

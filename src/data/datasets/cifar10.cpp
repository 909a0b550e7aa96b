// CIFAR-10 binary batches (include/ember/data/datasets/cifar10.h).
#include "ember/data/datasets/cifar10.h"

#include <cstring>
#include <filesystem>

#include "data/file_util.h"
#include "ember/tensor/factory.h"

namespace ember::data {

namespace {
constexpr int64_t kRecord = 3073, kPixels = 3 * 32 * 32;
}

CIFAR10::CIFAR10(const std::string& root, Split split, Options options) {
  namespace fs = std::filesystem;
  fs::path dir = root;
  if (!fs::exists(dir / "test_batch.bin") && fs::is_directory(dir / "cifar-10-batches-bin")) dir /= "cifar-10-batches-bin";
  std::vector<std::string> names;
  if (split == Train)
    for (int i = 1; i <= 5; ++i) names.push_back("data_batch_" + std::to_string(i) + ".bin");
  else
    names.push_back("test_batch.bin");

  std::vector<std::vector<uint8_t>> files;
  int64_t total = 0;
  for (const auto& name : names) {
    const std::string path = (dir / name).string();
    EMBER_CHECK(fs::is_regular_file(path), "CIFAR10: ", path, " does not exist");
    files.push_back(detail::read_file(path, "CIFAR10"));
    const auto size = static_cast<int64_t>(files.back().size());
    EMBER_CHECK(size % kRecord == 0 && size > 0, "CIFAR10: ", path, ": ", size,
                " bytes is not a whole number of 3073-byte records (a full batch is 30730000 bytes); ",
                size == 0 ? std::string("the file is empty") : "a partial record starts at byte " + std::to_string(size / kRecord * kRecord));
    total += size / kRecord;
  }
  Tensor images = empty({total, 3, 32, 32}, kUInt8);
  Tensor labels = empty({total}, kInt64);
  uint8_t* img = images.data_ptr<uint8_t>();
  int64_t* lab = labels.data_ptr<int64_t>();
  int64_t at = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    const auto& b = files[f];
    const int64_t n = static_cast<int64_t>(b.size()) / kRecord;
    for (int64_t r = 0; r < n; ++r, ++at) {
      const uint8_t* rec = b.data() + r * kRecord;
      EMBER_CHECK(rec[0] <= 9, "CIFAR10: ", (dir / names[f]).string(), ": label ", int(rec[0]), " at byte ", r * kRecord,
                  " (record ", r, ") is not in 0..9");
      lab[at] = rec[0];
      std::memcpy(img + at * kPixels, rec + 1, kPixels);
    }
  }
  classes_ = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  if (fs::is_regular_file(dir / "batches.meta.txt")) {
    std::vector<std::string> meta;
    for (auto& l : detail::read_lines((dir / "batches.meta.txt").string(), "CIFAR10"))
      if (!detail::split_tokens(l).empty()) meta.push_back(detail::split_tokens(l)[0]);
    if (meta.size() == 10) classes_ = meta;
  }
  init(images, labels, std::move(options));
}

}  // namespace ember::data

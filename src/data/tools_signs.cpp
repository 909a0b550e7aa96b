// Fashion-MNIST to a SIGNS-style JPEG folder (include/ember/data/tools.h).
#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "data/file_util.h"
#include "ember/data/datasets/mnist.h"
#include "ember/data/tools.h"
#include "ember/data/transforms.h"
#include "ember/io/image.h"
#include "ember/tensor/factory.h"

namespace ember::data {

namespace fs = std::filesystem;

namespace {

struct Job {
  const Tensor* images;  // uint8 (N,1,28,28)
  int64_t index;
  int64_t label;
  fs::path dir;
};

// Prepares an empty <out>/<name>_signs folder.
fs::path fresh_dir(const fs::path& out, const std::string& name, bool overwrite) {
  fs::path d = out / (name + "_signs");
  if (fs::exists(d) && !fs::is_empty(d)) {
    EMBER_CHECK(overwrite, "fashion_mnist_to_signs: ", d.string(), " already exists and is not empty (pass overwrite)");
    fs::remove_all(d);
  }
  detail::make_dirs(d.string(), "fashion_mnist_to_signs");
  return d;
}

void write_one(const Job& j, int64_t size, int quality) {
  Tensor img = j.images->select(0, j.index);                      // (1,28,28)
  Tensor resized = transforms::resize(img, size, size, true);     // (1,S,S), bilinear like PIL's
  Tensor rgb = resized.permute({1, 2, 0}).expand({size, size, 3});  // grey -> RGB
  io::write_jpeg((j.dir / (std::to_string(j.label) + "_IMG_" + std::to_string(j.index) + ".jpg")).string(), rgb,
                 quality);
}

}  // namespace

SignsExportReport fashion_mnist_to_signs(const std::string& mnist_dir, const std::string& out_dir,
                                         const SignsExportOptions& o) {
  EMBER_CHECK(o.image_size > 0, "fashion_mnist_to_signs: image_size must be positive, got ", o.image_size);
  EMBER_CHECK(o.val_fraction >= 0 && o.val_fraction < 1, "fashion_mnist_to_signs: val_fraction must be in [0, 1), got ",
              o.val_fraction);
  EMBER_CHECK(o.limit >= -1, "fashion_mnist_to_signs: limit must be -1 (all images) or a count >= 0, got ", o.limit);
  MNIST train(mnist_dir, MNIST::Train), test(mnist_dir, MNIST::Test);
  const int64_t n_train = o.limit >= 0 ? std::min(o.limit, train.size()) : train.size();
  const int64_t n_test = o.limit >= 0 ? std::min(o.limit, test.size()) : test.size();

  // CS230: filenames.sort(); random.seed(230); random.shuffle(filenames); split = int(0.8 * n).
  Generator gen(o.seed);
  std::vector<int64_t> order = random_permutation(n_train, gen);
  const auto n_tr = static_cast<int64_t>(static_cast<double>(n_train) * (1.0 - o.val_fraction));

  detail::make_dirs(out_dir, "fashion_mnist_to_signs");
  const fs::path dtrain = fresh_dir(out_dir, "train", o.overwrite), dval = fresh_dir(out_dir, "val", o.overwrite),
                 dtest = fresh_dir(out_dir, "test", o.overwrite);
  std::vector<Job> jobs;
  const int64_t* tl = train.targets().data_ptr<int64_t>();
  const int64_t* sl = test.targets().data_ptr<int64_t>();
  for (int64_t k = 0; k < n_train; ++k) {
    const int64_t i = order[static_cast<size_t>(k)];
    jobs.push_back({&train.images(), i, tl[i], k < n_tr ? dtrain : dval});
  }
  for (int64_t i = 0; i < n_test; ++i) jobs.push_back({&test.images(), i, sl[i], dtest});

  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (size_t j; (j = next++) < jobs.size();) {
      try {
        write_one(jobs[j], o.image_size, o.quality);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        next = jobs.size();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, o.num_threads); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
  return {n_tr, n_train - n_tr, n_test, out_dir};
}

}  // namespace ember::data

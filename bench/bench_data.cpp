// Data-loading benchmarks (Google Benchmark; run next to bench/peer/data_libtorch.cpp).
//   (a) one epoch of Fashion-MNIST in memory: batch 64, shuffled, normalised (mean 0.2860,
//       std 0.3530), 0 and 2 worker threads -> samples/s; next to a memcpy of the same float
//       bytes (60,000 x 784 x 4) -> the bandwidth bound.
//   (b) a SIGNS-style JPEG folder (64x64 RGB written from Fashion-MNIST): decode + RandomCrop
//       (padding 4) + RandomHorizontalFlip + Normalize, batch 32, 0 and 2 workers -> images/s.
//   Memory: bytes held by the in-memory dataset, the RSS it added and the peak RSS while loading
//   (the gzip bytes and the decompressed file are alive for a moment), against the raw float
//   size 60,000 x 784 x 4 (counters on BM_fashion_load).
// Data: /usr/share/datasets/fashion-mnist (EMBER_FASHION_MNIST overrides); without it, random
// images of the same size.
#include <benchmark/benchmark.h>
#include "peer/data_memcpy_baseline.h"
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <ember/ember.h>

using namespace ember;
namespace fs = std::filesystem;

namespace {

std::string fashion_dir() {
  const char* e = std::getenv("EMBER_FASHION_MNIST");
  return e ? e : "/usr/share/datasets/fashion-mnist";
}
bool have_fashion() { return fs::exists(fashion_dir() + "/train-images-idx3-ubyte.gz") || fs::exists(fashion_dir() + "/train-images-idx3-ubyte"); }

const data::ImageArrayDataset::Options kNorm{{data::MNIST::kFashionMean}, {data::MNIST::kFashionStd}, nullptr};

std::shared_ptr<data::ImageArrayDataset> fashion_train() {
  static std::shared_ptr<data::ImageArrayDataset> ds = [] {
    if (have_fashion()) return std::static_pointer_cast<data::ImageArrayDataset>(std::make_shared<data::MNIST>(fashion_dir(), data::MNIST::Train, kNorm));
    manual_seed(0);
    Tensor imgs = randint(0, 256, {60000, 1, 28, 28}, kInt64).to(kUInt8);
    return std::make_shared<data::ImageArrayDataset>(imgs, randint(0, 10, {60000}), kNorm);
  }();
  return ds;
}

int64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// ---- memory ---------------------------------------------------------------------------------
void BM_fashion_load(benchmark::State& state) {
  for (auto _ : state) {
    const int64_t before = rss_bytes();
    std::shared_ptr<data::ImageArrayDataset> ds;
    if (have_fashion()) ds = std::make_shared<data::MNIST>(fashion_dir(), data::MNIST::Train, kNorm);
    const int64_t after = rss_bytes();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const int64_t peak = static_cast<int64_t>(ru.ru_maxrss) * 1024;  // this runs first: the peak is the load's
    if (!ds) {
      state.SkipWithError("Fashion-MNIST not installed");
      break;
    }
    const double raw_float = 60000.0 * 784 * 4;
    state.counters["held_MB"] = static_cast<double>(ds->images().nbytes() + ds->targets().nbytes()) / 1e6;
    state.counters["held_vs_float"] = static_cast<double>(ds->images().nbytes() + ds->targets().nbytes()) / raw_float;
    state.counters["rss_added_MB"] = static_cast<double>(after - before) / 1e6;
    state.counters["rss_added_vs_float"] = static_cast<double>(after - before) / raw_float;
    state.counters["peak_added_vs_float"] = static_cast<double>(peak - before) / raw_float;
  }
}
BENCHMARK(BM_fashion_load)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- (a) one epoch in memory ---------------------------------------------------------------
void BM_fashion_epoch(benchmark::State& state) {
  auto ds = fashion_train();
  data::DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .num_workers = static_cast<int>(state.range(0)),
                               .generator = std::make_shared<Generator>(0)});
  double checksum = 0;
  for (auto _ : state) {
    int64_t n = 0;
    for (auto& batch : loader) {
      checksum += batch.data.data_ptr<float>()[0];  // touch the batch like a consumer would
      n += batch.data.size(0);
    }
    benchmark::DoNotOptimize(checksum);
    if (n != ds->size()) state.SkipWithError("short epoch");
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(ds->size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_fashion_epoch)->ArgName("workers")->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_memcpy_epoch_bytes(benchmark::State& state) { memcpy_epoch_bytes(state); }
BENCHMARK(BM_memcpy_epoch_bytes)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// ---- (b) a JPEG folder -------------------------------------------------------------------
std::string signs_dir() {
  static std::string dir = [] {
    fs::path d = fs::temp_directory_path() / ("ember_bench_signs_" + std::to_string(::getpid()));
    if (have_fashion()) {
      data::fashion_mnist_to_signs(fashion_dir(), d.string(), {.limit = 2000, .overwrite = true});
    } else {
      fs::create_directories(d / "train_signs");
      manual_seed(0);
      for (int i = 0; i < 1600; ++i)
        io::write_jpeg((d / "train_signs" / (std::to_string(i % 10) + "_IMG_" + std::to_string(i) + ".jpg")).string(),
                       randint(0, 256, {64, 64, 3}, kInt64).to(kUInt8));
    }
    std::atexit([] { fs::remove_all(fs::temp_directory_path() / ("ember_bench_signs_" + std::to_string(::getpid()))); });
    return d.string();
  }();
  return dir;
}

void BM_jpeg_folder_epoch(benchmark::State& state) {
  namespace T = data::transforms;
  auto ds = std::make_shared<data::SIGNS>(
      signs_dir(), "train",
      data::ImageFileOptions{.transform = T::Compose({T::ToTensor(), T::RandomCrop(64, 4), T::RandomHorizontalFlip(),
                                                      T::Normalize({0.5, 0.5, 0.5}, {0.5, 0.5, 0.5})})});
  data::DataLoader loader(ds, {.batch_size = 32, .shuffle = true, .num_workers = static_cast<int>(state.range(0)),
                               .generator = std::make_shared<Generator>(0)});
  for (auto _ : state) {
    int64_t n = 0;
    for (auto& batch : loader) n += batch.data.size(0);
    benchmark::DoNotOptimize(n);
  }
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(ds->size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_jpeg_folder_epoch)->ArgName("workers")->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();

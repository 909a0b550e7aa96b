// The LibTorch peer of bench_data.cpp: torch::data on the same Fashion-MNIST in memory.
// torch::data::datasets::MNIST (float images scaled to [0,1]) .map(Normalize(0.2860, 0.3530))
// .map(Stack), RandomSampler, batch 64, 0 and 2 workers -> samples/s, next to a memcpy of
// the same bytes. LibTorch's MNIST reads uncompressed IDX files, so the .gz files are
// decompressed into a temp dir first (EMBER_FASHION_MNIST overrides the source dir).
#include <benchmark/benchmark.h>
#include "data_memcpy_baseline.h"
#include <torch/torch.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string source_dir() {
  const char* e = std::getenv("EMBER_FASHION_MNIST");
  return e ? e : "/usr/share/datasets/fashion-mnist";
}

// A temp dir holding the four files uncompressed.
std::string plain_dir() {
  static std::string dir = [] {
    fs::path d = fs::temp_directory_path() / ("torch_bench_fashion_" + std::to_string(::getpid()));
    fs::create_directories(d);
    for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                             "t10k-labels-idx1-ubyte"}) {
      fs::path src = fs::path(source_dir()) / name;
      if (fs::exists(src)) {
        fs::copy_file(src, d / name, fs::copy_options::overwrite_existing);
        continue;
      }
      gzFile gz = gzopen((src.string() + ".gz").c_str(), "rb");
      if (!gz) throw std::runtime_error("cannot open " + src.string() + "[.gz]");
      std::ofstream out(d / name, std::ios::binary);
      char buf[1 << 16];
      for (int n; (n = gzread(gz, buf, sizeof buf)) > 0;) out.write(buf, n);
      gzclose(gz);
    }
    std::atexit([] { fs::remove_all(fs::temp_directory_path() / ("torch_bench_fashion_" + std::to_string(::getpid()))); });
    return d.string();
  }();
  return dir;
}

void BM_torch_fashion_epoch(benchmark::State& state) {
  auto dataset = torch::data::datasets::MNIST(plain_dir(), torch::data::datasets::MNIST::Mode::kTrain)
                     .map(torch::data::transforms::Normalize<>(0.2860, 0.3530))
                     .map(torch::data::transforms::Stack<>());
  const auto n = dataset.size().value();
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(dataset), torch::data::DataLoaderOptions().batch_size(64).workers(state.range(0)));
  double checksum = 0;
  for (auto _ : state) {
    for (auto& batch : *loader) checksum += batch.data.data_ptr<float>()[0];
    benchmark::DoNotOptimize(checksum);
  }
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_torch_fashion_epoch)->ArgName("workers")->Arg(0)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_torch_memcpy_epoch_bytes(benchmark::State& state) { memcpy_epoch_bytes(state); }
BENCHMARK(BM_torch_memcpy_epoch_bytes)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();

#pragma once
// DataLoader: batches of a dataset, in order, optionally shuffled and produced by worker threads.
//
//   auto train = std::make_shared<data::MNIST>("/usr/share/datasets/fashion-mnist", data::MNIST::Train);
//   data::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .num_workers = 2});
//   for (auto& batch : loader) { ... batch.data (64,1,28,28), batch.target (64) ... }
//
// Semantics (as torch.utils.data.DataLoader):
// - Each epoch (each begin()) draws one seed from `generator` (or ember's default generator).
//   The shuffled order and the sample_generator() that random transforms use for batch b both
//   derive from it, so batches, augmentations included, are the same for any num_workers.
// - num_workers threads produce batches ahead of the consumer, at most
//   prefetch_factor * num_workers of them; batches are handed out in order.
// - An exception thrown while producing batch b reaches the caller when it asks for batch b,
//   as an ember::Error "DataLoader worker W, batch b: <message>".
// - Destroying the loader (or the last iterator of an epoch) stops and joins its workers.
// - With the default collate, a dataset with a get_batch() fast path (TensorDataset, MNIST,
//   CIFAR10, Subsets of them) is gathered straight into batch buffers that the loader reuses
//   once nothing else references them: no per-sample tensors, no per-batch allocation.
// - pin_memory is accepted for PyTorch compatibility (it matters once CUDA exists).
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "ember/data/collate.h"
#include "ember/data/dataset.h"
#include "ember/data/sampler.h"

namespace ember::data {

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  std::shared_ptr<Sampler> sampler = nullptr;  // instead of shuffle: the order of indices
  int num_workers = 0;
  bool drop_last = false;
  bool pin_memory = false;
  int prefetch_factor = 2;                        // batches in flight per worker
  std::shared_ptr<Generator> generator = nullptr;  // seeds each epoch; default: ember's default generator
};

namespace detail {

using BatchPtr = std::shared_ptr<void>;
// Makes batch `b` from the dataset indices it holds (empty for a stream). Returns nullptr when
// a stream has no more samples.
using ProduceFn = std::function<BatchPtr(int64_t b, const std::vector<int64_t>& indices)>;

class Epoch;
class BatchPool;

// The non-template engine (src/data/dataloader.cpp).
class LoaderCore {
 public:
  // A map-style dataset of `dataset_size` samples, or a stream when dataset_size < 0.
  LoaderCore(int64_t dataset_size, const DataLoaderOptions& options);
  ~LoaderCore();
  std::shared_ptr<Epoch> start(ProduceFn produce);
  int64_t num_batches() const;  // -1 for a stream
  const DataLoaderOptions& options() const { return options_; }
  const std::shared_ptr<BatchPool>& pool() const { return pool_; }

 private:
  DataLoaderOptions options_;
  std::unique_ptr<BatchSampler> batch_sampler_;
  std::vector<std::weak_ptr<Epoch>> epochs_;
  std::shared_ptr<BatchPool> pool_;
};

// The next batch of the epoch, or nullptr at its end; rethrows a worker's error.
BatchPtr next_batch(Epoch& epoch);

// Default collation of Examples, with the get_batch() fast path and buffer reuse.
BatchPtr collate_examples(const Dataset<Example>& dataset, const std::vector<int64_t>& indices, BatchPool& pool);
// Pulls up to batch_size samples from a stream into `out`; false if the stream ended first.
template <class T>
bool pull(std::function<std::optional<T>()>& stream, int64_t batch_size, std::vector<T>& out) {
  while (static_cast<int64_t>(out.size()) < batch_size) {
    std::optional<T> s = stream();
    if (!s) return false;
    out.push_back(std::move(*s));
  }
  return true;
}

}  // namespace detail

// T: the sample type; Batch: what the collate function makes (Example -> Example by default).
template <class T = Example, class Batch = T>
class DataLoader {
 public:
  using Collate = std::function<Batch(std::vector<T>)>;

  class iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    Batch& operator*() const { return *current_; }
    Batch* operator->() const { return current_.get(); }
    iterator& operator++() {
      EMBER_CHECK(epoch_, "DataLoader: iterator incremented past the end of the epoch");
      current_ = std::static_pointer_cast<Batch>(detail::next_batch(*epoch_));
      if (!current_) epoch_.reset();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return current_ == nullptr; }

   private:
    friend class DataLoader;
    explicit iterator(std::shared_ptr<detail::Epoch> epoch) : epoch_(std::move(epoch)) { ++*this; }
    std::shared_ptr<detail::Epoch> epoch_;
    std::shared_ptr<Batch> current_;
  };

  // A map-style dataset.
  DataLoader(std::shared_ptr<const Dataset<T>> dataset, DataLoaderOptions options = {}, Collate collate = {})
      : core_(std::make_unique<detail::LoaderCore>(checked(dataset)->size(), options)) {
    if constexpr (!std::is_same_v<T, Example> || !std::is_same_v<Batch, Example>)
      EMBER_CHECK(collate, "DataLoader: there is no default collate for this sample type; pass one");
    auto pool = core_->pool();
    produce_ = [dataset, collate, pool](int64_t, const std::vector<int64_t>& indices) -> detail::BatchPtr {
      if constexpr (std::is_same_v<T, Example> && std::is_same_v<Batch, Example>) {
        if (!collate) return detail::collate_examples(*dataset, indices, *pool);
      }
      std::vector<T> samples;
      samples.reserve(indices.size());
      for (int64_t i : indices) samples.push_back(dataset->get(i));
      return std::make_shared<Batch>(collate(std::move(samples)));
    };
  }

  // A stream: batches of consecutive samples (shuffle and samplers do not apply). With
  // num_workers > 0 one background thread reads ahead.
  DataLoader(std::shared_ptr<const IterableDataset<T>> dataset, DataLoaderOptions options = {}, Collate collate = {})
      : core_(std::make_unique<detail::LoaderCore>(-1, stream_options(checked(dataset), options))) {
    if constexpr (std::is_same_v<T, Example> && std::is_same_v<Batch, Example>)
      if (!collate) collate = default_collate;
    EMBER_CHECK(collate, "DataLoader: there is no default collate for this sample type; pass one");
    auto batch_size = options.batch_size;
    bool drop_last = options.drop_last;
    // One stream per epoch, read by one thread at a time (the engine runs streams serially).
    produce_ = [dataset, collate, batch_size, drop_last,
                stream = std::shared_ptr<std::function<std::optional<T>()>>()](
                   int64_t b, const std::vector<int64_t>&) mutable -> detail::BatchPtr {
      if (b == 0) stream = std::make_shared<std::function<std::optional<T>()>>(dataset->stream());
      std::vector<T> samples;
      bool full = detail::pull(*stream, batch_size, samples);
      if (samples.empty() || (!full && drop_last)) return nullptr;
      return std::make_shared<Batch>(collate(std::move(samples)));
    };
  }

  ~DataLoader() = default;
  DataLoader(DataLoader&&) noexcept = default;
  DataLoader& operator=(DataLoader&&) noexcept = default;

  iterator begin() { return iterator(core_->start(produce_)); }
  std::default_sentinel_t end() const { return {}; }
  // len(loader): batches per epoch (-1 for a stream).
  int64_t size() const { return core_->num_batches(); }
  const DataLoaderOptions& options() const { return core_->options(); }

 private:
  template <class P>
  static const P& checked(const P& p) {
    EMBER_CHECK(p, "DataLoader: null dataset");
    return p;
  }
  static DataLoaderOptions stream_options(const std::shared_ptr<const IterableDataset<T>>&, DataLoaderOptions o) {
    EMBER_CHECK(!o.shuffle && !o.sampler, "DataLoader: shuffle and sampler do not apply to an IterableDataset");
    return o;
  }

  std::unique_ptr<detail::LoaderCore> core_;
  detail::ProduceFn produce_;
};

// DataLoader loader(std::make_shared<MyDataset>(...), {...}) deduces the sample type.
template <class D>
DataLoader(std::shared_ptr<D>, DataLoaderOptions = {}) -> DataLoader<typename D::value_type>;
template <class D, class C>
DataLoader(std::shared_ptr<D>, DataLoaderOptions, C)
    -> DataLoader<typename D::value_type, std::invoke_result_t<C, std::vector<typename D::value_type>>>;

extern template class DataLoader<Example, Example>;

}  // namespace ember::data

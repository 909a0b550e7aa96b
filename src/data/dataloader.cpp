// The DataLoader engine (include/ember/data/dataloader.h): epochs, worker threads with a
// bounded window of batches in flight, in-order hand-out, error forwarding, and the batch
// buffer pool of the default collate's fast path.
#include "ember/data/dataloader.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "data/worker_internal.h"
#include "ember/data/worker.h"
#include "ember/tensor/factory.h"

namespace ember::data {

template class DataLoader<Example, Example>;

namespace detail {

// ---- buffers for the fast path ------------------------------------------------------------

class BatchPool {
 public:
  enum class State { Unprobed, Fast, Slow };
  std::atomic<State> state{State::Unprobed};

  // Learns the sample shapes from one sample (once).
  void probe(const Dataset<Example>& dataset, int64_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (probed_) return;
    Example s = dataset.get(index);
    EMBER_CHECK(s.data.defined(), "DataLoader: sample ", index, " has no data");
    data_shape_ = s.data.shape();
    data_dtype_ = s.data.dtype();
    has_target_ = s.target.defined();
    if (has_target_) {
      target_shape_ = s.target.shape();
      target_dtype_ = s.target.dtype();
    }
    probed_ = true;
  }

  // A batch of n samples whose buffers nothing outside the pool references.
  Example acquire(int64_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Example& b : buffers_) {
      if (b.data.size(0) == n && unreferenced(b.data) && (!has_target_ || unreferenced(b.target))) {
        std::atomic_thread_fence(std::memory_order_acquire);  // the last user's reads happen before our writes
        return b;
      }
    }
    Example b{empty(with_batch(data_shape_, n), data_dtype_),
              has_target_ ? empty(with_batch(target_shape_, n), target_dtype_) : Tensor()};
    if (buffers_.size() < kMaxBuffers) buffers_.push_back(b);
    return b;
  }

 private:
  static constexpr size_t kMaxBuffers = 64;
  static Shape with_batch(Shape s, int64_t n) {
    s.insert(s.begin(), n);
    return s;
  }
  // Only the pool holds the handle and the storage (a view of it would hold the storage).
  static bool unreferenced(const Tensor& t) { return t.impl_ptr().use_count() == 1 && t.storage().use_count() == 1; }

  std::mutex mutex_;
  bool probed_ = false, has_target_ = false;
  Shape data_shape_, target_shape_;
  DType data_dtype_ = kFloat32, target_dtype_ = kInt64;
  std::vector<Example> buffers_;
};

BatchPtr collate_examples(const Dataset<Example>& dataset, const std::vector<int64_t>& indices, BatchPool& pool) {
  if (pool.state.load() != BatchPool::State::Slow && !indices.empty()) {
    pool.probe(dataset, indices[0]);
    Example batch = pool.acquire(static_cast<int64_t>(indices.size()));
    if (dataset.get_batch(indices, batch)) {
      pool.state.store(BatchPool::State::Fast);
      return std::make_shared<Example>(std::move(batch));
    }
    pool.state.store(BatchPool::State::Slow);
  }
  std::vector<Example> samples;
  samples.reserve(indices.size());
  for (int64_t i : indices) samples.push_back(dataset.get(i));
  return std::make_shared<Example>(default_collate(std::move(samples)));
}

// ---- one epoch ----------------------------------------------------------------------------

class Epoch {
 public:
  Epoch(std::vector<std::vector<int64_t>> batches, bool stream, ProduceFn produce, int num_workers, int capacity,
        uint64_t seed)
      : batches_(std::move(batches)),
        stream_(stream),
        produce_(std::move(produce)),
        workers_(stream ? std::min(num_workers, 1) : num_workers),
        capacity_(std::max(1, capacity)),
        seed_(seed),
        end_(stream ? INT64_MAX : static_cast<int64_t>(batches_.size())) {
    for (int w = 0; w < workers_; ++w) threads_.emplace_back([this, w] { worker_loop(w); });
  }
  ~Epoch() { shutdown(); }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    work_cv_.notify_all();
    done_cv_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

  BatchPtr next() {
    if (workers_ == 0) {
      if (next_out_ >= end_ || stopped_) return nullptr;
      int64_t b = next_out_++;
      Slot s = run(b, -1);
      if (s.error) std::rethrow_exception(s.error);  // the caller's own thread: the original exception
      if (!s.batch) end_ = b;
      return s.batch;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    if (next_out_ >= end_) return nullptr;
    done_cv_.wait(lock, [&] { return stopped_ || ready_.count(next_out_); });
    if (stopped_) return nullptr;
    auto it = ready_.find(next_out_);
    Slot s = std::move(it->second);
    ready_.erase(it);
    const int64_t b = next_out_++;
    if (!s.batch && !s.error) end_ = b;  // the stream ended
    lock.unlock();
    work_cv_.notify_all();
    if (s.error) rethrow_from_worker(s, b);
    return s.batch;
  }

 private:
  struct Slot {
    BatchPtr batch;
    std::exception_ptr error;
    int worker = -1;
  };

  Slot run(int64_t b, int worker) {
    Slot s;
    s.worker = worker;
    Generator gen(mix_seed(seed_, static_cast<uint64_t>(b) + 1));
    SampleGeneratorGuard guard(gen);
    static const std::vector<int64_t> kNone;
    try {
      s.batch = produce_(b, stream_ ? kNone : batches_[static_cast<size_t>(b)]);
    } catch (...) {
      s.error = std::current_exception();
    }
    return s;
  }

  void worker_loop(int id) {
    set_worker_info({id, workers_});
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      work_cv_.wait(lock, [&] { return stopped_ || (next_job_ < end_ && next_job_ < next_out_ + capacity_); });
      if (stopped_) return;
      const int64_t b = next_job_++;
      lock.unlock();
      Slot s = run(b, id);
      lock.lock();
      if (stream_ && !s.batch && !s.error) end_ = std::min(end_, b + 1);  // b is the end marker
      ready_.emplace(b, std::move(s));
      done_cv_.notify_all();
    }
  }

  [[noreturn]] static void rethrow_from_worker(const Slot& s, int64_t b) {
    try {
      std::rethrow_exception(s.error);
    } catch (const std::exception& e) {
      EMBER_THROW("DataLoader worker ", s.worker, ", batch ", b, ": ", e.what());
    } catch (...) {
      EMBER_THROW("DataLoader worker ", s.worker, ", batch ", b, ": unknown exception");
    }
  }

  const std::vector<std::vector<int64_t>> batches_;
  const bool stream_;
  const ProduceFn produce_;
  const int workers_;
  const int64_t capacity_;
  const uint64_t seed_;

  std::mutex mutex_;
  std::condition_variable work_cv_, done_cv_;
  int64_t end_;           // batches in this epoch (a stream learns it when it ends)
  int64_t next_job_ = 0;  // next batch a worker claims
  int64_t next_out_ = 0;  // next batch handed to the caller
  std::map<int64_t, Slot> ready_;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

BatchPtr next_batch(Epoch& epoch) { return epoch.next(); }

// ---- the loader ---------------------------------------------------------------------------

LoaderCore::LoaderCore(int64_t dataset_size, const DataLoaderOptions& o) : options_(o) {
  EMBER_CHECK(o.batch_size > 0, "DataLoader: batch_size must be positive, got ", o.batch_size);
  EMBER_CHECK(o.num_workers >= 0, "DataLoader: num_workers must be non-negative, got ", o.num_workers);
  EMBER_CHECK(o.prefetch_factor >= 1, "DataLoader: prefetch_factor must be at least 1, got ", o.prefetch_factor);
  EMBER_CHECK(!(o.sampler && o.shuffle), "DataLoader: sampler option is mutually exclusive with shuffle");
  if (dataset_size >= 0) {
    std::shared_ptr<Sampler> sampler = o.sampler;
    if (!sampler) {
      if (o.shuffle)
        sampler = std::make_shared<RandomSampler>(dataset_size);
      else
        sampler = std::make_shared<SequentialSampler>(dataset_size);
    }
    batch_sampler_ = std::make_unique<BatchSampler>(sampler, o.batch_size, o.drop_last);
  }
  pool_ = std::make_shared<BatchPool>();
}

LoaderCore::~LoaderCore() {
  for (auto& w : epochs_)
    if (auto e = w.lock()) e->shutdown();
}

int64_t LoaderCore::num_batches() const { return batch_sampler_ ? batch_sampler_->size() : -1; }

std::shared_ptr<Epoch> LoaderCore::start(ProduceFn produce) {
  Generator& g = options_.generator ? *options_.generator : default_generator();
  const uint64_t seed = random_u64(g);
  std::vector<std::vector<int64_t>> batches;
  if (batch_sampler_) {
    Generator order(mix_seed(seed, 0));
    batches = batch_sampler_->batches(order);
  }
  auto epoch = std::make_shared<Epoch>(std::move(batches), !batch_sampler_, std::move(produce), options_.num_workers,
                                       options_.prefetch_factor * options_.num_workers, seed);
  std::erase_if(epochs_, [](const std::weak_ptr<Epoch>& w) { return w.expired(); });
  epochs_.push_back(epoch);
  return epoch;
}

}  // namespace detail

}  // namespace ember::data

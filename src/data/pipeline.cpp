// The non-template parts of the tf.data-style pipeline (include/ember/data/pipeline.h):
// the prefetch thread, batch stacking, pass seeds and text lines.
#include "ember/data/pipeline.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>

#include "data/file_util.h"
#include "ember/data/collate.h"
#include "ember/tensor/ops.h"

namespace ember::data {

namespace detail {

namespace {

// Pulls from `pull` on its own thread into a queue of at most `capacity` items; the destructor
// stops and joins the thread. An exception from `pull` is queued in place of its item.
class Prefetcher {
 public:
  Prefetcher(std::function<std::shared_ptr<void>()> pull, size_t capacity)
      : pull_(std::move(pull)), capacity_(capacity), thread_([this] { run(); }) {}
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  std::shared_ptr<void> next() {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [&] { return !queue_.empty(); });
    Item item = std::move(queue_.front());
    queue_.pop_front();
    if (item.data || item.error) {
      lock.unlock();
      cv_.notify_all();
    } else {
      queue_.push_front(item);  // the end marker stays: later calls see the end too
    }
    if (item.error) std::rethrow_exception(item.error);
    return item.data;
  }

 private:
  struct Item {
    std::shared_ptr<void> data;
    std::exception_ptr error;
  };

  void run() {
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stop_ || queue_.size() < capacity_; });
        if (stop_) return;
      }
      Item item;
      try {
        item.data = pull_();
      } catch (...) {
        item.error = std::current_exception();
      }
      const bool end = !item.data && !item.error;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(item));
      }
      cv_.notify_all();
      if (end) return;
    }
  }

  std::function<std::shared_ptr<void>()> pull_;
  const size_t capacity_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace

std::function<std::shared_ptr<void>()> prefetch_stream(std::function<std::shared_ptr<void>()> pull, size_t buffer) {
  auto p = std::make_shared<Prefetcher>(std::move(pull), buffer);
  return [p]() { return p->next(); };
}

Tensor collate_batch(std::vector<Tensor> items) {
  std::vector<Example> ex;
  ex.reserve(items.size());
  for (auto& t : items) ex.push_back({std::move(t), Tensor()});
  return default_collate(std::move(ex)).data;
}

Example collate_batch(std::vector<Example> items) { return default_collate(std::move(items)); }

uint64_t pass_seed(const std::shared_ptr<Generator>& gen) { return random_u64(gen ? *gen : default_generator()); }

}  // namespace detail

Pipeline<std::string> text_lines(const std::string& path) {
  return Pipeline<std::string>([path]() -> Pipeline<std::string>::Stream {
    auto lines = std::make_shared<const std::vector<std::string>>(detail::read_lines(path, "text_lines"));
    return [lines, i = size_t{0}]() mutable -> std::optional<std::string> {
      if (i >= lines->size()) return std::nullopt;
      return (*lines)[i++];
    };
  });
}

}  // namespace ember::data

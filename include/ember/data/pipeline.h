#pragma once
// A tf.data-style input pipeline over streams (the CS230 TensorFlow tutorial's input_fn):
//
//   auto lines = data::text_lines("file.txt")                     // TextLineDataset
//                    .map([](const std::string& l) { return split(l); })
//                    .shuffle(3, /*seed=*/42)                     // a buffer of 3 elements
//                    .batch(2)                                    // vectors of 2 (Tensors/Examples stack)
//                    .prefetch(1);                                // one batch ready in a background thread
//   for (auto& batch : lines) ...                                 // one pass; iterate again for the next
//
// A Pipeline is a recipe: each begin() (or make_iterator()) starts a fresh pass, like an
// initializable iterator's init op. shuffle reshuffles every pass (reshuffle_each_iteration);
// with a seed the sequence of passes is repeatable. Random transforms inside map() draw from
// sample_generator(), seeded per element from the pass, so prefetching changes nothing.
// Errors thrown upstream surface where the element would have been.
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/data/dataset.h"
#include "ember/data/worker.h"

namespace ember::data {

template <class T>
class Pipeline;

namespace detail {
// Runs `pull` (nullptr = the end) on a background thread keeping up to `buffer` results ready.
std::function<std::shared_ptr<void>()> prefetch_stream(std::function<std::shared_ptr<void>()> pull, size_t buffer);
// Stacks tensors / Examples along a new first dim; other element types stay a vector.
Tensor collate_batch(std::vector<Tensor> items);
Example collate_batch(std::vector<Example> items);
template <class T>
std::vector<T> collate_batch(std::vector<T> items) {
  return items;
}
// The seed of one pass of a random stage: drawn from `gen` if given, else from the default generator.
uint64_t pass_seed(const std::shared_ptr<Generator>& gen);
}  // namespace detail

// What batch(n) makes from elements of type T.
template <class T>
using batch_of_t = decltype(detail::collate_batch(std::declval<std::vector<T>>()));

template <class T>
class Pipeline {
 public:
  using value_type = T;
  using Stream = std::function<std::optional<T>()>;  // the next element, or nullopt at the end
  using Source = std::function<Stream()>;            // starts a pass

  explicit Pipeline(Source source) : source_(std::move(source)) {}

  // ---- sources ----
  static Pipeline from_vector(std::vector<T> items) {
    auto shared = std::make_shared<const std::vector<T>>(std::move(items));
    return Pipeline([shared]() -> Stream {
      return [shared, i = size_t{0}]() mutable -> std::optional<T> {
        if (i >= shared->size()) return std::nullopt;
        return (*shared)[i++];
      };
    });
  }
  template <class D>
  static Pipeline from_dataset(std::shared_ptr<D> dataset) {
    std::shared_ptr<const Dataset<T>> ds = std::move(dataset);
    return Pipeline([ds]() -> Stream {
      return [ds, i = int64_t{0}]() mutable -> std::optional<T> {
        if (i >= ds->size()) return std::nullopt;
        return ds->get(i++);
      };
    });
  }

  // ---- transformations ----
  template <class F>
  auto map(F f) const {
    using U = std::invoke_result_t<F&, const T&>;
    Source up = source_;
    return Pipeline<U>([up, f]() -> typename Pipeline<U>::Stream {
      const uint64_t seed = detail::pass_seed(nullptr);
      return [s = up(), f, seed, i = uint64_t{0}]() mutable -> std::optional<U> {
        std::optional<T> x = s();
        if (!x) return std::nullopt;
        Generator gen(derive_seed(seed, i++));
        SampleGeneratorGuard guard(gen);
        return f(*x);
      };
    });
  }

  Pipeline filter(std::function<bool(const T&)> keep) const {
    Source up = source_;
    return Pipeline([up, keep]() -> Stream {
      return [s = up(), keep]() mutable -> std::optional<T> {
        for (std::optional<T> x; (x = s());)
          if (keep(*x)) return x;
        return std::nullopt;
      };
    });
  }

  // Fills a buffer of buffer_size elements and hands out a random one, replacing it with the
  // next element (tf.data's shuffle). A buffer as large as the data gives a uniform shuffle.
  Pipeline shuffle(size_t buffer_size, std::optional<uint64_t> seed = std::nullopt) const {
    EMBER_CHECK(buffer_size > 0, "Pipeline::shuffle: buffer_size must be positive");
    Source up = source_;
    auto gen = seed ? std::make_shared<Generator>(*seed) : std::shared_ptr<Generator>();
    return Pipeline([up, buffer_size, gen]() -> Stream {
      auto pass = std::make_shared<Generator>(detail::pass_seed(gen));
      return [s = up(), buffer_size, pass, buf = std::vector<T>()]() mutable -> std::optional<T> {
        while (buf.size() < buffer_size) {
          std::optional<T> x = s();
          if (!x) break;
          buf.push_back(std::move(*x));
        }
        if (buf.empty()) return std::nullopt;
        const auto k = static_cast<size_t>(random_int(*pass, static_cast<int64_t>(buf.size())));
        std::swap(buf[k], buf.back());
        T out = std::move(buf.back());
        buf.pop_back();
        return out;
      };
    });
  }

  // Groups n consecutive elements: Tensors and Examples are stacked, other types give vectors.
  auto batch(int64_t n, bool drop_remainder = false) const {
    return batch(n, [](std::vector<T> items) { return detail::collate_batch(std::move(items)); }, drop_remainder);
  }
  // ... or made into a batch by `collate` (e.g. PadCollate for sequences).
  template <class C>
  auto batch(int64_t n, C collate, bool drop_remainder = false) const {
    using B = std::invoke_result_t<C&, std::vector<T>>;
    EMBER_CHECK(n > 0, "Pipeline::batch: batch size must be positive, got ", n);
    Source up = source_;
    return Pipeline<B>([up, n, collate, drop_remainder]() -> typename Pipeline<B>::Stream {
      return [s = up(), n, collate, drop_remainder]() mutable -> std::optional<B> {
        std::vector<T> items;
        for (std::optional<T> x; static_cast<int64_t>(items.size()) < n && (x = s());) items.push_back(std::move(*x));
        if (items.empty() || (drop_remainder && static_cast<int64_t>(items.size()) < n)) return std::nullopt;
        return collate(std::move(items));
      };
    });
  }

  // Produces up to `buffer` elements ahead in a background thread.
  Pipeline prefetch(size_t buffer = 1) const {
    EMBER_CHECK(buffer > 0, "Pipeline::prefetch: buffer must be positive");
    Source up = source_;
    return Pipeline([up, buffer]() -> Stream {
      auto pull = detail::prefetch_stream(
          [s = up()]() mutable -> std::shared_ptr<void> {
            std::optional<T> x = s();
            return x ? std::make_shared<T>(std::move(*x)) : nullptr;
          },
          buffer);
      return [pull]() -> std::optional<T> {
        std::shared_ptr<void> p = pull();
        if (!p) return std::nullopt;
        return std::move(*std::static_pointer_cast<T>(p));
      };
    });
  }

  // count passes over the data (-1: forever). An empty pass ends the stream.
  Pipeline repeat(int64_t count = -1) const {
    Source up = source_;
    return Pipeline([up, count]() -> Stream {
      return [up, count, done = int64_t{0}, s = Stream(), fresh = true]() mutable -> std::optional<T> {
        while (count < 0 || done < count) {
          if (!s) {
            s = up();
            fresh = true;
          }
          if (std::optional<T> x = s()) {
            fresh = false;
            return x;
          }
          s = nullptr;
          ++done;
          if (fresh) return std::nullopt;  // the pass was empty
        }
        return std::nullopt;
      };
    });
  }

  // The first n elements.
  Pipeline take(int64_t n) const {
    Source up = source_;
    return Pipeline([up, n]() -> Stream {
      return [s = up(), n, i = int64_t{0}]() mutable -> std::optional<T> {
        if (i >= n) return std::nullopt;
        ++i;
        return s();
      };
    });
  }

  // ---- iteration ----
  // A fresh pass as a function (tf's initializable iterator: call make_iterator() again to restart).
  Stream make_iterator() const { return source_(); }

  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Stream s) : stream_(std::make_shared<Stream>(std::move(s))) { ++*this; }
    T& operator*() const { return **current_; }
    T* operator->() const { return &*current_; }
    iterator& operator++() {
      current_ = std::make_shared<std::optional<T>>((*stream_)());
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return !current_ || !current_->has_value(); }

   private:
    std::shared_ptr<Stream> stream_;
    std::shared_ptr<std::optional<T>> current_;
  };
  iterator begin() const { return iterator(source_()); }
  std::default_sentinel_t end() const { return {}; }

 private:
  Source source_;
};

// The lines of a text file, without line ends (tf.data.TextLineDataset); gzip files too.
Pipeline<std::string> text_lines(const std::string& path);

// Pairs of elements, until either stream ends (tf.data.Dataset.zip).
template <class A, class B>
Pipeline<std::pair<A, B>> zip(const Pipeline<A>& a, const Pipeline<B>& b) {
  return Pipeline<std::pair<A, B>>([a, b]() -> typename Pipeline<std::pair<A, B>>::Stream {
    return [sa = a.make_iterator(), sb = b.make_iterator()]() mutable -> std::optional<std::pair<A, B>> {
      std::optional<A> x = sa();
      if (!x) return std::nullopt;
      std::optional<B> y = sb();
      if (!y) return std::nullopt;
      return std::make_pair(std::move(*x), std::move(*y));
    };
  });
}

}  // namespace ember::data

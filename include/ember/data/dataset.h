#pragma once
// Datasets, as torch.utils.data has them: a map-style Dataset (size and get(i)), an
// IterableDataset (a stream), TensorDataset, Subset, ConcatDataset and random_split.
// A sample is an Example (data and target tensors) unless a dataset names its own type.
// get() is const and may be called from several DataLoader workers at once.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "ember/core/rng.h"
#include "ember/tensor/tensor.h"

namespace ember::data {

// One sample (or, after collation, one batch): the input and its label.
struct Example {
  Tensor data;
  Tensor target;
};

template <class T = Example>
class Dataset {
 public:
  using value_type = T;
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual T get(int64_t index) const = 0;
  // Optional fast path for the DataLoader's default collate: write the samples at `indices`
  // stacked into `batch`, whose tensors are preallocated (len(indices), sample shape...) with
  // the samples' dtypes, so no per-sample tensor is made. Return false to say "not supported";
  // the loader then calls get() per sample.
  virtual bool get_batch(const std::vector<int64_t>& indices, T& batch) const { return false; }
};

// A stream of samples (torch.utils.data.IterableDataset). stream() starts a fresh pass: each
// call of the function it returns gives the next sample, or nullopt at the end.
template <class T = Example>
class IterableDataset {
 public:
  using value_type = T;
  virtual ~IterableDataset() = default;
  virtual std::function<std::optional<T>()> stream() const = 0;
};

// Rows of `data` and `target` (same size on dim 0): sample i is {data[i], target[i]}.
// `target` may be undefined (then samples have no target). Batches gather rows straight
// into the loader's buffers.
class TensorDataset : public Dataset<Example> {
 public:
  TensorDataset(Tensor data, Tensor target = Tensor());
  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;
  bool get_batch(const std::vector<int64_t>& indices, Example& batch) const override;
  const Tensor& data() const { return data_; }
  const Tensor& target() const { return target_; }

 private:
  Tensor data_, target_;
  int64_t size_ = 0;
};

// The samples of `dataset` at `indices`, in that order.
template <class T = Example>
class Subset : public Dataset<T> {
 public:
  Subset(std::shared_ptr<const Dataset<T>> dataset, std::vector<int64_t> indices)
      : dataset_(std::move(dataset)), indices_(std::move(indices)) {
    EMBER_CHECK(dataset_, "Subset: null dataset");
    const int64_t n = dataset_->size();
    for (size_t i = 0; i < indices_.size(); ++i)
      EMBER_CHECK(indices_[i] >= 0 && indices_[i] < n, "Subset: index ", indices_[i], " (position ", i,
                  ") is out of range for a dataset of size ", n);
  }
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  T get(int64_t index) const override { return dataset_->get(indices_.at(checked(index))); }
  bool get_batch(const std::vector<int64_t>& indices, T& batch) const override {
    std::vector<int64_t> mapped(indices.size());
    for (size_t i = 0; i < indices.size(); ++i) mapped[i] = indices_[checked(indices[i])];
    return dataset_->get_batch(mapped, batch);
  }
  const std::vector<int64_t>& indices() const { return indices_; }
  const std::shared_ptr<const Dataset<T>>& dataset() const { return dataset_; }

 private:
  size_t checked(int64_t i) const {
    EMBER_CHECK(i >= 0 && i < size(), "Subset: index ", i, " is out of range for size ", size());
    return static_cast<size_t>(i);
  }
  std::shared_ptr<const Dataset<T>> dataset_;
  std::vector<int64_t> indices_;
};

// The datasets one after another.
template <class T = Example>
class ConcatDataset : public Dataset<T> {
 public:
  explicit ConcatDataset(std::vector<std::shared_ptr<const Dataset<T>>> datasets) : datasets_(std::move(datasets)) {
    int64_t total = 0;
    for (size_t i = 0; i < datasets_.size(); ++i) {
      EMBER_CHECK(datasets_[i], "ConcatDataset: dataset ", i, " is null");
      total += datasets_[i]->size();
      ends_.push_back(total);
    }
  }
  int64_t size() const override { return ends_.empty() ? 0 : ends_.back(); }
  T get(int64_t index) const override {
    EMBER_CHECK(index >= 0 && index < size(), "ConcatDataset: index ", index, " is out of range for size ", size());
    size_t d = static_cast<size_t>(std::upper_bound(ends_.begin(), ends_.end(), index) - ends_.begin());
    return datasets_[d]->get(index - (d == 0 ? 0 : ends_[d - 1]));
  }
  const std::vector<int64_t>& cumulative_sizes() const { return ends_; }

 private:
  std::vector<std::shared_ptr<const Dataset<T>>> datasets_;
  std::vector<int64_t> ends_;
};

// A permutation of 0..n-1 drawn from `gen` (Fisher-Yates on Philox words).
std::vector<int64_t> random_permutation(int64_t n, Generator& gen);
// Split sizes for random_split: `lengths` are counts summing to n, or fractions summing to 1
// (floored, the remainder handed out one by one from the first split, as PyTorch does).
std::vector<int64_t> split_lengths(int64_t n, const std::vector<double>& lengths);

// torch.utils.data.random_split: disjoint random Subsets of the given lengths (or fractions).
// `dataset` is a shared_ptr to any Dataset<T> subclass.
template <class D>
auto random_split(std::shared_ptr<D> dataset, const std::vector<double>& lengths, Generator& gen) {
  using T = typename D::value_type;
  EMBER_CHECK(dataset, "random_split: null dataset");
  std::vector<int64_t> sizes = split_lengths(dataset->size(), lengths);
  std::vector<int64_t> perm = random_permutation(dataset->size(), gen);
  std::vector<std::shared_ptr<Subset<T>>> out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(std::make_shared<Subset<T>>(std::shared_ptr<const Dataset<T>>(dataset),
                                              std::vector<int64_t>(perm.begin() + at, perm.begin() + at + s)));
    at += s;
  }
  return out;
}
template <class D>
auto random_split(std::shared_ptr<D> dataset, const std::vector<double>& lengths, uint64_t seed) {
  Generator gen(seed);
  return random_split(std::move(dataset), lengths, gen);
}

extern template class Subset<Example>;
extern template class ConcatDataset<Example>;

}  // namespace ember::data

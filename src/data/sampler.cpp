// Samplers (include/ember/data/sampler.h).
#include "ember/data/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ember/core/error.h"
#include "ember/data/dataset.h"
#include "ember/data/worker.h"

namespace ember::data {

SequentialSampler::SequentialSampler(int64_t n) : n_(n) {
  EMBER_CHECK(n >= 0, "SequentialSampler: size must be non-negative, got ", n);
}

std::vector<int64_t> SequentialSampler::indices(Generator&) {
  std::vector<int64_t> out(static_cast<size_t>(n_));
  std::iota(out.begin(), out.end(), int64_t{0});
  return out;
}

RandomSampler::RandomSampler(int64_t n, bool replacement, std::optional<int64_t> num_samples)
    : n_(n), num_samples_(num_samples.value_or(n)), replacement_(replacement) {
  EMBER_CHECK(n >= 0, "RandomSampler: size must be non-negative, got ", n);
  EMBER_CHECK(num_samples_ >= 0, "RandomSampler: num_samples must be non-negative, got ", num_samples_);
  EMBER_CHECK(replacement || !num_samples || *num_samples <= n, "RandomSampler: num_samples (", num_samples_,
              ") exceeds the dataset size (", n, ") without replacement");
  EMBER_CHECK(num_samples_ == 0 || n > 0, "RandomSampler: cannot draw ", num_samples_, " samples from an empty dataset");
}

std::vector<int64_t> RandomSampler::indices(Generator& gen) {
  if (replacement_) {
    std::vector<int64_t> out(static_cast<size_t>(num_samples_));
    for (auto& v : out) v = random_int(gen, n_);
    return out;
  }
  std::vector<int64_t> out = random_permutation(n_, gen);
  out.resize(static_cast<size_t>(num_samples_));
  return out;
}

SubsetRandomSampler::SubsetRandomSampler(std::vector<int64_t> indices) : indices_(std::move(indices)) {}

std::vector<int64_t> SubsetRandomSampler::indices(Generator& gen) {
  std::vector<int64_t> perm = random_permutation(size(), gen);
  std::vector<int64_t> out(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = indices_[static_cast<size_t>(perm[i])];
  return out;
}

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, bool replacement)
    : weights_(std::move(weights)), num_samples_(num_samples), replacement_(replacement) {
  EMBER_CHECK(num_samples >= 0, "WeightedRandomSampler: num_samples must be non-negative, got ", num_samples);
  double total = 0;
  int64_t nonzero = 0;
  for (size_t i = 0; i < weights_.size(); ++i) {
    EMBER_CHECK(std::isfinite(weights_[i]) && weights_[i] >= 0, "WeightedRandomSampler: weight ", i, " is ",
                weights_[i], "; weights must be finite and non-negative");
    total += weights_[i];
    nonzero += weights_[i] > 0;
    cumulative_.push_back(total);
  }
  EMBER_CHECK(num_samples == 0 || total > 0, "WeightedRandomSampler: all ", weights_.size(), " weights are zero");
  EMBER_CHECK(replacement || num_samples <= nonzero, "WeightedRandomSampler: cannot draw ", num_samples,
              " samples without replacement from ", nonzero, " non-zero weights");
}

std::vector<int64_t> WeightedRandomSampler::indices(Generator& gen) {
  std::vector<int64_t> out(static_cast<size_t>(num_samples_));
  if (replacement_) {
    const double total = cumulative_.empty() ? 0 : cumulative_.back();
    for (auto& v : out) {
      double u = random_uniform(gen) * total;
      auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
      v = std::min<int64_t>(it - cumulative_.begin(), static_cast<int64_t>(cumulative_.size()) - 1);
      while (weights_[static_cast<size_t>(v)] == 0) --v;  // u landed on the end of a zero run
    }
    return out;
  }
  // Without replacement: Efraimidis-Spirakis keys log(u)/w; the largest keys in descending order
  // are a draw of successive samples, each proportional to the remaining weights.
  std::vector<std::pair<double, int64_t>> keys;
  for (size_t i = 0; i < weights_.size(); ++i) {
    double u = random_uniform(gen);
    if (weights_[i] > 0) keys.emplace_back(std::log1p(-u) / weights_[i], static_cast<int64_t>(i));
  }
  std::partial_sort(keys.begin(), keys.begin() + num_samples_, keys.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  for (int64_t i = 0; i < num_samples_; ++i) out[static_cast<size_t>(i)] = keys[static_cast<size_t>(i)].second;
  return out;
}

BatchSampler::BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  EMBER_CHECK(sampler_, "BatchSampler: null sampler");
  EMBER_CHECK(batch_size > 0, "BatchSampler: batch_size must be positive, got ", batch_size);
}

int64_t BatchSampler::size() const {
  const int64_t n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

std::vector<std::vector<int64_t>> BatchSampler::batches(Generator& gen) {
  std::vector<int64_t> idx = sampler_->indices(gen);
  std::vector<std::vector<int64_t>> out;
  out.reserve(idx.size() / static_cast<size_t>(batch_size_) + 1);
  for (size_t at = 0; at < idx.size(); at += static_cast<size_t>(batch_size_)) {
    size_t end = std::min(idx.size(), at + static_cast<size_t>(batch_size_));
    if (drop_last_ && end - at < static_cast<size_t>(batch_size_)) break;
    out.emplace_back(idx.begin() + static_cast<std::ptrdiff_t>(at), idx.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

}  // namespace ember::data

#pragma once
// Samplers: the order in which a DataLoader visits a map-style dataset (torch.utils.data.Sampler).
// indices(gen) returns one epoch's indices, drawing any randomness from `gen`, so a seeded
// generator gives the same order every run. Write your own by subclassing Sampler.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ember/core/rng.h"

namespace ember::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // One epoch of dataset indices.
  virtual std::vector<int64_t> indices(Generator& gen) = 0;
  // How many indices one epoch gives (len(sampler)).
  virtual int64_t size() const = 0;
};

// 0, 1, ..., n-1.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  std::vector<int64_t> indices(Generator& gen) override;
  int64_t size() const override { return n_; }

 private:
  int64_t n_;
};

// A random permutation of 0..n-1; with replacement, num_samples independent uniform draws.
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(int64_t n, bool replacement = false, std::optional<int64_t> num_samples = std::nullopt);
  std::vector<int64_t> indices(Generator& gen) override;
  int64_t size() const override { return num_samples_; }

 private:
  int64_t n_, num_samples_;
  bool replacement_;
};

// The given indices in a random order (e.g. a validation split's rows).
class SubsetRandomSampler : public Sampler {
 public:
  explicit SubsetRandomSampler(std::vector<int64_t> indices);
  std::vector<int64_t> indices(Generator& gen) override;
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }

 private:
  std::vector<int64_t> indices_;
};

// num_samples indices drawn with probability proportional to `weights` (which need not sum to
// 1); without replacement, each index at most once (weights must have enough non-zeros).
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, bool replacement = true);
  std::vector<int64_t> indices(Generator& gen) override;
  int64_t size() const override { return num_samples_; }

 private:
  std::vector<double> cumulative_;
  std::vector<double> weights_;
  int64_t num_samples_;
  bool replacement_;
};

// Groups a sampler's indices into batches of batch_size (the last one smaller unless drop_last).
class BatchSampler {
 public:
  BatchSampler(std::shared_ptr<Sampler> sampler, int64_t batch_size, bool drop_last = false);
  std::vector<std::vector<int64_t>> batches(Generator& gen);
  int64_t size() const;  // number of batches per epoch
  const std::shared_ptr<Sampler>& sampler() const { return sampler_; }

 private:
  std::shared_ptr<Sampler> sampler_;
  int64_t batch_size_;
  bool drop_last_;
};

}  // namespace ember::data

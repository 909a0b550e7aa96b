#pragma once
// Metrics over a whole split: running sums that are divided once at the end (so a validation
// accuracy is correct/total over every sample, not a mean of per-batch means), and the
// metrics of the built-in tasks (classification accuracy; CS230's masked loss and accuracy for
// tagging; entity-level precision/recall/F1 as conlleval counts them).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor/tensor.h"
#include "ember/train/metrics_file.h"

namespace ember::train {

// Named (sum, count) pairs in the order first added.
class MetricSums {
 public:
  // Adds `sum` to the metric's total and `count` to its count (e.g. a batch's mean loss times
  // its sample count, and the sample count).
  void add(const std::string& name, double sum, double count);
  double sum(const std::string& name) const;    // 0 if never added
  double count(const std::string& name) const;  // 0 if never added
  // sum / count for each metric (NaN for a count of 0).
  Metrics means() const;
  void clear() { entries_.clear(); }
  // "loss=12.5,40;accuracy=31,40" (exact round trip), to carry a partial epoch in a checkpoint.
  std::string to_string() const;
  static MetricSums from_string(const std::string& text);

 private:
  struct Entry {
    std::string name;
    double sum = 0, count = 0;
  };
  std::vector<Entry> entries_;
};

// Number of rows of logits (N,C) whose argmax equals target (N) (int64).
int64_t count_correct(const Tensor& logits, const Tensor& target);

// CS230's NER loss: log_probs (N*T,C), labels (N,T) int64 with -1 at padding ->
// -sum(log_probs[i, labels[i]] over labels >= 0) / (number of labels >= 0). Differentiable.
Tensor masked_nll_loss(const Tensor& log_probs, const Tensor& labels);
// {correct, counted} over the labels >= 0 (the masked accuracy's numerator and denominator).
std::pair<int64_t, int64_t> masked_correct(const Tensor& log_probs, const Tensor& labels);

// An entity: tokens [begin, end) of one type.
struct Entity {
  int64_t begin = 0, end = 0;
  std::string type;
  bool operator==(const Entity& o) const { return begin == o.begin && end == o.end && type == o.type; }
};
// The entities of one sentence tagged in IOB2/IOB1 ("B-PER", "I-PER", "O"), read as conlleval
// does: an entity starts at B-X, or at I-X after O or another type, and continues over I-X.
std::vector<Entity> extract_entities(const std::vector<std::string>& tags);

// True positives (exact span and type), false positives and false negatives of predicted
// entities, summed over sentences.
struct EntityCounts {
  int64_t true_positives = 0, false_positives = 0, false_negatives = 0;
  void add(const std::vector<std::string>& gold_tags, const std::vector<std::string>& predicted_tags);
  double precision() const;  // tp / (tp + fp), 0 when nothing was predicted
  double recall() const;     // tp / (tp + fn), 0 when there is nothing to find
  double f1() const;         // 2 tp / (2 tp + fp + fn), 0 when both are empty
};

}  // namespace ember::train

// Whole-split metric sums, accuracy, CS230's masked NER loss/accuracy and entity-level F1.
#include "ember/train/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/nn/functional/loss.h"
#include "ember/tensor/ops.h"

namespace ember::train {

void MetricSums::add(const std::string& name, double sum, double count) {
  for (Entry& e : entries_)
    if (e.name == name) {
      e.sum += sum;
      e.count += count;
      return;
    }
  entries_.push_back({name, sum, count});
}

double MetricSums::sum(const std::string& name) const {
  for (const Entry& e : entries_)
    if (e.name == name) return e.sum;
  return 0;
}

double MetricSums::count(const std::string& name) const {
  for (const Entry& e : entries_)
    if (e.name == name) return e.count;
  return 0;
}

Metrics MetricSums::means() const {
  Metrics out;
  for (const Entry& e : entries_)
    out.emplace_back(e.name, e.count > 0 ? e.sum / e.count : std::numeric_limits<double>::quiet_NaN());
  return out;
}

std::string MetricSums::to_string() const {
  std::string out;
  char buf[96];
  for (const Entry& e : entries_) {
    std::snprintf(buf, sizeof(buf), "=%.17g,%.17g", e.sum, e.count);
    out += (out.empty() ? "" : ";") + e.name + buf;
  }
  return out;
}

MetricSums MetricSums::from_string(const std::string& text) {
  MetricSums s;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(';', at);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(at, end - at);
    const size_t eq = item.rfind('='), comma = item.rfind(',');
    EMBER_CHECK(eq != std::string::npos && comma != std::string::npos && comma > eq, "MetricSums: bad entry '", item,
                "' in '", text, "'");
    char* stop = nullptr;
    const std::string sum_text = item.substr(eq + 1, comma - eq - 1), count_text = item.substr(comma + 1);
    const double sum = std::strtod(sum_text.c_str(), &stop);
    EMBER_CHECK(stop && *stop == '\0' && !sum_text.empty(), "MetricSums: bad sum in '", item, "'");
    const double count = std::strtod(count_text.c_str(), &stop);
    EMBER_CHECK(stop && *stop == '\0' && !count_text.empty(), "MetricSums: bad count in '", item, "'");
    s.add(item.substr(0, eq), sum, count);
    at = end + 1;
  }
  return s;
}

int64_t count_correct(const Tensor& logits, const Tensor& target) {
  EMBER_CHECK(logits.dim() == 2 && target.dim() == 1 && logits.size(0) == target.size(0),
              "accuracy: expected outputs (N,C) and targets (N), got ", shape_str(logits.sizes()), " and ",
              shape_str(target.sizes()));
  NoGradGuard no_grad;
  return logits.argmax(1).eq(target.to(kInt64)).sum().item<int64_t>();
}

namespace {

void check_tagging(const Tensor& log_probs, const Tensor& labels, const char* op) {
  EMBER_CHECK(log_probs.dim() == 2 && labels.numel() == log_probs.size(0), op,
              ": expected log-probabilities (N*T,C) and labels (N,T) with N*T rows, got ",
              shape_str(log_probs.sizes()), " and ", shape_str(labels.sizes()));
  EMBER_CHECK(labels.dtype() == kInt64, op, ": labels must be int64, got ", dtype_name(labels.dtype()));
}

}  // namespace

Tensor masked_nll_loss(const Tensor& log_probs, const Tensor& labels) {
  check_tagging(log_probs, labels, "masked_nll_loss");
  Tensor flat = labels.reshape({-1});  // (N*T), padding is -1
  EMBER_CHECK(ge(flat, 0).any().item<bool>(), "masked_nll_loss: every label is padding (< 0)");
  // = PyTorch's nll_loss(log_probs, labels.view(-1), ignore_index=-1)
  return nn::functional::nll_loss(log_probs, flat, {.ignore_index = -1});
}

std::pair<int64_t, int64_t> masked_correct(const Tensor& log_probs, const Tensor& labels) {
  check_tagging(log_probs, labels, "masked_accuracy");
  NoGradGuard no_grad;
  Tensor flat = labels.reshape({-1});
  Tensor mask = ge(flat, 0);
  Tensor hit = logical_and(eq(log_probs.argmax(1), flat), mask);
  return {hit.sum().item<int64_t>(), mask.sum().item<int64_t>()};
}

std::vector<Entity> extract_entities(const std::vector<std::string>& tags) {
  std::vector<Entity> out;
  Entity cur;
  bool open = false;
  auto close = [&](int64_t end) {
    if (open) {
      cur.end = end;
      out.push_back(cur);
      open = false;
    }
  };
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string& t = tags[i];
    const int64_t pos = static_cast<int64_t>(i);
    const bool inside = t.size() > 2 && t[1] == '-' && (t[0] == 'I' || t[0] == 'B' || t[0] == 'E' || t[0] == 'S');
    if (!inside) {  // "O" or anything without a prefix
      close(pos);
      continue;
    }
    const std::string type = t.substr(2);
    if (t[0] == 'B' || t[0] == 'S' || !open || cur.type != type) {
      close(pos);
      cur = {pos, pos + 1, type};
      open = true;
    }
    if (t[0] == 'E' || t[0] == 'S') close(pos + 1);
  }
  close(static_cast<int64_t>(tags.size()));
  return out;
}

void EntityCounts::add(const std::vector<std::string>& gold_tags, const std::vector<std::string>& predicted_tags) {
  EMBER_CHECK(gold_tags.size() == predicted_tags.size(), "entity F1: ", gold_tags.size(), " gold tags but ",
              predicted_tags.size(), " predicted tags");
  std::vector<Entity> gold = extract_entities(gold_tags), pred = extract_entities(predicted_tags);
  int64_t tp = 0;
  for (const Entity& p : pred)
    for (const Entity& g : gold)
      if (p == g) {
        ++tp;
        break;
      }
  true_positives += tp;
  false_positives += static_cast<int64_t>(pred.size()) - tp;
  false_negatives += static_cast<int64_t>(gold.size()) - tp;
}

double EntityCounts::precision() const {
  const int64_t d = true_positives + false_positives;
  return d > 0 ? static_cast<double>(true_positives) / static_cast<double>(d) : 0.0;
}

double EntityCounts::recall() const {
  const int64_t d = true_positives + false_negatives;
  return d > 0 ? static_cast<double>(true_positives) / static_cast<double>(d) : 0.0;
}

double EntityCounts::f1() const {
  const int64_t d = 2 * true_positives + false_positives + false_negatives;
  return d > 0 ? 2.0 * static_cast<double>(true_positives) / static_cast<double>(d) : 0.0;
}

}  // namespace ember::train

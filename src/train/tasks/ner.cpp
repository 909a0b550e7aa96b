// The ner task: the CS230 NER layout, masked NLL, masked accuracy, entity-level precision/recall/F1.
#include <sstream>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/data/datasets/ner.h"
#include "ember/nn/module.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "train/tasks/builtin_tasks.h"
#include "train/tasks/task_util.h"

namespace ember::train::detail {

namespace {

class NerTask : public Task {
 public:
  void load(const std::string& data_dir, Params& params) override {
    check_data_dir(data_dir);
    data_dir_ = data_dir;
    vocab_ = std::make_shared<data::NERVocab>(data::NERVocab::load(data_dir));
    // CS230's params.update(dataset_params.json): the sizes the model needs come from the data.
    fill(params, "vocab_size", vocab_->vocab_size(), "words.txt");
    fill(params, "number_of_tags", vocab_->number_of_tags(), "tags.txt");
  }

  std::shared_ptr<const ExampleDataset> dataset(Split split, const Params& params) override {
    EMBER_CHECK(vocab_, "ner: load() first");
    auto ds = std::make_shared<data::NERDataset>(data_dir_, split_name(split), vocab_);
    const char* key = split == Split::Train ? "max_train_samples" : split == Split::Val ? "max_val_samples" : "max_test_samples";
    return first_samples(ds, params.get_int(key));
  }
  Collate collate() const override { return data::PadCollate{vocab_->pad_id(), -1}; }

  Tensor loss(const Tensor& output, const Tensor& target) const override { return masked_nll_loss(output, target); }

  void accumulate(MetricSums& sums, const Tensor& output, const Tensor& target, double loss) const override {
    auto [correct, tokens] = masked_correct(output, target);
    sums.add("loss", loss * static_cast<double>(tokens), static_cast<double>(tokens));
    sums.add("accuracy", static_cast<double>(correct), static_cast<double>(tokens));
    // Entities per sentence: tags where the label is not padding.
    const int64_t n = target.size(0), t = target.size(1);
    Tensor pred = output.argmax(1).reshape({n, t}).contiguous();
    Tensor gold = target.contiguous();
    const int64_t* p = pred.data_ptr<int64_t>();
    const int64_t* g = gold.data_ptr<int64_t>();
    EntityCounts counts;
    for (int64_t i = 0; i < n; ++i) {
      std::vector<std::string> gold_tags, pred_tags;
      for (int64_t j = 0; j < t && g[i * t + j] >= 0; ++j) {
        gold_tags.push_back(tag(g[i * t + j]));
        pred_tags.push_back(tag(p[i * t + j]));
      }
      counts.add(gold_tags, pred_tags);
    }
    sums.add("entity_tp", static_cast<double>(counts.true_positives), 1);
    sums.add("entity_fp", static_cast<double>(counts.false_positives), 1);
    sums.add("entity_fn", static_cast<double>(counts.false_negatives), 1);
  }

  Metrics finalize(const MetricSums& sums) const override {
    Metrics m;
    for (const auto& [k, v] : sums.means())
      if (k == "loss" || k == "accuracy") m.emplace_back(k, v);
    EntityCounts c;
    c.true_positives = static_cast<int64_t>(sums.sum("entity_tp"));
    c.false_positives = static_cast<int64_t>(sums.sum("entity_fp"));
    c.false_negatives = static_cast<int64_t>(sums.sum("entity_fn"));
    m.emplace_back("f1", c.f1());
    m.emplace_back("precision", c.precision());
    m.emplace_back("recall", c.recall());
    return m;
  }
  std::string default_metric() const override { return "f1"; }
  std::vector<std::string> metric_names() const override { return {"loss", "accuracy", "f1", "precision", "recall"}; }

  bool predict_needs_data() const override { return true; }
  std::vector<std::string> predict(nn::Module& model, const std::vector<std::string>& inputs, int,
                                   const std::string&) const override {
    EMBER_CHECK(vocab_, "ner: predict needs the vocabulary (--data_dir)");
    std::vector<std::string> lines;
    NoGradGuard no_grad;
    for (const std::string& sentence : inputs) {
      std::istringstream words(sentence);
      std::vector<std::string> tokens;
      std::vector<int64_t> ids;
      for (std::string w; words >> w;) {
        tokens.push_back(w);
        ids.push_back(vocab_->word_id(w));
      }
      if (tokens.empty()) {
        lines.push_back("");
        continue;
      }
      const int64_t len = static_cast<int64_t>(ids.size());
      Tensor tags = model.forward(tensor(ids, {1, len})).argmax(1).contiguous();  // (T)
      const int64_t* t = tags.data_ptr<int64_t>();
      std::string line;
      for (int64_t i = 0; i < len; ++i) line += (i ? " " : "") + tokens[static_cast<size_t>(i)] + "/" + tag(t[i]);
      lines.push_back(line);
    }
    return lines;
  }

 private:
  const std::string& tag(int64_t id) const { return vocab_->tags().at(static_cast<size_t>(id)); }

  static void fill(Params& params, const char* key, int64_t from_data, const char* file) {
    if (!params.contains(key)) return;
    if (params.get_int(key) == 0) {
      params.set(key, ParamValue(static_cast<long long>(from_data)));
      return;
    }
    EMBER_CHECK(params.get_int(key) == from_data, params.source(), ": key '", key, "' is ", params.get_int(key),
                " but the data's ", file, " gives ", from_data, " (leave it 0 to take it from the data)");
  }

  std::string data_dir_;
  std::shared_ptr<const data::NERVocab> vocab_;
};

}  // namespace

std::unique_ptr<Task> make_ner_task() { return std::make_unique<NerTask>(); }

}  // namespace ember::train::detail

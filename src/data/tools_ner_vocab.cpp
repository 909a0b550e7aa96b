// The NER vocabulary builder, CS230's build_vocab.py (include/ember/data/tools.h).
#include <filesystem>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "data/file_util.h"
#include "ember/core/error.h"
#include "ember/data/tools.h"

namespace ember::data {

namespace fs = std::filesystem;

namespace {

// Tokens in first-seen order with their counts.
struct Counter {
  std::vector<std::string> order;
  std::unordered_map<std::string, int64_t> count;
  void add(const std::string& t) {
    if (count[t]++ == 0) order.push_back(t);
  }
  std::vector<std::string> at_least(int64_t min_count) const {
    std::vector<std::string> out;
    for (const auto& t : order)
      if (count.at(t) >= min_count) out.push_back(t);
    return out;
  }
};

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace

NERVocabReport build_ner_vocab(const std::string& data_dir, const NERVocabOptions& o) {
  const std::string kPadWord = "<pad>", kPadTag = "O", kUnkWord = "UNK";
  EMBER_CHECK(o.min_count_word >= 1 && o.min_count_tag >= 1, "build_ner_vocab: min counts must be at least 1");
  Counter words, tags;
  std::map<std::string, int64_t> sizes;
  for (const std::string split : {"train", "val", "test"}) {
    const fs::path dir = fs::path(data_dir) / split;
    const std::string spath = (dir / "sentences.txt").string(), lpath = (dir / "labels.txt").string();
    auto sents = detail::read_lines(spath, "build_ner_vocab");
    auto labs = detail::read_lines(lpath, "build_ner_vocab");
    EMBER_CHECK(sents.size() == labs.size(), "build_ner_vocab: ", spath, " has ", sents.size(), " lines but ", lpath,
                " has ", labs.size());
    const bool count_words = std::find(o.vocab_splits.begin(), o.vocab_splits.end(), split) != o.vocab_splits.end();
    for (size_t i = 0; i < sents.size(); ++i) {
      auto w = detail::split_tokens(sents[i]);
      auto t = detail::split_tokens(labs[i]);
      EMBER_CHECK(!w.empty(), "build_ner_vocab: ", spath, " line ", i + 1, " is empty");
      EMBER_CHECK(w.size() == t.size(), "build_ner_vocab: ", lpath, " line ", i + 1, " has ", t.size(), " tags but ",
                  spath, " line ", i + 1, " has ", w.size(), " tokens");
      if (count_words)
        for (const auto& x : w) words.add(x);
      for (const auto& x : t) tags.add(x);
    }
    sizes[split] = static_cast<int64_t>(sents.size());
  }
  std::vector<std::string> vocab = words.at_least(o.min_count_word), tagset = tags.at_least(o.min_count_tag);
  if (std::find(vocab.begin(), vocab.end(), kPadWord) == vocab.end()) vocab.push_back(kPadWord);
  if (std::find(tagset.begin(), tagset.end(), kPadTag) == tagset.end()) tagset.push_back(kPadTag);
  if (std::find(vocab.begin(), vocab.end(), kUnkWord) == vocab.end()) vocab.push_back(kUnkWord);

  const fs::path dir = data_dir;
  detail::write_file_atomically((dir / "words.txt").string(), join_lines(vocab), "build_ner_vocab");
  detail::write_file_atomically((dir / "tags.txt").string(), join_lines(tagset), "build_ner_vocab");
  NERVocabReport r{sizes["train"], sizes["val"], sizes["test"], static_cast<int64_t>(vocab.size()),
                   static_cast<int64_t>(tagset.size())};
  nlohmann::ordered_json params;
  params["train_size"] = r.train_size;
  params["dev_size"] = r.dev_size;
  params["test_size"] = r.test_size;
  params["vocab_size"] = r.vocab_size;
  params["number_of_tags"] = r.number_of_tags;
  params["pad_word"] = kPadWord;
  params["pad_tag"] = kPadTag;
  params["unk_word"] = kUnkWord;
  detail::write_file_atomically((dir / "dataset_params.json").string(), params.dump(4) + "\n", "build_ner_vocab");
  return r;
}

}  // namespace ember::data

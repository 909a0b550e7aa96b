// The CS230 NER layout (include/ember/data/datasets/ner.h).
#include "ember/data/datasets/ner.h"

#include <filesystem>
#include <fstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "data/file_util.h"
#include "io/json_checks.h"
#include "ember/tensor/factory.h"

namespace ember::data {

namespace fs = std::filesystem;

struct NERVocab::Impl {
  std::vector<std::string> words, tags;
  std::unordered_map<std::string, int64_t> word_ids, tag_ids;
  std::string pad_word, unk_word, pad_tag;
  int64_t pad_id = -1, unk_id = -1;
};

NERVocab::NERVocab(std::vector<std::string> words, std::vector<std::string> tags, std::string pad_word,
                   std::string unk_word, std::string pad_tag) {
  auto impl = std::make_shared<Impl>();
  impl->words = std::move(words);
  impl->tags = std::move(tags);
  for (size_t i = 0; i < impl->words.size(); ++i)
    EMBER_CHECK(impl->word_ids.emplace(impl->words[i], static_cast<int64_t>(i)).second, "NERVocab: word '",
                impl->words[i], "' appears twice (entries ", impl->word_ids[impl->words[i]], " and ", i, ")");
  for (size_t i = 0; i < impl->tags.size(); ++i)
    EMBER_CHECK(impl->tag_ids.emplace(impl->tags[i], static_cast<int64_t>(i)).second, "NERVocab: tag '", impl->tags[i],
                "' appears twice");
  auto need = [&](const std::unordered_map<std::string, int64_t>& m, const std::string& key, const char* what) {
    auto it = m.find(key);
    EMBER_CHECK(it != m.end(), "NERVocab: the ", what, " '", key, "' is not in the vocabulary");
    return it->second;
  };
  impl->pad_id = need(impl->word_ids, pad_word, "pad word");
  impl->unk_id = need(impl->word_ids, unk_word, "unknown-word token");
  need(impl->tag_ids, pad_tag, "pad tag");
  impl->pad_word = std::move(pad_word);
  impl->unk_word = std::move(unk_word);
  impl->pad_tag = std::move(pad_tag);
  impl_ = std::move(impl);
}

NERVocab NERVocab::load(const std::string& data_dir) {
  const fs::path dir = data_dir;
  const std::string params_path = (dir / "dataset_params.json").string();
  std::ifstream f(params_path);
  EMBER_CHECK(f, "NERVocab: cannot open ", params_path, " (build it with `ember data ner-vocab`)");
  nlohmann::json params;
  try {
    params = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    EMBER_THROW("NERVocab: ", params_path, ": malformed JSON: ", e.what());
  }
  EMBER_CHECK(params.is_object(), "NERVocab: ", params_path, ": expected a JSON object, found ",
              ember::detail::json_excerpt(params));
  auto text = [&](const char* key, const char* fallback) -> std::string {
    if (!params.contains(key)) return fallback;
    EMBER_CHECK(params[key].is_string(), "NERVocab: ", params_path, ": key '", key, "' must be a string");
    return params[key].get<std::string>();
  };
  auto entries = [&](const char* name) {
    std::vector<std::string> out;
    const std::string path = (dir / name).string();
    auto lines = detail::read_lines(path, "NERVocab");
    for (size_t i = 0; i < lines.size(); ++i) {
      EMBER_CHECK(!lines[i].empty(), "NERVocab: ", path, " line ", i + 1, " is empty");
      out.push_back(lines[i]);
    }
    return out;
  };
  NERVocab v(entries("words.txt"), entries("tags.txt"), text("pad_word", "<pad>"), text("unk_word", "UNK"),
             text("pad_tag", "O"));
  auto check_size = [&](const char* key, int64_t actual, const char* file) {
    if (params.contains(key))
      EMBER_CHECK(params[key].is_number_integer() && params[key].get<int64_t>() == actual, "NERVocab: ", params_path,
                  ": ", key, " is ", ember::detail::json_excerpt(params[key]), " but ", file, " has ", actual, " entries");
  };
  check_size("vocab_size", v.vocab_size(), "words.txt");
  check_size("number_of_tags", v.number_of_tags(), "tags.txt");
  return v;
}

int64_t NERVocab::word_id(const std::string& word) const {
  auto it = impl_->word_ids.find(word);
  return it == impl_->word_ids.end() ? impl_->unk_id : it->second;
}
std::optional<int64_t> NERVocab::tag_id(const std::string& tag) const {
  auto it = impl_->tag_ids.find(tag);
  if (it == impl_->tag_ids.end()) return std::nullopt;
  return it->second;
}
const std::vector<std::string>& NERVocab::words() const { return impl_->words; }
const std::vector<std::string>& NERVocab::tags() const { return impl_->tags; }
int64_t NERVocab::pad_id() const { return impl_->pad_id; }
int64_t NERVocab::unk_id() const { return impl_->unk_id; }
const std::string& NERVocab::pad_word() const { return impl_->pad_word; }
const std::string& NERVocab::unk_word() const { return impl_->unk_word; }
const std::string& NERVocab::pad_tag() const { return impl_->pad_tag; }

NERDataset::NERDataset(const std::string& data_dir, const std::string& split, std::shared_ptr<const NERVocab> vocab)
    : vocab_(vocab ? std::move(vocab) : std::make_shared<NERVocab>(NERVocab::load(data_dir))) {
  const fs::path dir = fs::path(data_dir) / split;
  const std::string spath = (dir / "sentences.txt").string(), lpath = (dir / "labels.txt").string();
  auto sents = detail::read_lines(spath, "NERDataset");
  auto labs = detail::read_lines(lpath, "NERDataset");
  EMBER_CHECK(sents.size() == labs.size(), "NERDataset: ", spath, " has ", sents.size(), " lines but ", lpath, " has ",
              labs.size());
  for (size_t i = 0; i < sents.size(); ++i) {
    auto words = detail::split_tokens(sents[i]);
    auto tags = detail::split_tokens(labs[i]);
    EMBER_CHECK(!words.empty(), "NERDataset: ", spath, " line ", i + 1, " is empty");
    EMBER_CHECK(words.size() == tags.size(), "NERDataset: ", lpath, " line ", i + 1, " has ", tags.size(),
                " tags but ", spath, " line ", i + 1, " has ", words.size(), " tokens");
    std::vector<int64_t> w, t;
    for (size_t k = 0; k < words.size(); ++k) {
      w.push_back(vocab_->word_id(words[k]));
      auto id = vocab_->tag_id(tags[k]);
      EMBER_CHECK(id, "NERDataset: ", lpath, " line ", i + 1, " token ", k + 1, ": unknown tag '", tags[k],
                  "' (not in tags.txt)");
      t.push_back(*id);
    }
    sentences_.push_back(std::move(w));
    labels_.push_back(std::move(t));
  }
}

Example NERDataset::get(int64_t index) const {
  EMBER_CHECK(index >= 0 && index < size(), "NERDataset: index ", index, " is out of range for size ", size());
  return {tensor(sentences_[static_cast<size_t>(index)]), tensor(labels_[static_cast<size_t>(index)])};
}

}  // namespace ember::data

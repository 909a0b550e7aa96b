#pragma once
// Sequence labelling in the CS230 NER layout:
//   data_dir/{train,val,test}/sentences.txt   one sentence per line, tokens separated by spaces
//   data_dir/{train,val,test}/labels.txt      one tag per token, line for line
//   data_dir/words.txt, tags.txt              the vocabularies, one entry per line (id = line number)
//   data_dir/dataset_params.json              sizes and the special tokens (pad_word, unk_word, pad_tag)
// build_ner_vocab (ember/data/tools.h) writes the last three from the splits. Samples are int64
// word ids (L) and tag ids (L); batch them with NERDataset::collate() (words padded with the
// <pad> id, tags with -1 so that the loss can mask them).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ember/data/collate.h"
#include "ember/data/dataset.h"

namespace ember::data {

class NERVocab {
 public:
  NERVocab(std::vector<std::string> words, std::vector<std::string> tags, std::string pad_word = "<pad>",
           std::string unk_word = "UNK", std::string pad_tag = "O");
  // Reads words.txt, tags.txt and dataset_params.json from data_dir.
  static NERVocab load(const std::string& data_dir);

  int64_t word_id(const std::string& word) const;  // the UNK id for unknown words
  std::optional<int64_t> tag_id(const std::string& tag) const;
  const std::vector<std::string>& words() const;
  const std::vector<std::string>& tags() const;
  int64_t vocab_size() const { return static_cast<int64_t>(words().size()); }
  int64_t number_of_tags() const { return static_cast<int64_t>(tags().size()); }
  int64_t pad_id() const;
  int64_t unk_id() const;
  const std::string& pad_word() const;
  const std::string& unk_word() const;
  const std::string& pad_tag() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

class NERDataset : public Dataset<Example> {
 public:
  // split: "train", "val" or "test". Without a vocabulary, NERVocab::load(data_dir).
  NERDataset(const std::string& data_dir, const std::string& split, std::shared_ptr<const NERVocab> vocab = nullptr);
  int64_t size() const override { return static_cast<int64_t>(sentences_.size()); }
  Example get(int64_t index) const override;
  const NERVocab& vocab() const { return *vocab_; }
  const std::shared_ptr<const NERVocab>& vocab_ptr() const { return vocab_; }
  PadCollate collate() const { return PadCollate{vocab_->pad_id(), -1}; }
  // Word ids and tag ids per sentence.
  const std::vector<std::vector<int64_t>>& sentences() const { return sentences_; }
  const std::vector<std::vector<int64_t>>& labels() const { return labels_; }

 private:
  std::shared_ptr<const NERVocab> vocab_;
  std::vector<std::vector<int64_t>> sentences_, labels_;
};

}  // namespace ember::data

#pragma once
// Dataset tools (what `ember data ...` runs): real data to train on, made from Debian packages
// only, no network.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ember::data {

// ---- Fashion-MNIST as a CS230 SIGNS-style JPEG folder -------------------------------------
// Like CS230's build_dataset.py: the training file is split (seeded shuffle) into train_signs/
// and val_signs/ (val_fraction of it), the test file becomes test_signs/; every image is
// resized bilinearly to image_size x image_size, written as RGB JPEG named
// {label}_IMG_{index in its IDX file}.jpg.
struct SignsExportOptions {
  int64_t image_size = 64;
  double val_fraction = 0.2;
  uint64_t seed = 230;
  int quality = 95;
  int64_t limit = -1;     // if >= 0, only the first `limit` images of each IDX file (small subsets for tests)
  int num_threads = 2;    // JPEG encoding threads
  bool overwrite = false;  // replace existing *_signs folders (otherwise they are an error)
};
struct SignsExportReport {
  int64_t train = 0, val = 0, test = 0;
  std::string out_dir;
};
SignsExportReport fashion_mnist_to_signs(const std::string& mnist_dir, const std::string& out_dir,
                                         const SignsExportOptions& options = {});

// ---- a NER corpus in the CS230 layout -----------------------------------------------------
// Sentences from ~40 templates whose slots are filled with entities (BIO tags, Kaggle NER's
// classes): per (first + last names), org (a name + "Inc.", "Bank", ...), geo (city names from
// tzdata's /usr/share/zoneinfo), gpe (country names from iso-codes), tim (months, weekdays,
// years), and lowercase filler words. Names and stems come from /usr/share/dict/words
// (wamerican): capitalised words, split by a seeded shuffle into disjoint lists per class.
// A missing zoneinfo or iso-codes falls back to words-file names for that class.
// Writes out_dir/{train,val,test}/{sentences.txt,labels.txt}, then build_ner_vocab(out_dir).
struct NERCorpusOptions {
  int64_t train = 10000, val = 1000, test = 1000;  // sentences per split
  uint64_t seed = 230;
  int64_t names_per_class = 2000;  // size of each entity list drawn from the word lists
  std::string words_file = "/usr/share/dict/words";
  std::string zoneinfo_dir = "/usr/share/zoneinfo";
  std::string countries_file = "/usr/share/iso-codes/json/iso_3166-1.json";
  bool overwrite = false;
};
struct NERCorpusReport {
  int64_t train = 0, val = 0, test = 0;
  std::map<std::string, int64_t> entities;  // class -> number of entity mentions written
  std::map<std::string, int64_t> lexicon;   // class -> size of its list ("geo", "gpe", ... "filler")
  std::vector<std::string> notes;           // e.g. fallbacks taken
};
NERCorpusReport generate_ner_corpus(const std::string& out_dir, const NERCorpusOptions& options = {});

// ---- the NER vocabulary (CS230's build_vocab.py) ------------------------------------------
// Counts words of `vocab_splits` (default: only train, so that validation and test words
// stay unknown as they would be in use; CS230 counted all three) and tags of every split, keeps
// those seen >= min_count in first-seen order, appends <pad> and UNK (and the pad tag O if
// absent), writes words.txt, tags.txt and dataset_params.json (train_size, dev_size,
// test_size, vocab_size, number_of_tags, pad_word, pad_tag, unk_word). Checks every labels.txt
// line against its sentence (errors name the file and line).
struct NERVocabOptions {
  int64_t min_count_word = 1;
  int64_t min_count_tag = 1;
  std::vector<std::string> vocab_splits = {"train"};
};
struct NERVocabReport {
  int64_t train_size = 0, dev_size = 0, test_size = 0, vocab_size = 0, number_of_tags = 0;
};
NERVocabReport build_ner_vocab(const std::string& data_dir, const NERVocabOptions& options = {});

}  // namespace ember::data

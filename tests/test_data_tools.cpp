// Dataset tools: Fashion-MNIST to a SIGNS JPEG folder, the NER corpus generator.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <ember/data/datasets/mnist.h>
#include <ember/data/datasets/ner.h>
#include <ember/data/datasets/signs.h>
#include <ember/data/tools.h>
#include <ember/ember.h>

#include "support/testing.h"
#include "test_data_support.h"

namespace fs = std::filesystem;
using namespace ember;
using namespace ember::data;
using ember::testing::error_of;
using ember::testing::put_be32;
using ember::testing::TempDir;
using ember::testing::to_vec;
using ember::testing::write_bytes;
using ember::testing::write_text;

namespace {

// Fixture IDX files: image i is a vertical gradient scaled by (i % 5 + 1), label i % 10.
void write_mnist(const fs::path& dir, const std::string& prefix, uint32_t n) {
  std::vector<uint8_t> img, lab;
  put_be32(img, 0x803);
  put_be32(img, n);
  put_be32(img, 28);
  put_be32(img, 28);
  put_be32(lab, 0x801);
  put_be32(lab, n);
  for (uint32_t i = 0; i < n; ++i) {
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) img.push_back(static_cast<uint8_t>(r * 9 * (i % 5 + 1) / 5));
    lab.push_back(static_cast<uint8_t>(i % 10));
  }
  write_bytes(dir / (prefix + "-images-idx3-ubyte"), img);
  write_bytes(dir / (prefix + "-labels-idx1-ubyte"), lab);
}

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream f(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(f, l);) out.push_back(l);
  return out;
}

std::vector<std::string> tokens(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> out;
  for (std::string t; is >> t;) out.push_back(t);
  return out;
}

}  // namespace

TEST(SignsExport, WritesTheSplitsAsNamedJpegs) {
  TempDir dir;
  write_mnist(dir.path / "mnist", "train", 20);
  write_mnist(dir.path / "mnist", "t10k", 6);
  SignsExportReport r = fashion_mnist_to_signs(dir.str("mnist"), dir.str("signs"), {.limit = 15});
  EXPECT_EQ(r.train, 12);  // int(0.8 * 15)
  EXPECT_EQ(r.val, 3);
  EXPECT_EQ(r.test, 6);
  std::set<int64_t> ids;
  const std::regex name(R"((\d)_IMG_(\d+)\.jpg)");
  for (const char* split : {"train", "val"})
    for (const auto& e : fs::directory_iterator(dir.path / "signs" / (std::string(split) + "_signs"))) {
      std::smatch m;
      std::string f = e.path().filename().string();
      ASSERT_TRUE(std::regex_match(f, m, name)) << f;
      int64_t id = std::stoll(m[2]);
      EXPECT_EQ(std::stoll(m[1]), id % 10) << f;  // the label of image `id`
      EXPECT_LT(id, 15);
      EXPECT_TRUE(ids.insert(id).second) << "image " << id << " written twice";
    }
  EXPECT_EQ(ids.size(), 15u);

  // SIGNS reads it back: 64x64 RGB, labels from the names, pixels close to the resized source.
  SIGNS test(dir.str("signs"), "test", {.transform = nullptr, .channels = 0});
  ASSERT_EQ(test.size(), 6);
  Tensor img = test.load(2);  // sorted names: 0_IMG_0, 1_IMG_1, 2_IMG_2, ...
  ASSERT_EQ(img.shape(), (Shape{64, 64, 3}));
  EXPECT_EQ(test.samples()[2].second, 2);
  MNIST src(dir.str("mnist"), MNIST::Test);
  Tensor want = transforms::resize(src.images().select(0, 2), 64, 64).squeeze(0).to(kFloat32);  // (64,64)
  for (int64_t c = 0; c < 3; ++c) {
    double err = (img.select(2, c).to(kFloat32) - want).abs().sum().item<double>() / (64.0 * 64.0);
    EXPECT_LT(err, 2.0) << "channel " << c;
  }
  // The same seed gives the same split; existing folders are not silently replaced.
  std::string m = error_of([&] { fashion_mnist_to_signs(dir.str("mnist"), dir.str("signs"), {.limit = 15}); });
  EXPECT_NE(m.find("already exists"), std::string::npos) << m;
  // A negative limit other than -1 is a mistake, not "all" (it wrote all 70,000 images).
  m = error_of([&] { fashion_mnist_to_signs(dir.str("mnist"), dir.str("signs2"), {.limit = -7}); });
  EXPECT_NE(m.find("limit must be -1 (all images) or a count >= 0, got -7"), std::string::npos) << m;
  EXPECT_FALSE(fs::exists(dir.path / "signs2"));
  std::vector<std::string> before;
  for (const auto& e : fs::directory_iterator(dir.path / "signs" / "val_signs")) before.push_back(e.path().filename());
  fashion_mnist_to_signs(dir.str("mnist"), dir.str("signs"), {.limit = 15, .overwrite = true});
  std::vector<std::string> after;
  for (const auto& e : fs::directory_iterator(dir.path / "signs" / "val_signs")) after.push_back(e.path().filename());
  std::sort(before.begin(), before.end());
  std::sort(after.begin(), after.end());
  EXPECT_EQ(before, after);
}

TEST(SignsExport, RealFashionMnistWhenInstalled) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(root + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  TempDir dir;
  SignsExportReport r = fashion_mnist_to_signs(root, dir.str(), {.limit = 50});
  EXPECT_EQ(r.train + r.val, 50);
  SIGNS train(dir.str(), "train");
  EXPECT_EQ(train.size(), 40);
  EXPECT_EQ(train.get(0).data.shape(), (Shape{3, 64, 64}));
  EXPECT_LE(train.num_classes(), 10);
}

namespace {

// A words file of made-up names and lowercase words (so the test does not depend on wamerican).
std::string fake_words_file(const fs::path& dir) {
  std::string s;
  for (int i = 0; i < 700; ++i) {
    s += "Q" + std::string(1, static_cast<char>('a' + i % 26)) + std::string(1, static_cast<char>('a' + i / 26 % 26)) + "x\n";
    s += "w" + std::string(1, static_cast<char>('a' + i % 26)) + std::string(1, static_cast<char>('a' + i / 26 % 26)) + "z\n";
    s += "Q" + std::to_string(i) + "'s\n";  // skipped: not alphabetic
  }
  write_text(dir / "words", s);
  return (dir / "words").string();
}

}  // namespace

TEST(NerCorpus, WellFormedSeededAndLearnable) {
  TempDir dir;
  NERCorpusOptions o{.train = 300, .val = 60, .test = 40, .seed = 7, .names_per_class = 150,
                     .words_file = fake_words_file(dir.path)};
  NERCorpusReport r = generate_ner_corpus(dir.str("a"), o);
  EXPECT_EQ(r.train, 300);
  const std::set<std::string> tagset = {"O", "B-per", "I-per", "B-org", "I-org", "B-geo", "I-geo",
                                        "B-gpe", "I-gpe", "B-tim", "I-tim"};
  for (const char* split : {"train", "val", "test"}) {
    auto sents = lines_of(dir.path / "a" / split / "sentences.txt");
    auto labs = lines_of(dir.path / "a" / split / "labels.txt");
    ASSERT_EQ(sents.size(), labs.size());
    for (size_t i = 0; i < sents.size(); ++i) {
      auto w = tokens(sents[i]), t = tokens(labs[i]);
      ASSERT_EQ(w.size(), t.size()) << split << " line " << i + 1;
      for (size_t k = 0; k < t.size(); ++k) {
        EXPECT_TRUE(tagset.count(t[k])) << t[k];
        if (t[k][0] == 'I')  // I-x continues B-x or I-x
          EXPECT_TRUE(k > 0 && t[k - 1].size() > 2 && t[k - 1].substr(2) == t[k].substr(2)) << sents[i];
      }
    }
  }
  for (const char* cls : {"per", "org", "geo", "gpe", "tim"}) EXPECT_GT(r.entities[cls], 20) << cls;
  // The vocabulary was built from train: evaluation sentences hold unknown words.
  NERDataset val(dir.str("a"), "val");
  int64_t unk = 0;
  for (const auto& s : val.sentences()) unk += std::count(s.begin(), s.end(), val.vocab().unk_id());
  EXPECT_GT(unk, 0);
  // Seeded: the same files again; another seed differs.
  generate_ner_corpus(dir.str("b"), o);
  EXPECT_EQ(lines_of(dir.path / "a" / "train" / "sentences.txt"), lines_of(dir.path / "b" / "train" / "sentences.txt"));
  o.seed = 8;
  generate_ner_corpus(dir.str("c"), o);
  EXPECT_NE(lines_of(dir.path / "a" / "train" / "sentences.txt"), lines_of(dir.path / "c" / "train" / "sentences.txt"));
  EXPECT_NE(error_of([&] { generate_ner_corpus(dir.str("c"), o); }).find("already exists"), std::string::npos);
  // Names of people and organisations never double as places or times (their lists are disjoint);
  // only a few place words are shared by a city and a country (Faroe, Norfolk).
  std::map<std::string, std::set<std::string>> cls_of;
  auto sents = lines_of(dir.path / "a" / "train" / "sentences.txt");
  auto labs = lines_of(dir.path / "a" / "train" / "labels.txt");
  for (size_t i = 0; i < sents.size(); ++i) {
    auto w = tokens(sents[i]), t = tokens(labs[i]);
    for (size_t k = 0; k < w.size(); ++k)
      if (t[k] != "O" && t[k] != "I-org") cls_of[w[k]].insert(t[k].substr(2));  // I-org: "University of <city>"
  }
  int shared_places = 0;
  for (auto& [word, classes] : cls_of) {
    if (classes.count("per") || classes.count("org")) EXPECT_EQ(classes.size(), 1u) << word;
    shared_places += classes.size() > 1;
  }
  EXPECT_LE(shared_places, 10);
}

TEST(NerCorpus, FallsBackWhenListsAreMissingAndUsesRealListsWhenPresent) {
  TempDir dir;
  NERCorpusOptions o{.train = 50, .val = 10, .test = 10, .names_per_class = 100, .words_file = fake_words_file(dir.path),
                     .zoneinfo_dir = dir.str("none"), .countries_file = dir.str("none.json")};
  NERCorpusReport r = generate_ner_corpus(dir.str("x"), o);
  EXPECT_EQ(r.notes.size(), 2u);
  EXPECT_EQ(r.lexicon["geo"], 100);
  EXPECT_NE(error_of([&] {
              generate_ner_corpus(dir.str("y"), {.words_file = dir.str("absent")});
            }).find("cannot open"),
            std::string::npos);
  if (!fs::exists("/usr/share/dict/words") || !fs::exists("/usr/share/zoneinfo/Europe") ||
      !fs::exists("/usr/share/iso-codes/json/iso_3166-1.json"))
    GTEST_SKIP() << "wamerican, tzdata or iso-codes is not installed";
  NERCorpusReport real = generate_ner_corpus(dir.str("real"), {.train = 100, .val = 10, .test = 10});
  EXPECT_TRUE(real.notes.empty());
  EXPECT_GT(real.lexicon["geo"], 300);  // tzdata's cities
  EXPECT_GT(real.lexicon["gpe"], 150);  // iso-codes' countries
}

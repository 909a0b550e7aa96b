// The tf.data-style pipeline: sources, map, filter, shuffle, batch, prefetch, repeat, take, zip.
#include <gtest/gtest.h>

#include <numeric>
#include <set>
#include <sstream>

#include <ember/data/pipeline.h>
#include <ember/ember.h>

#include "support/testing.h"
#include "test_data_support.h"

using namespace ember;
using namespace ember::data;
using ember::testing::error_of;
using ember::testing::TempDir;
using ember::testing::to_vec;
using ember::testing::write_text;

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string w; is >> w;) out.push_back(w);
  return out;
}

template <class T>
std::vector<T> collect(const Pipeline<T>& p) {
  std::vector<T> out;
  for (auto& x : p) out.push_back(x);
  return out;
}

Pipeline<int> ints(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return Pipeline<int>::from_vector(v);
}

}  // namespace

TEST(Pipeline, TheTutorialsTextExample) {
  TempDir dir;
  write_text(dir.path / "file.txt", "I use Tensorflow\nYou use PyTorch\nBoth are great\n");
  auto lines = text_lines(dir.str("file.txt"));
  EXPECT_EQ(collect(lines), (std::vector<std::string>{"I use Tensorflow", "You use PyTorch", "Both are great"}));
  // An initializable iterator: each make_iterator() starts again.
  auto it = lines.make_iterator();
  EXPECT_EQ(*it(), "I use Tensorflow");
  EXPECT_EQ(*it(), "You use PyTorch");
  EXPECT_EQ(*lines.make_iterator()(), "I use Tensorflow");

  auto batches = lines.map(split_words).shuffle(3, 42).batch(2).prefetch(1);
  auto got = collect(batches);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].size(), 2u);
  EXPECT_EQ(got[1].size(), 1u);
  std::multiset<std::string> firsts;
  for (auto& b : got)
    for (auto& words : b) firsts.insert(words[0]);
  EXPECT_EQ(firsts, (std::multiset<std::string>{"I", "You", "Both"}));
  EXPECT_NE(error_of([&] { collect(text_lines(dir.str("absent.txt"))); }).find("absent.txt"), std::string::npos);
}

TEST(Pipeline, ShuffleBufferSemanticsAndSeeds) {
  EXPECT_EQ(collect(ints(10).shuffle(1, 3)), collect(ints(10)));  // a buffer of one changes nothing
  auto p = ints(50).shuffle(50, 7);
  auto pass1 = collect(p), pass2 = collect(p);
  EXPECT_NE(pass1, pass2);  // reshuffled every pass
  EXPECT_EQ(std::set<int>(pass1.begin(), pass1.end()).size(), 50u);
  auto q = ints(50).shuffle(50, 7);
  EXPECT_EQ(collect(q), pass1);  // the same seed, the same passes
  EXPECT_EQ(collect(q), pass2);
  // With a buffer of 2 the first output is one of the first two elements.
  for (uint64_t seed = 0; seed < 20; ++seed) EXPECT_LE(collect(ints(10).shuffle(2, seed))[0], 1);
}

TEST(Pipeline, BatchStacksTensorsAndExamples) {
  auto t = ints(5).map([](int i) { return full({2}, i, kInt64); }).batch(2);
  auto got = collect(t);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(to_vec(got[1]), (std::vector<int64_t>{2, 2, 3, 3}));
  EXPECT_EQ(got[2].shape(), (Shape{1, 2}));
  EXPECT_EQ(collect(ints(5).batch(2, true)).size(), 2u);  // drop_remainder
  auto ex = ints(4).map([](int i) { return Example{full({3}, i, kFloat32), scalar_tensor(i, kInt64)}; }).batch(4);
  Example b = collect(ex)[0];
  EXPECT_EQ(b.data.shape(), (Shape{4, 3}));
  EXPECT_EQ(to_vec(b.target), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_NE(error_of([] { ints(3).batch(0); }).find("batch size"), std::string::npos);
}

TEST(Pipeline, RepeatTakeFilterZip) {
  EXPECT_EQ(collect(ints(3).repeat(2)), (std::vector<int>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(collect(ints(3).repeat().take(7)), (std::vector<int>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_TRUE(collect(ints(0).repeat()).empty());  // an empty pass ends an endless repeat
  EXPECT_EQ(collect(ints(10).filter([](const int& i) { return i % 3 == 0; })), (std::vector<int>{0, 3, 6, 9}));
  auto z = collect(zip(ints(3), ints(5).map([](int i) { return std::to_string(i * 10); })));
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z[2], (std::pair<int, std::string>{2, "20"}));
}

TEST(Pipeline, PrefetchKeepsOrderRandomnessAndErrors) {
  // A random augmentation inside map: the same with and without a prefetch thread.
  auto noisy = ints(40).map([](int i) { return i * 1000000 + static_cast<int>(random_int(sample_generator(), 1000)); });
  manual_seed(5);
  auto plain = collect(noisy.batch(4));
  manual_seed(5);
  auto pre = collect(noisy.batch(4).prefetch(3));
  EXPECT_EQ(plain, pre);
  manual_seed(6);
  EXPECT_NE(collect(noisy.batch(4)), plain);

  auto failing = ints(10).map([](int i) {
    EMBER_CHECK(i != 6, "element ", i, " is bad");
    return i;
  });
  for (auto p : {failing, failing.prefetch(2)}) {
    std::vector<int> seen;
    std::string msg = error_of([&] {
      for (auto& x : p) seen.push_back(x);
    });
    EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4, 5}));
    EXPECT_NE(msg.find("element 6 is bad"), std::string::npos) << msg;
  }
  // Leaving a prefetched endless stream early stops its thread.
  int n = 0;
  for (auto& x : ints(5).repeat().prefetch(4)) {
    (void)x;
    if (++n == 12) break;
  }
  EXPECT_EQ(n, 12);
}

TEST(Pipeline, FromDataset) {
  auto ds = std::make_shared<TensorDataset>(arange(0, 6, 1, kFloat32).reshape({3, 2}), arange(3));
  auto p = Pipeline<Example>::from_dataset(ds).batch(2);
  auto got = collect(p);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(to_vec(got[0].target), (std::vector<int64_t>{0, 1}));
  EXPECT_TRUE(got[1].data.equal(tensor({4.f, 5.f}, {1, 2})));
}

// Datasets, splits, samplers and collate functions.
#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include <ember/data/collate.h>
#include <ember/data/dataset.h>
#include <ember/data/sampler.h>
#include <ember/ember.h>

#include "support/testing.h"
#include "test_data_support.h"

using namespace ember;
using ember::testing::error_of;
using namespace ember::data;

namespace {

std::shared_ptr<TensorDataset> range_dataset(int64_t n) {
  return std::make_shared<TensorDataset>(arange(0, n * 2, 1, kFloat32).reshape({n, 2}), arange(n));
}

bool is_permutation_of_range(std::vector<int64_t> v, int64_t n) {
  std::sort(v.begin(), v.end());
  std::vector<int64_t> r(static_cast<size_t>(n));
  std::iota(r.begin(), r.end(), 0);
  return v == r;
}

}  // namespace

TEST(TensorDataset, GetsRowsAndChecksSizes) {
  auto ds = range_dataset(5);
  EXPECT_EQ(ds->size(), 5);
  Example e = ds->get(3);
  EXPECT_TRUE(e.data.equal(tensor({6.f, 7.f})));
  EXPECT_EQ(e.target.item<int64_t>(), 3);
  EXPECT_NE(error_of([&] { ds->get(5); }).find("out of range"), std::string::npos);
  std::string m = error_of([] { TensorDataset(zeros({4, 2}), zeros({3})); });
  EXPECT_NE(m.find("(3)"), std::string::npos) << m;
  // The fast path gathers rows into a given batch.
  Example batch{empty({2, 2}), empty({2}, kInt64)};
  ASSERT_TRUE(ds->get_batch({4, 1}, batch));
  EXPECT_TRUE(batch.data.equal(tensor({8.f, 9.f, 2.f, 3.f}, {2, 2})));
  EXPECT_TRUE(batch.target.equal(tensor({4, 1})));
}

TEST(Subset, MapsIndicesAndForwardsTheFastPath) {
  auto ds = range_dataset(6);
  Subset<> sub(ds, {5, 0, 2});
  EXPECT_EQ(sub.size(), 3);
  EXPECT_EQ(sub.get(0).target.item<int64_t>(), 5);
  Example batch{empty({2, 2}), empty({2}, kInt64)};
  ASSERT_TRUE(sub.get_batch({2, 0}, batch));
  EXPECT_TRUE(batch.target.equal(tensor({2, 5})));
  EXPECT_NE(error_of([&] { Subset<>(ds, {0, 6}); }).find("index 6"), std::string::npos);
  EXPECT_NE(error_of([&] { sub.get(3); }).find("out of range"), std::string::npos);
}

TEST(ConcatDataset, ChainsDatasets) {
  ConcatDataset<> cat({range_dataset(2), range_dataset(3)});
  EXPECT_EQ(cat.size(), 5);
  EXPECT_EQ(cat.get(1).target.item<int64_t>(), 1);
  EXPECT_EQ(cat.get(2).target.item<int64_t>(), 0);
  EXPECT_EQ(cat.get(4).target.item<int64_t>(), 2);
  EXPECT_EQ(cat.cumulative_sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_NE(error_of([&] { cat.get(5); }).find("out of range"), std::string::npos);
}

TEST(RandomSplit, SizesLikePyTorchAndDisjoint) {
  // torch.utils.data.random_split(range(11), [0.5, 0.5]) -> lengths [6, 5];
  // [0.3, 0.3, 0.4] of 10 -> [3, 3, 4]; of 7 -> floor [2, 2, 2] + 1 to the first -> [3, 2, 2].
  EXPECT_EQ(split_lengths(11, {0.5, 0.5}), (std::vector<int64_t>{6, 5}));
  EXPECT_EQ(split_lengths(10, {0.3, 0.3, 0.4}), (std::vector<int64_t>{3, 3, 4}));
  EXPECT_EQ(split_lengths(7, {0.3, 0.3, 0.4}), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(split_lengths(10, {7, 3}), (std::vector<int64_t>{7, 3}));
  EXPECT_NE(error_of([] { split_lengths(10, {7, 4}); }).find("sum to 11"), std::string::npos);

  auto ds = range_dataset(20);
  auto parts = random_split(ds, {15, 5}, 42);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0]->size(), 15);
  EXPECT_EQ(parts[1]->size(), 5);
  std::vector<int64_t> all = parts[0]->indices();
  all.insert(all.end(), parts[1]->indices().begin(), parts[1]->indices().end());
  EXPECT_TRUE(is_permutation_of_range(all, 20));
  EXPECT_EQ(random_split(ds, {15, 5}, 42)[1]->indices(), parts[1]->indices());  // seeded
  EXPECT_NE(random_split(ds, {15, 5}, 43)[1]->indices(), parts[1]->indices());
}

TEST(Samplers, SequentialAndRandom) {
  Generator gen(7);
  EXPECT_EQ(SequentialSampler(4).indices(gen), (std::vector<int64_t>{0, 1, 2, 3}));
  RandomSampler rs(100);
  auto a = rs.indices(gen), b = rs.indices(gen);
  EXPECT_TRUE(is_permutation_of_range(a, 100));
  EXPECT_TRUE(is_permutation_of_range(b, 100));
  EXPECT_NE(a, b);  // the generator moved on
  Generator g1(3), g2(3);
  EXPECT_EQ(rs.indices(g1), rs.indices(g2));
  RandomSampler with(5, true, 1000);
  auto w = with.indices(gen);
  EXPECT_EQ(w.size(), 1000u);
  std::set<int64_t> seen(w.begin(), w.end());
  EXPECT_EQ(seen, (std::set<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_NE(error_of([] { RandomSampler(3, false, 4); }).find("num_samples"), std::string::npos);
}

TEST(Samplers, SubsetRandomVisitsTheSubsetOnce) {
  Generator gen(1);
  SubsetRandomSampler s({10, 20, 30, 40});
  auto v = s.indices(gen);
  EXPECT_EQ(std::multiset<int64_t>(v.begin(), v.end()), (std::multiset<int64_t>{10, 20, 30, 40}));
}

TEST(Samplers, WeightedRandomFollowsTheWeights) {
  Generator gen(5);
  WeightedRandomSampler s({1, 0, 3, 6}, 20000, true);
  std::vector<int64_t> count(4);
  for (int64_t i : s.indices(gen)) ++count[static_cast<size_t>(i)];
  EXPECT_EQ(count[1], 0);
  // Expected 2000, 0, 6000, 12000; binomial sd ~ 42, 65, 69: allow 5 sd.
  EXPECT_NEAR(count[0], 2000, 220);
  EXPECT_NEAR(count[2], 6000, 330);
  EXPECT_NEAR(count[3], 12000, 350);

  WeightedRandomSampler no_rep({1, 0, 1, 100, 1}, 4, false);
  auto v = no_rep.indices(gen);
  EXPECT_EQ(std::set<int64_t>(v.begin(), v.end()), (std::set<int64_t>{0, 2, 3, 4}));
  // Index 3 (weight 100 of 103) comes first nearly always.
  int first3 = 0;
  for (int r = 0; r < 200; ++r) first3 += no_rep.indices(gen)[0] == 3;
  EXPECT_GT(first3, 180);
  EXPECT_NE(error_of([] { WeightedRandomSampler({1, 0}, 2, false); }).find("non-zero"), std::string::npos);
  EXPECT_NE(error_of([] { WeightedRandomSampler({1, -1}, 2); }).find("weight 1"), std::string::npos);
}

TEST(Samplers, BatchSamplerGroupsAndDropsLast) {
  Generator gen(0);
  BatchSampler keep(std::make_shared<SequentialSampler>(7), 3, false);
  EXPECT_EQ(keep.size(), 3);
  EXPECT_EQ(keep.batches(gen), (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6}}));
  BatchSampler drop(std::make_shared<SequentialSampler>(7), 3, true);
  EXPECT_EQ(drop.size(), 2);
  EXPECT_EQ(drop.batches(gen).size(), 2u);
}

TEST(Collate, DefaultStacksAndExplainsMismatches) {
  Example b = default_collate({{tensor({1.f, 2.f}), scalar_tensor(3, kInt64)}, {tensor({4.f, 5.f}), scalar_tensor(6, kInt64)}});
  EXPECT_TRUE(b.data.equal(tensor({1.f, 2.f, 4.f, 5.f}, {2, 2})));
  EXPECT_TRUE(b.target.equal(tensor({3, 6})));
  std::string m = error_of([] { default_collate({{zeros({2}), Tensor()}, {zeros({3}), Tensor()}}); });
  EXPECT_NE(m.find("sample 1 data has shape (3) but sample 0 has (2)"), std::string::npos) << m;
  EXPECT_NE(m.find("PadCollate"), std::string::npos) << m;
}

TEST(Collate, PadsVariableLengthSequences) {
  // torch.nn.utils.rnn.pad_sequence([tensor([1,2,3]), tensor([4]), tensor([5,6])], batch_first=True,
  // padding_value=0) -> [[1,2,3],[4,0,0],[5,6,0]]; batch_first=False gives its transpose.
  std::vector<Tensor> seqs = {tensor({1, 2, 3}), tensor({4}), tensor({5, 6})};
  EXPECT_TRUE(pad_sequence(seqs).equal(tensor({1, 2, 3, 4, 0, 0, 5, 6, 0}, {3, 3})));
  EXPECT_TRUE(pad_sequence(seqs, false).equal(tensor({1, 4, 5, 2, 0, 6, 3, 0, 0}, {3, 3})));
  // Feature dims after the length are kept: (2,2) and (1,2) -> (2,2,2).
  Tensor p = pad_sequence({ones({2, 2}), ones({1, 2})}, true, -5.0);
  EXPECT_TRUE(p.equal(tensor({1.f, 1.f, 1.f, 1.f, 1.f, 1.f, -5.f, -5.f}, {2, 2, 2})));

  PadCollate pc{/*data_pad=*/7, /*target_pad=*/-1};
  Example b = pc({{tensor({1, 2}), tensor({0, 1})}, {tensor({3, 4, 5}), tensor({2, 2, 2})}});
  EXPECT_TRUE(b.data.equal(tensor({1, 2, 7, 3, 4, 5}, {2, 3})));
  EXPECT_TRUE(b.target.equal(tensor({0, 1, -1, 2, 2, 2}, {2, 3})));
  std::string m = error_of([] { pad_sequence({zeros({2, 3}), zeros({2, 4})}); });
  EXPECT_NE(m.find("only the first dimension"), std::string::npos) << m;
}

// DataLoader: batching, shuffling, samplers, workers, errors, shutdown, buffer reuse, streams.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include <ember/data/dataloader.h>
#include <ember/data/worker.h>
#include <ember/ember.h>

#include "support/testing.h"
#include "test_data_support.h"

using namespace ember;
using ember::testing::error_of;
using ember::testing::to_vec;
using namespace ember::data;

namespace {

std::shared_ptr<TensorDataset> range_dataset(int64_t n) {
  return std::make_shared<TensorDataset>(arange(0, n * 2, 1, kFloat32).reshape({n, 2}), arange(n));
}

// Collects every batch's targets.
template <class Loader>
std::vector<std::vector<int64_t>> targets_of(Loader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (auto& b : loader) out.push_back(to_vec(b.target));
  return out;
}

// A dataset whose samples carry a random number drawn from sample_generator() (an augmentation).
class NoisyDataset : public Dataset<> {
 public:
  explicit NoisyDataset(int64_t n) : n_(n) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    return {scalar_tensor(static_cast<double>(random_int(sample_generator(), 1000000)), kFloat64), scalar_tensor(i, kInt64)};
  }

 private:
  int64_t n_;
};

// Throws on one index.
class FailingDataset : public Dataset<> {
 public:
  int64_t size() const override { return 20; }
  Example get(int64_t i) const override {
    EMBER_CHECK(i != 13, "cannot read sample ", i, " (corrupt record)");
    return {scalar_tensor(i, kInt64), Tensor()};
  }
};

// Slow samples; counts the reads.
class SlowDataset : public Dataset<> {
 public:
  mutable std::atomic<int> reads{0};
  int64_t size() const override { return 1000; }
  Example get(int64_t i) const override {
    ++reads;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return {scalar_tensor(i, kInt64), Tensor()};
  }
};

}  // namespace

TEST(DataLoader, SequentialBatches) {
  DataLoader loader(range_dataset(7), {.batch_size = 3});
  EXPECT_EQ(loader.size(), 3);
  std::vector<Tensor> data;
  std::vector<std::vector<int64_t>> targets;
  for (auto& b : loader) {
    data.push_back(b.data);
    targets.push_back(to_vec(b.target));
  }
  EXPECT_EQ(targets, (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6}}));
  EXPECT_TRUE(data[1].equal(tensor({6.f, 7.f, 8.f, 9.f, 10.f, 11.f}, {3, 2})));
  EXPECT_EQ(data[2].shape(), (Shape{1, 2}));

  DataLoader drop(range_dataset(7), {.batch_size = 3, .drop_last = true});
  EXPECT_EQ(drop.size(), 2);
  EXPECT_EQ(targets_of(drop).size(), 2u);
}

TEST(DataLoader, ShuffleIsSeededAndCoversEveryIndex) {
  auto ds = range_dataset(50);
  auto run = [&](uint64_t seed) {
    DataLoader loader(ds, {.batch_size = 8, .shuffle = true, .generator = std::make_shared<Generator>(seed)});
    std::vector<int64_t> epoch1, epoch2;
    for (auto& b : loader)
      for (int64_t t : to_vec(b.target)) epoch1.push_back(t);
    for (auto& b : loader)
      for (int64_t t : to_vec(b.target)) epoch2.push_back(t);
    return std::make_pair(epoch1, epoch2);
  };
  auto [a1, a2] = run(123);
  auto [b1, b2] = run(123);
  auto [c1, c2] = run(124);
  EXPECT_EQ(a1, b1);
  EXPECT_EQ(a2, b2);
  EXPECT_NE(a1, a2);  // a new order every epoch
  EXPECT_NE(a1, c1);
  std::vector<int64_t> sorted = a1;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
  // Without a generator the default one is used: manual_seed makes it repeatable.
  manual_seed(9);
  DataLoader d1(ds, {.batch_size = 50, .shuffle = true});
  auto x = targets_of(d1);
  manual_seed(9);
  EXPECT_EQ(targets_of(d1), x);
}

TEST(DataLoader, UserAndLibrarySamplers) {
  auto ds = range_dataset(10);
  DataLoader sub(ds, {.batch_size = 10, .sampler = std::make_shared<SubsetRandomSampler>(std::vector<int64_t>{1, 3, 5})});
  auto t = targets_of(sub);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(std::set<int64_t>(t[0].begin(), t[0].end()), (std::set<int64_t>{1, 3, 5}));

  class Reverse : public Sampler {  // a user sampler
   public:
    std::vector<int64_t> indices(Generator&) override { return {9, 8, 7, 6, 5}; }
    int64_t size() const override { return 5; }
  };
  DataLoader rev(ds, {.batch_size = 2, .sampler = std::make_shared<Reverse>()});
  EXPECT_EQ(rev.size(), 3);
  EXPECT_EQ(targets_of(rev), (std::vector<std::vector<int64_t>>{{9, 8}, {7, 6}, {5}}));

  DataLoader weighted(ds, {.batch_size = 100, .sampler = std::make_shared<WeightedRandomSampler>(
                                                  std::vector<double>{0, 0, 1, 0, 0, 0, 0, 0, 0, 1}, 100)});
  auto w = targets_of(weighted);
  for (int64_t v : w[0]) EXPECT_TRUE(v == 2 || v == 9);
}

TEST(DataLoader, SameBatchesForAnyNumberOfWorkers) {
  auto ds = std::make_shared<NoisyDataset>(103);
  auto run = [&](int workers) {
    DataLoader loader(ds, {.batch_size = 10, .shuffle = true, .num_workers = workers,
                           .generator = std::make_shared<Generator>(77)});
    std::vector<std::vector<double>> out;
    for (int epoch = 0; epoch < 2; ++epoch)
      for (auto& b : loader) {
        Tensor d = b.data.contiguous();
        std::vector<double> row(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
        for (int64_t t : to_vec(b.target)) row.push_back(static_cast<double>(t));
        out.push_back(row);
      }
    return out;
  };
  auto serial = run(0);
  ASSERT_EQ(serial.size(), 22u);
  EXPECT_EQ(run(1), serial);
  EXPECT_EQ(run(3), serial);
  EXPECT_NE(serial[0], serial[11]);  // epochs differ
}

TEST(DataLoader, WorkerErrorsReachTheCaller) {
  auto ds = std::make_shared<FailingDataset>();
  for (int workers : {0, 2}) {
    DataLoader loader(ds, {.batch_size = 4, .num_workers = workers});
    int seen = 0;
    std::string msg;
    try {
      for (auto& b : loader) {
        (void)b;
        ++seen;
      }
    } catch (const Error& e) {
      msg = e.what();
    }
    EXPECT_EQ(seen, 3) << workers;  // batches 0, 1, 2 arrive; batch 3 holds sample 13
    EXPECT_NE(msg.find("cannot read sample 13 (corrupt record)"), std::string::npos) << msg;
    if (workers) EXPECT_NE(msg.find("DataLoader worker"), std::string::npos) << msg;
  }
}

TEST(DataLoader, DestroyingMidEpochStopsWorkers) {
  auto ds = std::make_shared<SlowDataset>();
  {
    auto loader = std::make_unique<DataLoader<>>(ds, DataLoaderOptions{.batch_size = 4, .num_workers = 3});
    auto it = loader->begin();
    ++it;
    ++it;
    EXPECT_EQ(to_vec(it->data), (std::vector<int64_t>{8, 9, 10, 11}));
    loader.reset();  // joins the workers; the iterator sees the end
    ++it;
    EXPECT_TRUE(it == std::default_sentinel);  // the loader is gone: compare with its end sentinel directly
  }
  // At most the window (prefetch 2 x 3 workers) beyond the 3 consumed batches was read.
  int reads = ds->reads.load();
  EXPECT_LE(reads, (3 + 6 + 3) * 4 + 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ds->reads.load(), reads);  // nothing runs any more

  // Leaving a loop early also stops the epoch.
  DataLoader loader(ds, {.batch_size = 4, .num_workers = 2});
  for (auto& b : loader) {
    (void)b;
    break;
  }
  int after = ds->reads.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ds->reads.load(), after);
}

TEST(DataLoader, ReusesBatchBuffersOnlyWhenReleased) {
  auto ds = range_dataset(64);
  DataLoader loader(ds, {.batch_size = 8, .num_workers = 0});
  std::set<const void*> storages;
  for (auto& b : loader) storages.insert(b.data.storage().get());
  EXPECT_LE(storages.size(), 2u);  // released batches are refilled in place

  // A batch the user keeps is never overwritten.
  std::vector<Tensor> kept;
  std::vector<Tensor> copies;
  for (auto& b : loader) {
    kept.push_back(b.data);
    copies.push_back(b.data.clone());
  }
  ASSERT_EQ(kept.size(), 8u);
  for (size_t i = 0; i < kept.size(); ++i) EXPECT_TRUE(kept[i].equal(copies[i])) << i;
  // A view of a batch keeps it too.
  Tensor view;
  int n = 0;
  for (auto& b : loader) {
    if (n++ == 0) view = b.data.reshape({16});
  }
  EXPECT_TRUE(view.equal(arange(0, 16, 1, kFloat32)));
}

TEST(DataLoader, UserSampleTypesWithACollate) {
  class Words : public Dataset<std::string> {
   public:
    int64_t size() const override { return 5; }
    std::string get(int64_t i) const override { return std::string(static_cast<size_t>(i + 1), 'a'); }
  };
  DataLoader<std::string, std::string> loader(std::make_shared<Words>(), {.batch_size = 2, .num_workers = 1},
                                              [](std::vector<std::string> v) {
                                                std::string s;
                                                for (auto& w : v) s += w + "|";
                                                return s;
                                              });
  std::vector<std::string> got;
  for (auto& s : loader) got.push_back(s);
  EXPECT_EQ(got, (std::vector<std::string>{"a|aa|", "aaa|aaaa|", "aaaaa|"}));
  std::string m = error_of([] { DataLoader<std::string, std::string> bad(std::make_shared<Words>()); });
  EXPECT_NE(m.find("no default collate"), std::string::npos) << m;
}

TEST(DataLoader, PadCollateForSequences) {
  class Seqs : public Dataset<> {
   public:
    int64_t size() const override { return 3; }
    Example get(int64_t i) const override { return {full({i + 1}, i + 10, kInt64), full({i + 1}, i, kInt64)}; }
  };
  DataLoader loader(std::make_shared<Seqs>(), {.batch_size = 3}, PadCollate{0, -1});
  auto it = loader.begin();
  EXPECT_TRUE(it->data.equal(tensor({10, 0, 0, 11, 11, 0, 12, 12, 12}, {3, 3})));
  EXPECT_TRUE(it->target.equal(tensor({0, -1, -1, 1, 1, -1, 2, 2, 2}, {3, 3})));
}

TEST(DataLoader, IterableDatasets) {
  class Counter : public IterableDataset<> {
   public:
    std::function<std::optional<Example>()> stream() const override {
      return [i = int64_t{0}]() mutable -> std::optional<Example> {
        if (i >= 10) return std::nullopt;
        int64_t v = i++;
        return Example{scalar_tensor(v, kInt64), Tensor()};
      };
    }
  };
  auto ds = std::make_shared<Counter>();
  for (int workers : {0, 2}) {
    DataLoader<> loader(std::shared_ptr<const IterableDataset<>>(ds), {.batch_size = 3, .num_workers = workers});
    std::vector<std::vector<int64_t>> got;
    for (int epoch = 0; epoch < 2; ++epoch) {
      got.clear();
      for (auto& b : loader) got.push_back(to_vec(b.data));
    }
    EXPECT_EQ(got, (std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9}})) << workers;
    DataLoader<> drop(std::shared_ptr<const IterableDataset<>>(ds), {.batch_size = 3, .num_workers = workers, .drop_last = true});
    int n = 0;
    for (auto& b : drop) n += static_cast<int>(b.data.numel());
    EXPECT_EQ(n, 9);
  }
  std::string m = error_of([&] { DataLoader<>(std::shared_ptr<const IterableDataset<>>(ds), {.shuffle = true}); });
  EXPECT_NE(m.find("shuffle"), std::string::npos) << m;
}

TEST(DataLoader, WorkerInfoAndOptionErrors) {
  class WhoAmI : public Dataset<> {
   public:
    int64_t size() const override { return 8; }
    Example get(int64_t) const override {
      WorkerInfo w = get_worker_info();
      return {scalar_tensor(w.id, kInt64), scalar_tensor(w.num_workers, kInt64)};
    }
  };
  DataLoader loader(std::make_shared<WhoAmI>(), {.batch_size = 2, .num_workers = 2});
  for (auto& b : loader) {
    for (int64_t id : to_vec(b.data)) EXPECT_TRUE(id == 0 || id == 1);
    for (int64_t n : to_vec(b.target)) EXPECT_EQ(n, 2);
  }
  EXPECT_EQ(get_worker_info().id, -1);
  auto ds = range_dataset(4);
  EXPECT_NE(error_of([&] { DataLoader(ds, {.batch_size = 0}); }).find("batch_size"), std::string::npos);
  EXPECT_NE(error_of([&] { DataLoader(ds, {.num_workers = -1}); }).find("num_workers"), std::string::npos);
  EXPECT_NE(error_of([&] { DataLoader(ds, {.shuffle = true, .sampler = std::make_shared<SequentialSampler>(4)}); })
                .find("mutually exclusive"),
            std::string::npos);
}

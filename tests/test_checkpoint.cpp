// Checkpoints: ember::save / ember::load of state_dicts, training checkpoints that resume
// bit-identically, atomic writes (a writer killed at random moments), Saver's rotation and best
// checkpoint, and loads of corrupt, truncated or mismatched files that must change nothing.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <ember/ember.h>

#include "support/checkpoint_seal.h"
#include "support/files.h"
#include "support/testing.h"

using namespace ember;
using ember::testing::expect_error;
using ember::testing::read_bytes;
using ember::testing::write_bytes;
namespace fs = std::filesystem;

namespace ember::io::detail {
uint64_t xxh64(const void* data, size_t n, uint64_t seed);  // src/io/checkpoint_checksum.h
}

namespace {

// y = x W^T + b written with elementwise ops (independent of matmul).
struct Affine : nn::Module {
  Tensor weight, bias;
  Affine(int64_t in, int64_t out) : nn::Module("Affine") {
    weight = register_parameter("weight", (rand({out, in}) - 0.5f) * 0.8f);
    bias = register_parameter("bias", (rand({out}) - 0.5f) * 0.2f);
  }
  Tensor forward(const Tensor& x) override { return (x.unsqueeze(1) * weight).sum({2}) + bias; }  // (N,in) -> (N,out)
};

struct Net : nn::Module {
  std::shared_ptr<Affine> fc1, fc2;
  std::shared_ptr<nn::Dropout> drop;  // draws from the default generator in training mode
  Tensor calls;  // an int64 buffer, like BatchNorm's num_batches_tracked
  explicit Net(int64_t hidden = 8) : nn::Module("Net") {
    fc1 = register_module("fc1", std::make_shared<Affine>(4, hidden));
    drop = register_module("drop", std::make_shared<nn::Dropout>(0.2));
    fc2 = register_module("fc2", std::make_shared<Affine>(hidden, 2));
    calls = register_buffer("calls", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& x) override {
    calls.add_(1);
    return fc2->forward(drop->forward(tanh(fc1->forward(x))));
  }
};

bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0;
}

::testing::AssertionResult same_state(const nn::Module& a, const nn::Module& b) {
  auto sa = a.state_dict(), sb = b.state_dict();
  if (sa.size() != sb.size()) return ::testing::AssertionFailure() << "different key counts";
  for (size_t i = 0; i < sa.size(); ++i)
    if (sa[i].first != sb[i].first || !bit_equal(sa[i].second, sb[i].second))
      return ::testing::AssertionFailure() << "differs at " << sa[i].first;
  return ::testing::AssertionSuccess();
}

// A deep copy of a module's state, to compare "before" and "after".
std::vector<std::pair<std::string, Tensor>> snapshot(const nn::Module& m) {
  auto s = m.state_dict();
  for (auto& [k, t] : s) t = t.detach().clone();
  return s;
}

::testing::AssertionResult unchanged(const nn::Module& m, const std::vector<std::pair<std::string, Tensor>>& before) {
  auto now = m.state_dict();
  for (size_t i = 0; i < now.size(); ++i)
    if (!bit_equal(now[i].second, before[i].second)) return ::testing::AssertionFailure() << now[i].first << " changed";
  return ::testing::AssertionSuccess();
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ember_checkpoint_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    manual_seed(7);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// One training step on a batch drawn from the default generator (so the RNG state matters).
double train_step(Net& net, optim::Optimizer& opt) {
  Tensor x = randn({16, 4});
  Tensor target = (x.sum({1}, true) * 0.5f).expand({16, 2}) + randn({16, 2}) * 0.1f;
  opt.zero_grad();
  Tensor diff = net.forward(x) - target;
  Tensor loss = (diff * diff).sum() / 32.0;  // mean over (16,2)
  loss.backward();
  nn::utils::clip_grad_norm_(net.parameters(), 1.0);
  opt.step();
  return loss.item<double>();
}

}  // namespace

TEST(Checksum, Xxh64MatchesReferenceVectors) {
  // Values from xxhsum -H1 (the reference implementation).
  EXPECT_EQ(io::detail::xxh64("", 0, 0), 0xef46db3751d8e999ULL);
  EXPECT_EQ(io::detail::xxh64("abc", 3, 0), 0x44bc2cf5ad770999ULL);
  std::string x(1000, 'x');
  EXPECT_EQ(io::detail::xxh64(x.data(), x.size(), 0), 0x4cb9a3b69cb700e1ULL);
}

TEST_F(CheckpointTest, SaveLoadRoundTripWithPyTorchKeys) {
  Net a;
  a.calls.fill_(42);
  save(a, path("net.safetensors"), {{"note", "hello"}});
  io::SafetensorsFile f = io::load_safetensors(path("net.safetensors"));
  std::vector<std::string> keys;
  for (auto& [k, t] : f.tensors) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"calls", "fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"}));
  EXPECT_EQ(f.tensors.at("calls").dtype(), kInt64);
  EXPECT_EQ(f.metadata.at("format"), "pt");
  EXPECT_EQ(f.metadata.at("note"), "hello");
  EXPECT_EQ(f.metadata.at("ember.checksum").rfind("xxh64m:", 0), 0u);

  Net b;
  EXPECT_FALSE(same_state(a, b));
  nn::LoadResult r = load(b, path("net.safetensors"));
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(same_state(a, b));
}

TEST_F(CheckpointTest, LoadsFileWithoutChecksumAndConvertsFloat64) {
  // As a hand-written (or PyTorch-written) file: no ember metadata, float64 weights.
  Net a;
  std::map<std::string, Tensor> t;
  for (auto& [k, v] : a.state_dict()) t[k] = v.is_floating_point() ? v.to(kFloat64) : v;
  io::save_safetensors(path("plain.safetensors"), t);
  Net b;
  load(b, path("plain.safetensors"));
  EXPECT_TRUE(same_state(a, b));
  EXPECT_EQ(b.fc1->weight.dtype(), kFloat32);
}

TEST_F(CheckpointTest, StrictLoadListsEveryProblemAndChangesNothing) {
  Net small(8), other(5);
  save(other, path("other.safetensors"));
  auto before = snapshot(small);
  expect_error([&] { load(small, path("other.safetensors")); },
               {path("other.safetensors"), "size mismatch for fc1.weight: checkpoint (5,4) vs model (8,4)",
                "size mismatch for fc2.weight", "fc1.bias"});
  EXPECT_TRUE(unchanged(small, before));

  std::map<std::string, Tensor> t;
  for (auto& [k, v] : small.state_dict()) t[k] = v;
  t.erase("fc2.bias");
  t["extra.weight"] = zeros({1});
  io::save_safetensors(path("keys.safetensors"), t);
  expect_error([&] { load(small, path("keys.safetensors")); },
               {"Missing key(s) in state_dict: \"fc2.bias\"", "Unexpected key(s) in state_dict: \"extra.weight\""});
  EXPECT_TRUE(unchanged(small, before));

  // Non-strict: loads what fits, returns the rest.
  Net target;
  nn::LoadResult r = load(target, path("keys.safetensors"), /*strict=*/false);
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{"fc2.bias"});
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"extra.weight"});
  EXPECT_TRUE(bit_equal(target.fc1->weight, small.fc1->weight));

  // A float tensor for an integer buffer never loads, strict or not.
  t = {};
  for (auto& [k, v] : small.state_dict()) t[k] = v;
  t["calls"] = zeros({}, kFloat32);
  io::save_safetensors(path("dtype.safetensors"), t);
  expect_error([&] { load(small, path("dtype.safetensors"), false); }, {"dtype mismatch for calls", "float32", "int64"});
  EXPECT_TRUE(unchanged(small, before));
}

TEST_F(CheckpointTest, CorruptOrTruncatedFilesThrowAndChangeNothing) {
  Net a, b;
  save(a, path("net.safetensors"));
  const std::string bytes = read_bytes(path("net.safetensors"));
  auto before = snapshot(b);

  std::string flipped = bytes;
  flipped[bytes.size() - 3] ^= 0x10;  // one bit in the data
  write_bytes(path("flipped.safetensors"), flipped);
  expect_error([&] { load(b, path("flipped.safetensors")); }, {path("flipped.safetensors"), "checksum", "corrupt"});
  EXPECT_TRUE(unchanged(b, before));

  write_bytes(path("truncated.safetensors"), bytes.substr(0, bytes.size() - 10));
  expect_error([&] { load(b, path("truncated.safetensors")); }, {path("truncated.safetensors"), "truncated"});
  write_bytes(path("header.safetensors"), bytes.substr(0, 20));
  expect_error([&] { load(b, path("header.safetensors")); }, {path("header.safetensors")});
  write_bytes(path("empty.safetensors"), "");
  expect_error([&] { load(b, path("empty.safetensors")); }, {path("empty.safetensors"), "too small"});
  expect_error([&] { load(b, path("missing.safetensors")); }, {path("missing.safetensors"), "no such file"});
  EXPECT_TRUE(unchanged(b, before));
}

// Train 12 steps uninterrupted; separately train 6, checkpoint, and resume in fresh objects
// (other initial weights, other RNG state): the last 6 losses agree bit for bit.
TEST_F(CheckpointTest, TrainingResumesBitIdentically) {
  constexpr int kSteps = 12, kHalf = 6;
  auto make = [](Net& net) {
    auto opt = std::make_unique<optim::Adam>(
        std::vector<optim::ParamGroup>{{net.fc1->parameters(), {{"lr", 0.02}}}, {net.fc2->parameters()}},
        optim::AdamOptions{.lr = 0.05, .weight_decay = 1e-3, .amsgrad = true});
    auto sched = std::make_unique<optim::StepLR>(*opt, 3, 0.5);
    return std::pair(std::move(opt), std::move(sched));
  };

  manual_seed(123);
  Net full;
  auto [opt, sched] = make(full);
  std::vector<double> losses;
  for (int i = 0; i < kSteps; ++i) {
    losses.push_back(train_step(full, *opt));
    sched->step();
  }

  manual_seed(123);
  Net first;
  auto [opt1, sched1] = make(first);
  for (int i = 0; i < kHalf; ++i) {
    EXPECT_EQ(train_step(first, *opt1), losses[i]);
    sched1->step();
  }
  Checkpoint ckpt(first, opt1.get(), sched1.get());
  ckpt.epoch = kHalf - 1;
  ckpt.best_metric = 0.25;
  ckpt.metadata["params"] = "{\"learning_rate\": 0.05}";
  ckpt.save(path("half.safetensors"));

  auto resume = [&](bool restore_rng) {
    manual_seed(999);  // a different state that the checkpoint must replace
    Net second;
    auto [opt2, sched2] = make(second);
    Checkpoint c2(second, opt2.get(), sched2.get());
    if (!restore_rng) c2.generators.clear();
    c2.load(path("half.safetensors"));
    EXPECT_EQ(c2.epoch, kHalf - 1);
    EXPECT_EQ(c2.best_metric, 0.25);
    EXPECT_EQ(c2.metadata.at("params"), "{\"learning_rate\": 0.05}");
    EXPECT_EQ(opt2->param_groups()[0].lr(), opt1->param_groups()[0].lr());
    EXPECT_EQ(second.calls.item<int64_t>(), kHalf);
    std::vector<double> rest;
    for (int i = kHalf; i < kSteps; ++i) {
      rest.push_back(train_step(second, *opt2));
      sched2->step();
    }
    if (restore_rng) EXPECT_TRUE(same_state(full, second));
    return rest;
  };
  std::vector<double> rest = resume(true);
  for (int i = kHalf; i < kSteps; ++i) EXPECT_EQ(rest[i - kHalf], losses[i]) << "step " << i;  // bit for bit
  // The control: without the generator's state the batches differ, and so do the losses.
  std::vector<double> other = resume(false);
  EXPECT_NE(other[0], losses[kHalf]);
}

TEST_F(CheckpointTest, TrainingCheckpointLayout) {
  Net net;
  optim::SGD opt({net.parameters()}, {.lr = 0.1, .momentum = 0.9});
  optim::ReduceLROnPlateau sched(opt, {.patience = 2});
  train_step(net, opt);
  sched.step(0.5);
  Checkpoint ckpt(net, &opt, &sched);
  ckpt.epoch = 3;
  ckpt.metadata["git"] = "abc123";
  ckpt.save(path("ckpt.safetensors"));

  io::SafetensorsFile f = io::load_safetensors(path("ckpt.safetensors"));
  for (const char* k : {"model.fc1.weight", "model.fc2.bias", "model.calls", "optimizer.state.0.momentum_buffer",
                        "optimizer.state.3.momentum_buffer"})
    EXPECT_TRUE(f.tensors.count(k)) << k;
  EXPECT_EQ(f.metadata.at("ember.checkpoint"), "1");
  EXPECT_EQ(f.metadata.at("epoch"), "3");
  EXPECT_EQ(f.metadata.at("optimizer.type"), "SGD");
  EXPECT_EQ(f.metadata.at("scheduler.type"), "ReduceLROnPlateau");
  EXPECT_EQ(f.metadata.at("user.git"), "abc123");
  EXPECT_EQ(f.metadata.count("best_metric"), 0u);
  EXPECT_NE(f.metadata.at("optimizer.param_groups").find("\"params\": [0, 1, 2, 3]"), std::string::npos);
  EXPECT_NE(f.metadata.at("scheduler.state").find("\"best\": 0.5"), std::string::npos);
  EXPECT_EQ(f.metadata.at("rng.default.seed"), "7");
  EXPECT_EQ(f.metadata.at("rng.default.offset"), std::to_string(default_generator().offset()));

  Checkpoint::Info info = Checkpoint::read_info(path("ckpt.safetensors"));
  EXPECT_EQ(info.epoch, 3);
  EXPECT_FALSE(info.best_metric.has_value());
  EXPECT_EQ(info.metadata.at("git"), "abc123");

  // ember::load reads the model part of a training checkpoint.
  Net other;
  load(other, path("ckpt.safetensors"));
  EXPECT_TRUE(same_state(net, other));
}

// Every kind of mismatch is found before anything is assigned: model, optimizer, scheduler,
// generator and the Checkpoint's fields all stay as they were.
TEST_F(CheckpointTest, MismatchedTrainingCheckpointChangesNothing) {
  Net net;
  optim::Adam opt({{net.fc1->parameters()}, {net.fc2->parameters()}}, {.lr = 0.01});
  optim::StepLR sched(opt, 2);
  train_step(net, opt);
  sched.step();
  Checkpoint ckpt(net, &opt, &sched);
  ckpt.epoch = 1;
  ckpt.save(path("good.safetensors"));

  // Sanity: the good file loads into objects like the target's.
  {
    Net n3;
    optim::Adam o3({{n3.fc1->parameters()}, {n3.fc2->parameters()}}, {.lr = 0.5});
    optim::StepLR s3(o3, 9);
    Checkpoint(n3, &o3, &s3).load(path("good.safetensors"));
    EXPECT_TRUE(same_state(net, n3));
  }

  Net net2;
  optim::Adam opt2({{net2.fc1->parameters()}, {net2.fc2->parameters()}}, {.lr = 0.02});
  optim::StepLR sched2(opt2, 5);
  train_step(net2, opt2);
  train_step(net2, opt2);
  Checkpoint target(net2, &opt2, &sched2);
  target.epoch = 77;
  target.metadata["mine"] = "yes";
  const auto model_before = snapshot(net2);
  const std::string opt_before = opt2.state_dict().param_groups_json();
  const auto opt_state_before = opt2.state_dict().flat_tensors();
  const optim::Options sched_before = sched2.state_dict();
  const uint64_t offset_before = default_generator().offset();
  auto expect_nothing_changed = [&] {
    EXPECT_TRUE(unchanged(net2, model_before));
    EXPECT_EQ(opt2.state_dict().param_groups_json(), opt_before);
    auto now = opt2.state_dict().flat_tensors();
    ASSERT_EQ(now.size(), opt_state_before.size());
    for (size_t i = 0; i < now.size(); ++i) EXPECT_TRUE(bit_equal(now[i].second, opt_state_before[i].second));
    EXPECT_EQ(sched2.state_dict(), sched_before);
    EXPECT_EQ(default_generator().offset(), offset_before);
    EXPECT_EQ(target.epoch, 77);
    EXPECT_EQ(target.metadata.at("mine"), "yes");
  };
  // Rewrites good.safetensors with edited metadata / tensors (the data checksum recomputed where
  // the tensors change, so that the check under test is the one that fires).
  // An edited copy of the good checkpoint, re-sealed: it reaches the checks behind the checksum.
  auto variant = [&](const std::string& name, auto edit) {
    io::SafetensorsFile f = io::load_safetensors(path("good.safetensors"));
    edit(f);
    ember::testing::reseal(f);
    io::save_safetensors(path(name), f);
    return path(name);
  };


  expect_error([&] { target.load(variant("bad_sched.safetensors", [](auto& f) {
                   f.metadata["scheduler.state"] = "{\"last_epoch\": 1, \"base_lrs\": [0.1]}";  // 2 groups
                 })); },
               {"bad_sched.safetensors", "scheduler state"});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("sched_type.safetensors", [](auto& f) { f.metadata["scheduler.type"] = "CosineAnnealingLR"; })); },
               {"sched_type.safetensors", "CosineAnnealingLR scheduler, not of a StepLR"});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("opt_type.safetensors", [](auto& f) { f.metadata["optimizer.type"] = "SGD"; })); },
               {"SGD optimizer, not of a Adam"});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("groups.safetensors", [](auto& f) {
                   std::string& g = f.metadata["optimizer.param_groups"];
                   g = g.substr(0, g.find('}') + 1) + "]";  // the first group only
                 })); },
               {"groups.safetensors", "optimizer state", "1 parameter groups but the optimizer has 2"});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("state_shape.safetensors", [](auto& f) {
                   f.tensors["optimizer.state.1.exp_avg"] = zeros({3});
                 })); },
               {"state_shape.safetensors", "state 'exp_avg' of parameter 1 has shape (3)"});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("rng.safetensors", [](auto& f) { f.metadata["rng.default.offset"] = "-5"; })); },
               {"rng.safetensors", "rng.default.offset", "not an unsigned integer"});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("epoch.safetensors", [](auto& f) { f.metadata["epoch"] = "1.5"; })); },
               {"epoch.safetensors", "\"epoch\" is not an integer"});
  expect_nothing_changed();

  // Hostile metadata that is checksummed correctly (a file another tool wrote) is an error too.
  // Optimizer and scheduler state nested 100,000 deep (the JSON reader recursed per level and
  // overflowed the stack), a \u escape without four hex digits (std::stoul threw
  // std::invalid_argument, not an ember::Error), a negative epoch.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  expect_error([&] { target.load(variant("deep_groups.safetensors", [&](auto& f) { f.metadata["optimizer.param_groups"] = deep; })); },
               {"deep_groups.safetensors", "optimizer state", "nested more than 256 deep"});
  expect_nothing_changed();
  expect_error([&] { target.load(variant("deep_sched.safetensors", [&](auto& f) {
                   f.metadata["scheduler.state"] = "{\"last_epoch\": " + deep + "}";
                 })); },
               {"deep_sched.safetensors", "scheduler state", "nested more than 256 deep"});
  expect_nothing_changed();
  expect_error([&] { target.load(variant("escape.safetensors", [](auto& f) { f.metadata["scheduler.state"] = "{\"\\uZZ\": 1}"; })); },
               {"escape.safetensors", "scheduler state", "bad \\u escape"});
  expect_nothing_changed();
  expect_error([&] { target.load(variant("neg_epoch.safetensors", [](auto& f) { f.metadata["epoch"] = "-3"; })); },
               {"neg_epoch.safetensors", "\"epoch\" is -3", "must be >= 0"});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("model.safetensors", [](auto& f) {
                   f.tensors.erase("model.fc2.bias");
                 })); },
               {"model.safetensors", "Missing key(s) in state_dict: \"fc2.bias\""});
  expect_nothing_changed();

  expect_error([&] { target.load(variant("stray.safetensors", [](auto& f) {
                   f.tensors["scratch"] = zeros({1});
                 })); },
               {"unexpected tensor 'scratch'"});
  expect_nothing_changed();

  std::string bytes = read_bytes(path("good.safetensors"));
  bytes[bytes.size() - 1] ^= 1;
  write_bytes(path("flipped.safetensors"), bytes);
  expect_error([&] { target.load(path("flipped.safetensors")); }, {"flipped.safetensors", "checksum"});
  expect_nothing_changed();

  // The checksum covers the metadata too: a damaged value that still parses (a learning rate),
  // a damaged key, or a lost checksum key are corruption, not a different run.
  auto edited = [&](const std::string& name, auto edit) {  // not re-sealed
    io::SafetensorsFile f = io::load_safetensors(path("good.safetensors"));
    edit(f);
    io::save_safetensors(path(name), f);
    return path(name);
  };
  expect_error([&] { target.load(edited("lr.safetensors", [](auto& f) {
                   std::string& g = f.metadata["optimizer.param_groups"];
                   g.replace(g.find("\"lr\": "), 7, "\"lr\": 7");
                 })); },
               {"lr.safetensors", "the data and metadata do not match its checksum", "corrupt"});
  expect_nothing_changed();
  expect_error([&] { target.load(edited("key.safetensors", [](auto& f) {
                   f.metadata["user.noted"] = f.metadata.at("epoch");
                 })); },
               {"key.safetensors", "do not match its checksum"});
  expect_nothing_changed();
  expect_error([&] { target.load(edited("nosum.safetensors", [](auto& f) {
                   f.metadata["ember.checksun"] = f.metadata.at("ember.checksum");
                   f.metadata.erase("ember.checksum");
                 })); },
               {"nosum.safetensors", "__metadata__ has no \"ember.checksum\"", "corrupt"});
  expect_nothing_changed();
  expect_error([&] { target.load(edited("badsum.safetensors", [](auto& f) { f.metadata["ember.checksum"] = "crc:12"; })); },
               {"badsum.safetensors", "not a checksum ember writes"});
  expect_nothing_changed();
  {  // files written before the metadata was covered ("xxh64:" over the tensors) still load
    io::SafetensorsFile f = io::load_safetensors(path("good.safetensors"));
    f.metadata["ember.checksum"] = io::detail::tensors_checksum(f.tensors);
    io::save_safetensors(path("v1.safetensors"), f);
    const uint64_t seed = default_generator().seed(), offset = default_generator().offset();
    Net n4;  // (its initialisation draws from the default generator)
    optim::Adam o4({{n4.fc1->parameters()}, {n4.fc2->parameters()}}, {.lr = 0.5});
    optim::StepLR s4(o4, 9);
    Checkpoint(n4, &o4, &s4).load(path("v1.safetensors"));  // (restores the file's RNG state)
    EXPECT_TRUE(same_state(net, n4));
    default_generator().manual_seed(seed);
    default_generator().set_offset(offset);
    f.tensors.begin()->second = f.tensors.begin()->second.clone().add_(1);  // their data is still checked
    io::save_safetensors(path("v1_bad.safetensors"), f);
    expect_error([&] { target.load(path("v1_bad.safetensors")); }, {"v1_bad.safetensors", "the data does not match its checksum"});
    expect_nothing_changed();
  }

  save(net, path("plain.safetensors"));
  expect_error([&] { target.load(path("plain.safetensors")); }, {"not an ember training checkpoint"});
  expect_nothing_changed();

  // A checkpoint without optimizer state cannot restore an optimizer.
  Checkpoint(net).save(path("model_only.safetensors"));
  expect_error([&] { target.load(path("model_only.safetensors")); }, {"no \"optimizer.type\""});
  expect_nothing_changed();
}

// A writer killed (SIGKILL) at random moments while it rewrites the same checkpoint again and
// again never leaves a broken file: what is there always loads and is one complete version.
TEST_F(CheckpointTest, KilledWriterLeavesThePreviousCheckpointIntact) {
  struct Big : nn::Module {
    Tensor w;
    Big() : nn::Module("Big") { w = register_parameter("w", zeros({1 << 20})); }  // 4 MB
  };
  Big model;
  const std::string file = path("ckpt.safetensors");
  Checkpoint ckpt(model);
  ckpt.save(file);  // version 0
  int versions_seen = 0;
  for (int round = 0; round < 8; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {  // the writer: version v has every weight == v and epoch == v
      set_num_threads(1);
      float* w = model.w.data_ptr<float>();
      for (int v = 1;; ++v) {
        for (int64_t i = 0; i < model.w.numel(); ++i) w[i] = static_cast<float>(v);
        ckpt.epoch = v;
        ckpt.save(file);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 13 * round));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    Big loaded;
    Checkpoint reader(loaded);
    ASSERT_NO_THROW(reader.load(file)) << "round " << round;
    const float* w = loaded.w.data_ptr<float>();
    const float v = w[0];
    EXPECT_EQ(static_cast<int64_t>(v), reader.epoch) << "round " << round;
    bool consistent = true;
    for (int64_t i = 0; i < loaded.w.numel(); ++i) consistent = consistent && w[i] == v;
    EXPECT_TRUE(consistent) << "round " << round << ": a mix of versions";
    versions_seen += reader.epoch > 0;
  }
  int interrupted = 0;  // rounds killed mid-write leave a temporary file behind
  for (auto& e : fs::directory_iterator(dir_)) interrupted += e.path().filename().string().find(".tmp.") != std::string::npos;
  std::cout << "[ info ] " << versions_seen << " of 8 rounds found a newer version; " << interrupted
            << " writes were killed mid-way\n";
  EXPECT_GT(versions_seen, 0) << "the writer never completed a checkpoint; the test proved nothing";
  // Temporary files of killed writers are left behind; a Saver over the directory removes them.
}

TEST_F(CheckpointTest, SaverKeepsLastNAndBest) {
  Net net;
  Checkpoint ckpt(net);
  const std::string dir = path("run");
  {
    Saver saver(dir, /*max_to_keep=*/2, "max");
    EXPECT_FALSE(saver.latest_checkpoint());
    EXPECT_FALSE(saver.best_checkpoint());
    const double acc[] = {0.5, 0.7, 0.6, 0.65, 0.4};
    for (int step = 1; step <= 5; ++step) {
      net.fc1->bias.detach().fill_(static_cast<float>(step));
      ckpt.epoch = step;
      std::string p = saver.save(ckpt, step * 10, acc[step - 1]);
      EXPECT_EQ(p, (fs::path(dir) / ("ckpt-" + std::to_string(step * 10) + ".safetensors")).string());
    }
    EXPECT_EQ(saver.checkpoints(),
              (std::vector<std::string>{(fs::path(dir) / "ckpt-40.safetensors").string(),
                                        (fs::path(dir) / "ckpt-50.safetensors").string()}));
    EXPECT_EQ(*saver.latest_checkpoint(), (fs::path(dir) / "ckpt-50.safetensors").string());
    EXPECT_EQ(saver.best_metric(), 0.7);
    ASSERT_TRUE(saver.best_checkpoint());
    EXPECT_EQ(Checkpoint::read_info(*saver.best_checkpoint()).epoch, 2);  // kept although ckpt-20 was rotated out
  }
  std::vector<std::string> files;
  for (auto& e : fs::directory_iterator(dir)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"ckpt-40.safetensors", "ckpt-50.safetensors", "ckpt-best.safetensors"}));

  // A new Saver over the directory picks up where the last one stopped, and removes stale
  // temporary files.
  write_bytes((fs::path(dir) / "ckpt-60.safetensors.tmp.1234.0").string(), "partial");
  Saver again(dir, 2, "max");
  EXPECT_EQ(again.checkpoints().size(), 2u);
  EXPECT_EQ(again.best_metric(), 0.7);
  EXPECT_FALSE(fs::exists(fs::path(dir) / "ckpt-60.safetensors.tmp.1234.0"));
  ckpt.epoch = 6;
  again.save(ckpt, 60, 0.69);  // not better
  EXPECT_EQ(Checkpoint::read_info(*again.best_checkpoint()).epoch, 2);
  again.save(ckpt, 70, 0.9);
  EXPECT_EQ(Checkpoint::read_info(*again.best_checkpoint()).epoch, 6);
  EXPECT_EQ(again.checkpoints().size(), 2u);
  Net restored;
  load(restored, *again.best_checkpoint());
  EXPECT_TRUE(same_state(net, restored));

  Saver lower(path("loss"), 0, "min");
  for (int s = 0; s < 4; ++s) lower.save(ckpt, s, 1.0 - 0.1 * s);
  EXPECT_EQ(lower.checkpoints().size(), 4u);  // max_to_keep 0 keeps all
  EXPECT_NEAR(*lower.best_metric(), 0.7, 1e-12);
  EXPECT_THROW(Saver(path("x"), 2, "maximum"), Error);

  // The best checkpoint's metric lies outside the data checksum: a damaged one is an error (it
  // was read as 0), and "NaN" means no best yet (it made every later metric "not better").
  auto with_metric = [&](const std::string& value) {
    const std::string best = (fs::path(path("loss")) / "ckpt-best.safetensors").string();
    io::SafetensorsFile f = io::load_safetensors(best);
    f.metadata["user.saver.metric"] = value;
    io::save_safetensors(best, f);
  };
  with_metric("0.7x");
  expect_error([&] { Saver(path("loss"), 0, "min"); }, {"ckpt-best.safetensors", "\"user.saver.metric\" is not a number: \"0.7x\""});
  with_metric("NaN");
  Saver after_nan(path("loss"), 0, "min");
  EXPECT_FALSE(after_nan.best_metric().has_value());
  after_nan.save(ckpt, 9, 5.0);
  EXPECT_EQ(after_nan.best_metric(), 5.0);
  EXPECT_EQ(Checkpoint::read_info(*after_nan.best_checkpoint()).metadata.at("saver.metric"), "5");
}

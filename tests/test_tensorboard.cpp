// SummaryWriter: event files, scalars, histograms and the writer's behaviour (buffering,
// reopening, purge_step, threads, errors). Every record is decoded by the independent reader in
// support/event_reader.h (its own CRC32C, protoc-generated TensorBoard messages). Expected
// histogram buckets were computed with PyTorch 1.13's own summary code
// (torch/utils/tensorboard/summary.py make_histogram, numpy 1.24) and are embedded.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <ember/ember.h>
#include <ember/io/tensorboard.h>

#include "support/error_matchers.h"
#include "support/event_reader.h"

namespace fs = std::filesystem;
namespace pb = ::tensorboard;  // the protoc-generated messages
using namespace ember;
using namespace ember::testing::tb;
using ember::tensorboard::SummaryWriter;


// The test's own CRC against the published check value and FORMATS.md's vectors, so that
// the checks below rest on something known.
TEST(TensorBoard, ReaderCrcMatchesKnownVectors) {
  EXPECT_EQ(crc32c_bitwise("123456789"), 0xE3069283u);
  EXPECT_EQ(masked(std::string("\x1a\x11" "CRC test, one two", 19)), 0x5794D08Au);
  EXPECT_EQ(masked(""), 0xA282EAD8u);
}

TEST(TensorBoard, FileNameAndFirstRecord) {
  TempDir d;
  const double t0 = now();
  std::string path;
  {
    SummaryWriter w(d.str("run"));
    EXPECT_EQ(w.get_logdir(), d.str("run"));
    path = w.event_file();
  }
  const double t1 = now();
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string name = fs::path(path).filename().string();
  std::smatch m;
  ASSERT_TRUE(std::regex_match(name, m, std::regex(R"(events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+))"))) << name;
  EXPECT_EQ(m[2].str(), host);
  EXPECT_EQ(std::stoll(m[3].str()), getpid());
  EXPECT_NEAR(std::stod(m[1].str()), t0, 2.0);
  EXPECT_EQ(fs::path(path).parent_path(), fs::path(d.str("run")));

  auto events = read_events(path);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  EXPECT_EQ(events[0].step(), 0);
  EXPECT_GE(events[0].wall_time(), t0 - 1e-3);
  EXPECT_LE(events[0].wall_time(), t1 + 1e-3);
  // Framing of that record, byte for byte: payload = 09 <8-byte wall_time> 1A 0D "brain.Event:2".
  std::string b = slurp(path);
  ASSERT_EQ(b.size(), 12u + 24u + 4u);
  EXPECT_EQ(le(b, 0, 8), 24u);
  EXPECT_EQ(b.substr(12, 1), "\x09");
  EXPECT_EQ(b.substr(21, 15), std::string("\x1a\x0d" "brain.Event:2"));
}

TEST(TensorBoard, FileCounterIncreasesPerFile) {
  TempDir d;
  SummaryWriter a(d.str("a")), b(d.str("b"));
  auto counter = [](const std::string& p) { return std::stoll(p.substr(p.rfind('.') + 1)); };
  EXPECT_EQ(counter(b.event_file()), counter(a.event_file()) + 1);
}

TEST(TensorBoard, DefaultLogdirLikePyTorch) {
  fs::path cwd = fs::current_path();
  TempDir d;
  fs::create_directories(d.path());
  fs::current_path(d.path());
  std::string logdir;
  {
    SummaryWriter w("", {.comment = "_lr0.1"});
    logdir = w.get_logdir();
  }
  fs::current_path(cwd);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  EXPECT_TRUE(std::regex_match(logdir, std::regex(R"(runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_)" +
                                                  std::regex_replace(std::string(host), std::regex(R"([.\-])"), R"(\$&)") +
                                                  "_lr0\\.1")))
      << logdir;
  EXPECT_TRUE(fs::is_directory(d.path() / logdir));
}

TEST(TensorBoard, ScalarsWithStepsAndWallTime) {
  TempDir d;
  const std::vector<double> values = {0.5, -1.25, 3.14159265358979, 1e-8, 0.0};
  {
    SummaryWriter w(d.str());
    for (size_t i = 0; i < values.size(); ++i) w.add_scalar("loss/train", values[i], static_cast<int64_t>(i));
    w.add_scalar("lr", 0.1, 1000000000000LL, 1234.5);
    w.add_scalar("no_step", 7.0);
    w.add_scalar("from_tensor", tensor({2.5f}), 3);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), values.size() + 3);
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(ev[i].has_summary());
    ASSERT_EQ(ev[i].summary().value_size(), 1);
    const auto& v = ev[i].summary().value(0);
    EXPECT_EQ(v.tag(), "loss/train");
    EXPECT_EQ(v.value_case(), pb::Summary::Value::kSimpleValue);
    EXPECT_EQ(v.simple_value(), static_cast<float>(values[i]));  // float32, as PyTorch stores it
    EXPECT_EQ(ev[i].step(), static_cast<int64_t>(i));
    EXPECT_NEAR(ev[i].wall_time(), now(), 60.0);
  }
  EXPECT_EQ(ev[5].step(), 1000000000000LL);
  EXPECT_EQ(ev[5].wall_time(), 1234.5);
  EXPECT_FLOAT_EQ(ev[5].summary().value(0).simple_value(), 0.1f);
  EXPECT_EQ(ev[6].step(), 0);
  EXPECT_EQ(ev[6].summary().value(0).simple_value(), 7.0f);
  EXPECT_EQ(ev[7].summary().value(0).simple_value(), 2.5f);
  EXPECT_EQ(ev[7].step(), 3);
}

TEST(TensorBoard, NewStyleScalars) {
  TempDir d;
  {
    SummaryWriter w(d.str());
    w.add_scalar("a", 0.1, 1, std::nullopt, /*new_style=*/true);
    w.add_scalar("b", 0.1, 2, std::nullopt, /*new_style=*/true, /*double_precision=*/true);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 2u);
  const auto& a = ev[0].summary().value(0);
  EXPECT_EQ(a.metadata().plugin_data().plugin_name(), "scalars");
  ASSERT_TRUE(a.has_tensor());
  EXPECT_EQ(a.tensor().dtype(), pb::DT_FLOAT);
  EXPECT_EQ(a.tensor().tensor_shape().dim_size(), 0);
  ASSERT_EQ(a.tensor().float_val_size(), 1);
  EXPECT_EQ(a.tensor().float_val(0), 0.1f);
  const auto& b = ev[1].summary().value(0);
  EXPECT_EQ(b.tensor().dtype(), pb::DT_DOUBLE);
  ASSERT_EQ(b.tensor().double_val_size(), 1);
  EXPECT_EQ(b.tensor().double_val(0), 0.1);
}

TEST(TensorBoard, AddScalarsWritesOneRunPerKey) {
  TempDir d;
  {
    SummaryWriter w(d.str());
    for (int64_t s = 0; s < 3; ++s) w.add_scalars("loss/epoch", {{"train", 1.0 / (s + 1)}, {"val", 2.0 / (s + 1)}}, s);
    w.add_scalar("main_only", 1.0);
  }
  for (const char* key : {"train", "val"}) {
    fs::path dir = d.path() / (std::string("loss_epoch_") + key);
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    auto ev = summaries(event_file_in(dir));
    ASSERT_EQ(ev.size(), 3u) << key;
    const double scale = std::string(key) == "train" ? 1.0 : 2.0;
    for (int64_t s = 0; s < 3; ++s) {
      EXPECT_EQ(ev[s].summary().value(0).tag(), "loss/epoch");  // the main tag, not the key
      EXPECT_EQ(ev[s].summary().value(0).simple_value(), static_cast<float>(scale / (s + 1)));
      EXPECT_EQ(ev[s].step(), s);
    }
  }
  auto main_events = summaries(event_file_in(d.path()));
  ASSERT_EQ(main_events.size(), 1u);
  EXPECT_EQ(main_events[0].summary().value(0).tag(), "main_only");
}

// values = float32 [-2.5, -0.3, 0, 0, 0.1, 0.7, 1, 3, 10]; reference: PyTorch's make_histogram
// with SummaryWriter.default_bins.
TEST(TensorBoard, HistogramDefaultBinsMatchPyTorch) {
  TempDir d;
  Tensor v = tensor({-2.5f, -0.3f, 0.0f, 0.0f, 0.1f, 0.7f, 1.0f, 3.0f, 10.0f}).reshape({3, 3});
  {
    SummaryWriter w(d.str());
    w.add_histogram("weights", v, 7);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].step(), 7);
  const auto& val = ev[0].summary().value(0);
  EXPECT_EQ(val.tag(), "weights");
  ASSERT_TRUE(val.has_histo());
  const auto& h = val.histo();
  EXPECT_EQ(h.min(), -2.5);
  EXPECT_EQ(h.max(), 10.0);
  EXPECT_EQ(h.num(), 9.0);
  EXPECT_NEAR(h.sum(), 11.999999977648258, 1e-12);
  EXPECT_NEAR(h.sum_squares(), 116.83999999076129, 1e-11);
  ASSERT_EQ(h.bucket_limit_size(), 618);
  ASSERT_EQ(h.bucket_size(), 618);
  EXPECT_EQ(h.bucket_limit(0), -2.6170109961884593);
  EXPECT_EQ(h.bucket_limit(617), 10.931904393168884);
  // (index, right edge, count) of every populated bucket
  const std::vector<std::tuple<int, double, double>> populated = {
      {1, -2.379100905625872, 1},  {23, -0.29226296698161564, 1}, {302, 1e-12, 2},
      {568, 0.10243638697138786, 1}, {589, 0.7580548669750213, 1}, {592, 1.0089710279437536, 1},
      {604, 3.1665833053880363, 1}, {617, 10.931904393168884, 1}};
  size_t k = 0;
  for (int i = 0; i < h.bucket_size(); ++i) {
    if (h.bucket(i) == 0) continue;
    ASSERT_LT(k, populated.size()) << "unexpected populated bucket " << i;
    EXPECT_EQ(i, std::get<0>(populated[k]));
    EXPECT_EQ(h.bucket_limit(i), std::get<1>(populated[k]));
    EXPECT_EQ(h.bucket(i), std::get<2>(populated[k]));
    ++k;
  }
  EXPECT_EQ(k, populated.size());
  for (int i = 1; i < h.bucket_limit_size(); ++i) EXPECT_LT(h.bucket_limit(i - 1), h.bucket_limit(i));
}

TEST(TensorBoard, HistogramCountBinsAndMaxBinsMatchPyTorch) {
  TempDir d;
  Tensor v = tensor({-2.5f, -0.3f, 0.0f, 0.0f, 0.1f, 0.7f, 1.0f, 3.0f, 10.0f});
  Tensor ramp = arange(20, kFloat64) * 0.37 - 2;
  {
    SummaryWriter w(d.str());
    w.add_histogram("four", v, 0, 4);
    w.add_histogram("const", tensor({1.0, 1.0, 1.0}), 0, 3);
    w.add_histogram("merged", ramp, 0, 10, std::nullopt, 3);
    w.add_histogram("default50", v, 0, "tensorflow", std::nullopt, 50);
    w.add_histogram("edges", v, 0, std::vector<double>{-1.0, 0.0, 1.0, 2.0});
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 5u);
  auto limits = [](const pb::HistogramProto& h) {
    return std::vector<double>(h.bucket_limit().begin(), h.bucket_limit().end());
  };
  auto counts = [](const pb::HistogramProto& h) {
    return std::vector<double>(h.bucket().begin(), h.bucket().end());
  };
  const auto& four = ev[0].summary().value(0).histo();
  EXPECT_EQ(limits(four), (std::vector<double>{-2.5, 0.625, 3.75, 6.875, 10.0}));
  EXPECT_EQ(counts(four), (std::vector<double>{0, 5, 3, 0, 1}));
  const auto& cst = ev[1].summary().value(0).histo();
  EXPECT_EQ(limits(cst), (std::vector<double>{0.8333333333333333, 1.1666666666666665}));
  EXPECT_EQ(counts(cst), (std::vector<double>{0, 3}));
  const auto& merged = ev[2].summary().value(0).histo();
  EXPECT_EQ(limits(merged), (std::vector<double>{-2.0, 0.10899999999999999, 2.218, 4.327000000000001, 5.03}));
  EXPECT_EQ(counts(merged), (std::vector<double>{0, 6, 6, 6, 2}));
  const auto& d50 = ev[3].summary().value(0).histo();
  EXPECT_EQ(counts(d50), (std::vector<double>{0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 1}));
  ASSERT_EQ(d50.bucket_limit_size(), 23);
  EXPECT_EQ(d50.bucket_limit(0), -23.43350792918667);
  EXPECT_EQ(d50.bucket_limit(11), 1.6105100000000008e-12);
  EXPECT_EQ(d50.bucket_limit(22), 73.54438625107609);
  // numpy.histogram(v, [-1, 0, 1, 2]) = [1, 4, 1] (1.0 in [1,2]); -2.5, 3 and 10 fall outside.
  const auto& e = ev[4].summary().value(0).histo();
  EXPECT_EQ(limits(e), (std::vector<double>{-1.0, 0.0, 1.0, 2.0}));
  EXPECT_EQ(counts(e), (std::vector<double>{0, 1, 4, 1}));
  EXPECT_EQ(e.num(), 9.0);
}

TEST(TensorBoard, HistogramRaw) {
  TempDir d;
  {
    SummaryWriter w(d.str());
    w.add_histogram_raw("raw", -1, 4, 6, 9, 21, {0.0, 2.0, 4.0}, {1, 3, 2}, 5);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  const auto& h = ev[0].summary().value(0).histo();
  EXPECT_EQ(h.min(), -1);
  EXPECT_EQ(h.max(), 4);
  EXPECT_EQ(h.num(), 6);
  EXPECT_EQ(h.sum(), 9);
  EXPECT_EQ(h.sum_squares(), 21);
  EXPECT_EQ(h.bucket_size(), 3);
  EXPECT_EQ(h.bucket(1), 3);
  EXPECT_EQ(h.bucket_limit(2), 4.0);
}

TEST(TensorBoard, BufferedUntilFlushOrMaxQueue) {
  TempDir d;
  SummaryWriter w(d.str(), {.max_queue = 3});
  const std::string path = w.event_file();
  w.add_scalar("a", 1, 0);
  w.add_scalar("a", 2, 1);
  EXPECT_EQ(read_events(path).size(), 1u);  // only file_version reached the disk
  w.add_scalar("a", 3, 2);                  // the third pending event triggers a write
  EXPECT_EQ(read_events(path).size(), 4u);
  w.add_scalar("a", 4, 3);
  EXPECT_EQ(read_events(path).size(), 4u);
  w.flush();
  EXPECT_EQ(read_events(path).size(), 5u);
}

TEST(TensorBoard, BackgroundFlushAfterFlushSecs) {
  TempDir d;
  SummaryWriter w(d.str(), {.flush_secs = 0.05});
  const std::string path = w.event_file();
  w.add_scalar("a", 1, 0);
  size_t n = 0;
  for (int i = 0; i < 400 && n < 2; ++i) {  // up to 20 s on a very busy machine
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    n = read_events(path).size();
  }
  EXPECT_EQ(n, 2u);
}

TEST(TensorBoard, CloseThenWriteOpensANewFile) {
  TempDir d;
  SummaryWriter w(d.str());
  const std::string first = w.event_file();
  w.add_scalar("a", 1, 0);
  w.close();
  EXPECT_EQ(summaries(first).size(), 1u);
  EXPECT_EQ(w.event_file(), first);  // asking opens nothing
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path()), fs::directory_iterator()), 1);
  w.add_scalar("a", 2, 1);
  const std::string second = w.event_file();
  EXPECT_NE(first, second);
  w.close();
  auto ev = summaries(second);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].summary().value(0).simple_value(), 2.0f);
}

TEST(TensorBoard, PurgeStepRecords) {
  TempDir d;
  {
    SummaryWriter w(d.str(), {.purge_step = 40});
    w.add_scalar("a", 1, 40);
  }
  auto ev = read_events(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].file_version(), "brain.Event:2");
  EXPECT_EQ(ev[1].file_version(), "brain.Event:2");
  EXPECT_EQ(ev[1].step(), 40);
  ASSERT_TRUE(ev[2].has_session_log());
  EXPECT_EQ(ev[2].session_log().status(), pb::SessionLog::START);
  EXPECT_EQ(ev[2].step(), 40);
  EXPECT_EQ(ev[3].step(), 40);
}

TEST(TensorBoard, ConcurrentWritersKeepRecordsWhole) {
  TempDir d;
  {
    SummaryWriter w(d.str(), {.max_queue = 7});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&w, t] {
        for (int i = 0; i < 200; ++i) w.add_scalar("t" + std::to_string(t), i, i);
      });
    for (auto& th : threads) th.join();
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 800u);
  std::map<std::string, int> next;
  for (auto& e : ev) {
    const auto& v = e.summary().value(0);
    EXPECT_EQ(v.simple_value(), static_cast<float>(next[v.tag()]));  // per-thread order is kept
    EXPECT_EQ(e.step(), next[v.tag()]++);
  }
}

TEST(TensorBoard, MovedWriterKeepsWriting) {
  TempDir d;
  SummaryWriter a(d.str());
  a.add_scalar("x", 1, 0);
  SummaryWriter b = std::move(a);
  b.add_scalar("x", 2, 1);
  EXPECT_THROW(a.add_scalar("x", 3, 2), Error);
  b.close();
  EXPECT_EQ(summaries(event_file_in(d.path())).size(), 2u);
}

TEST(TensorBoard, BadInputsRaiseClearErrors) {
  TempDir d;
  fs::create_directories(d.path());
  {
    std::ofstream(d.path() / "file") << "x";
  }
  try {
    SummaryWriter w(d.str("file/run"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("file/run"), std::string::npos) << e.what();
  }

  SummaryWriter w(d.str("ok"));
  EXPECT_ERROR_CONTAINS("channels", w.add_image("i", zeros({3, 4, 2}), 0, std::nullopt, "HWC"));
  EXPECT_ERROR_CONTAINS("dataformats", w.add_image("i", zeros({3, 4}), 0, std::nullopt, "CHW"));
  EXPECT_ERROR_CONTAINS("exactly once", w.add_image("i", zeros({3, 4, 4}), 0, std::nullopt, "CHH"));
  EXPECT_ERROR_CONTAINS("dims", w.add_image("i", zeros({2, 3, 4, 4})));
  EXPECT_ERROR_CONTAINS("4 letters", w.add_images("i", zeros({3, 4, 4}), 0, std::nullopt, "CHW"));
  EXPECT_ERROR_CONTAINS("has 3 dims", w.add_images("i", zeros({3, 4, 4})));
  EXPECT_ERROR_CONTAINS("element 1", w.add_histogram("h", tensor({1.0f, NAN})));
  EXPECT_ERROR_CONTAINS("no element", w.add_histogram("h", zeros({0})));
  EXPECT_ERROR_CONTAINS("unknown bins 'auto'", w.add_histogram("h", ones({3}), 0, "auto"));
  EXPECT_ERROR_CONTAINS("increase", w.add_histogram("h", ones({3}), 0, std::vector<double>{1.0, 0.0}));
  EXPECT_ERROR_CONTAINS("no value lies inside", w.add_histogram("h", ones({3}), 0, std::vector<double>{5.0, 6.0}));
  EXPECT_ERROR_CONTAINS("pair up", w.add_histogram_raw("h", 0, 1, 1, 1, 1, {1.0, 2.0}, {1.0}));
  EXPECT_ERROR_CONTAINS("one-element", w.add_scalar("s", ones({2})));
  EXPECT_ERROR_CONTAINS("'a' given twice", w.add_hparams({{"a", 1}, {"a", 2}}, {}));
  EXPECT_ERROR_CONTAINS("domain of 'a'", w.add_hparams({{"a", 1}}, {}, {{"a", {"x"}}}));
  EXPECT_ERROR_CONTAINS("'b', which is not", w.add_hparams({{"a", 1}}, {}, {{"b", {1}}}));
  EXPECT_ERROR_CONTAINS("max_queue", SummaryWriter bad(d.str("q"), {.max_queue = 0}));
}

// Tags and hparams names are protobuf `string` fields: TensorBoard's reader rejects a record whose
// string is not UTF-8, and with it the rest of the event file. Non-UTF-8 names are refused (they
// were written); UTF-8 ones of every length round-trip.
TEST(TensorBoard, TagsMustBeUtf8) {
  TempDir d;
  {
    SummaryWriter w(d.str());
    for (const char* bad : {"loss\xff", "\xc0\xaf", "\xed\xa0\x80", "a\xe6\x8d", "\xf4\x90\x80\x80", "\x80"}) {
      EXPECT_ERROR_CONTAINS("TensorBoard tag '" + std::string(bad) + "' is not valid UTF-8", w.add_scalar(bad, 1.0, 0));
      EXPECT_ERROR_CONTAINS("is not valid UTF-8", w.add_text(bad, "x", 0));
      EXPECT_ERROR_CONTAINS("is not valid UTF-8", w.add_histogram(bad, ones({3}), 0));
    }
    EXPECT_ERROR_CONTAINS("TensorBoard hyperparameter '\xff' is not valid UTF-8", w.add_hparams({{"\xff", 1}}, {}));
    EXPECT_ERROR_CONTAINS("hyperparameter value", w.add_hparams({{"opt", "Ad\xffm"}}, {}));
    EXPECT_ERROR_CONTAINS("TensorBoard metric", w.add_hparams({{"lr", 0.1}}, {{"acc\xfe", 1.0}}));
    w.add_scalar("\xc3\xa9/\xe6\x8d\x9f\xe5\xa4\xb1/\xf0\x9f\x94\xa5", 2.0, 1);  // é/损失/🔥
  }
  auto ev = summaries(event_file_in(d.path()));  // the file parses: nothing bad was written
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].summary().value(0).tag(), "\xc3\xa9/\xe6\x8d\x9f\xe5\xa4\xb1/\xf0\x9f\x94\xa5");
}

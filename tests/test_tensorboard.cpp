// SummaryWriter: every record of every event file is decoded by an independent reader: the
// TFRecord framing and both masked CRC32Cs are checked with a bit-at-a-time CRC written here
// (the library uses a slicing-by-8 table), and each payload is parsed by real protobuf code
// that protoc generated from TensorBoard's message definitions (tests/proto). Expected
// histogram buckets and image pixels were computed with PyTorch 1.13's own summary code
// (torch/utils/tensorboard/summary.py make_histogram / image, numpy 1.24) and are embedded.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <ember/ember.h>
#include <ember/io/image.h>
#include <ember/io/tensorboard.h>
#include <ember/nn/module.h>

#include "support/error_matchers.h"
#include "event.pb.h"
#include "graph.pb.h"
#include "hparams.pb.h"
#include "summary.pb.h"

namespace fs = std::filesystem;
namespace pb = ::tensorboard;  // the protoc-generated messages
using namespace ember;
using ember::tensorboard::SummaryWriter;

namespace {

// ---- an independent TFRecord reader -------------------------------------------------------

uint32_t crc32c_bitwise(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : s) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}
uint32_t masked(const std::string& s) {
  uint32_t c = crc32c_bitwise(s);
  return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}
uint64_t le(const std::string& b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Every record of `path`, each with both CRCs checked and parsed as pb::Event.
std::vector<pb::Event> read_events(const fs::path& path) {
  std::string b = slurp(path);
  std::vector<pb::Event> out;
  size_t at = 0;
  while (at < b.size()) {
    EXPECT_GE(b.size() - at, 12u) << path << ": truncated header at byte " << at;
    if (b.size() - at < 12) break;
    uint64_t len = le(b, at, 8);
    EXPECT_EQ(le(b, at + 8, 4), masked(b.substr(at, 8))) << path << ": length CRC of record at byte " << at;
    EXPECT_GE(b.size() - at - 12, len + 4) << path << ": truncated payload at byte " << at;
    if (b.size() - at - 12 < len + 4) break;
    std::string payload = b.substr(at + 12, len);
    EXPECT_EQ(le(b, at + 12 + len, 4), masked(payload)) << path << ": payload CRC of record at byte " << at;
    pb::Event ev;
    EXPECT_TRUE(ev.ParseFromString(payload)) << path << ": record at byte " << at << " is not an Event";
    out.push_back(ev);
    at += 12 + len + 4;
  }
  return out;
}

// The single event file in `dir`.
fs::path event_file_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string().find("tfevents") != std::string::npos)
      files.push_back(e.path());
  EXPECT_EQ(files.size(), 1u) << "event files in " << dir;
  return files.empty() ? fs::path() : files[0];
}

// Summary events (skipping the file_version record), checking the first record is it.
std::vector<pb::Event> summaries(const fs::path& file) {
  auto events = read_events(file);
  EXPECT_FALSE(events.empty());
  if (events.empty()) return {};
  EXPECT_EQ(events[0].file_version(), "brain.Event:2");
  return std::vector<pb::Event>(events.begin() + 1, events.end());
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("ember_tb_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::string str(const std::string& sub = "") const { return (path_ / sub).string(); }

 private:
  fs::path path_;
  static inline int counter_ = 0;
};

double now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::vector<int64_t> pixels(const Tensor& t) {
  Tensor c = t.contiguous();
  const uint8_t* p = c.data_ptr<uint8_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

}  // namespace

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

// x = arange(24).reshape(3,2,4) / 20 - 0.1 (float32, CHW); PyTorch stores
// (HWC * 255).clip(0, 255).astype(uint8) as PNG.
TEST(TensorBoard, ImageChwFloatMatchesPyTorch) {
  TempDir d;
  Tensor x = arange(24, kFloat32).reshape({3, 2, 4}) / 20 - 0.1;
  {
    SummaryWriter w(d.str());
    w.add_image("img", x, 2);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  const auto& v = ev[0].summary().value(0);
  EXPECT_EQ(v.tag(), "img");
  ASSERT_TRUE(v.has_image());
  EXPECT_EQ(v.image().height(), 2);
  EXPECT_EQ(v.image().width(), 4);
  EXPECT_EQ(v.image().colorspace(), 3);
  const std::string& png = v.image().encoded_image_string();
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  Tensor decoded = io::decode_image(std::vector<uint8_t>(png.begin(), png.end()), "summary image");
  EXPECT_EQ(decoded.sizes(), (Shape{2, 4, 3}));
  EXPECT_EQ(pixels(decoded), (std::vector<int64_t>{0, 76, 178, 0, 89, 191, 0, 102, 203, 12, 114, 216,
                                                   25, 127, 229, 38, 140, 242, 51, 152, 255, 63, 165, 255}));
}

TEST(TensorBoard, ImageHwcUint8GreyAndRgba) {
  TempDir d;
  std::vector<uint8_t> rgba;
  for (int i = 0; i < 2 * 3 * 4; ++i) rgba.push_back(static_cast<uint8_t>(i * 10));
  Tensor hwc = tensor(rgba, {2, 3, 4});
  Tensor grey = tensor(std::vector<float>{0.0f, 0.5f, 1.0f, 0.25f}, {1, 2, 2});
  Tensor hw = tensor(std::vector<uint8_t>{1, 2, 3, 4, 5, 6}, {3, 2});
  {
    SummaryWriter w(d.str());
    w.add_image("rgba", hwc, 0, std::nullopt, "HWC");
    w.add_image("grey", grey, 1);
    w.add_image("hw", hw, 2, std::nullopt, "WH");  // transposed: (2,3) picture
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 3u);
  auto decode = [](const pb::Summary::Value& v) {
    const std::string& s = v.image().encoded_image_string();
    return io::decode_image(std::vector<uint8_t>(s.begin(), s.end()), v.tag());
  };
  const auto& a = ev[0].summary().value(0);
  EXPECT_EQ(a.image().colorspace(), 4);
  EXPECT_EQ(pixels(decode(a)), std::vector<int64_t>(rgba.begin(), rgba.end()));
  const auto& g = ev[1].summary().value(0);
  EXPECT_EQ(g.image().colorspace(), 3);  // grey becomes RGB, as PyTorch's convert_to_HWC does
  EXPECT_EQ(pixels(decode(g)), (std::vector<int64_t>{0, 0, 0, 127, 127, 127, 255, 255, 255, 63, 63, 63}));
  const auto& t = ev[2].summary().value(0);
  EXPECT_EQ(t.image().height(), 2);
  EXPECT_EQ(t.image().width(), 3);
  Tensor td = decode(t);
  EXPECT_EQ(td.sizes(), (Shape{2, 3, 3}));
  EXPECT_EQ(pixels(td.index({Slice(), Slice(), 0})), (std::vector<int64_t>{1, 3, 5, 2, 4, 6}));
}

// add_images tiles 10 (1,2,2) images into 2 rows of 8 without padding; empty cells are black.
TEST(TensorBoard, AddImagesGrid) {
  TempDir d;
  Tensor batch = (arange(40, kInt64).reshape({10, 1, 2, 2}) + 1).to(kUInt8);  // uint8: stored as is
  {
    SummaryWriter w(d.str());
    w.add_images("batch", batch, 0);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  const auto& v = ev[0].summary().value(0);
  EXPECT_EQ(v.image().height(), 4);
  EXPECT_EQ(v.image().width(), 16);
  EXPECT_EQ(v.image().colorspace(), 3);
  const std::string& s = v.image().encoded_image_string();
  Tensor img = io::decode_image(std::vector<uint8_t>(s.begin(), s.end()), "grid");
  ASSERT_EQ(img.sizes(), (Shape{4, 16, 3}));
  Tensor c = img.contiguous();
  const uint8_t* p = c.data_ptr<uint8_t>();
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 16; ++x) {
      const int64_t k = (y / 2) * 8 + x / 2;  // which image
      const int64_t expect = k < 10 ? k * 4 + (y % 2) * 2 + (x % 2) + 1 : 0;
      for (int ch = 0; ch < 3; ++ch) EXPECT_EQ(p[(y * 16 + x) * 3 + ch], expect) << y << "," << x;
    }
}

TEST(TensorBoard, Text) {
  TempDir d;
  const std::string text = "**lr** = 0.1\n\nüñí ✓";
  {
    SummaryWriter w(d.str());
    w.add_text("notes", text, 4);
  }
  auto ev = summaries(event_file_in(d.path()));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].step(), 4);
  const auto& v = ev[0].summary().value(0);
  EXPECT_EQ(v.tag(), "notes/text_summary");
  EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "text");
  EXPECT_EQ(v.metadata().plugin_data().content(), "");
  ASSERT_TRUE(v.has_tensor());
  EXPECT_EQ(v.tensor().dtype(), pb::DT_STRING);
  ASSERT_EQ(v.tensor().tensor_shape().dim_size(), 1);
  EXPECT_EQ(v.tensor().tensor_shape().dim(0).size(), 1);
  ASSERT_EQ(v.tensor().string_val_size(), 1);
  EXPECT_EQ(v.tensor().string_val(0), text);
}

namespace {
pb::hparams::HParamsPluginData plugin_data_of(const pb::Summary::Value& v) {
  EXPECT_EQ(v.metadata().plugin_data().plugin_name(), "hparams");
  pb::hparams::HParamsPluginData pd;
  EXPECT_TRUE(pd.ParseFromString(v.metadata().plugin_data().content()));
  EXPECT_EQ(pd.version(), 0);
  return pd;
}
}  // namespace

TEST(TensorBoard, HParamsAsPyTorchWritesThem) {
  TempDir d;
  {
    SummaryWriter w(d.str());
    w.add_hparams({{"lr", 0.01}, {"batch_size", 64}, {"optimizer", "adam"}, {"augment", true}},
                  {{"hparam/accuracy", 0.93}, {"hparam/loss", 0.21}},
                  {{"optimizer", {"adam", "sgd"}}, {"batch_size", {32, 64}}}, "trial_1");
  }
  fs::path run = d.path() / "trial_1";
  auto ev = summaries(event_file_in(run));
  ASSERT_EQ(ev.size(), 5u);

  const auto& exp_v = ev[0].summary().value(0);
  EXPECT_EQ(exp_v.tag(), "_hparams_/experiment");
  EXPECT_EQ(exp_v.value_case(), pb::Summary::Value::VALUE_NOT_SET);
  auto exp_pd = plugin_data_of(exp_v);
  ASSERT_TRUE(exp_pd.has_experiment());
  const auto& exp = exp_pd.experiment();
  ASSERT_EQ(exp.hparam_infos_size(), 4);
  EXPECT_EQ(exp.hparam_infos(0).name(), "lr");
  EXPECT_EQ(exp.hparam_infos(0).type(), pb::hparams::DATA_TYPE_FLOAT64);
  EXPECT_FALSE(exp.hparam_infos(0).has_domain_discrete());
  EXPECT_EQ(exp.hparam_infos(1).name(), "batch_size");
  EXPECT_EQ(exp.hparam_infos(1).type(), pb::hparams::DATA_TYPE_FLOAT64);
  ASSERT_TRUE(exp.hparam_infos(1).has_domain_discrete());
  ASSERT_EQ(exp.hparam_infos(1).domain_discrete().values_size(), 2);
  EXPECT_EQ(exp.hparam_infos(1).domain_discrete().values(0).number_value(), 32);
  EXPECT_EQ(exp.hparam_infos(2).name(), "optimizer");
  EXPECT_EQ(exp.hparam_infos(2).type(), pb::hparams::DATA_TYPE_STRING);
  ASSERT_EQ(exp.hparam_infos(2).domain_discrete().values_size(), 2);
  EXPECT_EQ(exp.hparam_infos(2).domain_discrete().values(1).string_value(), "sgd");
  EXPECT_EQ(exp.hparam_infos(3).type(), pb::hparams::DATA_TYPE_BOOL);
  ASSERT_EQ(exp.metric_infos_size(), 2);
  EXPECT_EQ(exp.metric_infos(0).name().tag(), "hparam/accuracy");
  EXPECT_EQ(exp.metric_infos(0).name().group(), "");
  EXPECT_EQ(exp.metric_infos(1).name().tag(), "hparam/loss");

  const auto& ssi_v = ev[1].summary().value(0);
  EXPECT_EQ(ssi_v.tag(), "_hparams_/session_start_info");
  auto ssi_pd = plugin_data_of(ssi_v);
  ASSERT_TRUE(ssi_pd.has_session_start_info());
  const auto& hp = ssi_pd.session_start_info().hparams();
  ASSERT_EQ(hp.size(), 4u);
  EXPECT_EQ(hp.at("lr").number_value(), 0.01);
  EXPECT_EQ(hp.at("batch_size").number_value(), 64);
  EXPECT_EQ(hp.at("optimizer").string_value(), "adam");
  EXPECT_EQ(hp.at("augment").kind_case(), google::protobuf::Value::kBoolValue);
  EXPECT_TRUE(hp.at("augment").bool_value());

  const auto& sei_v = ev[2].summary().value(0);
  EXPECT_EQ(sei_v.tag(), "_hparams_/session_end_info");
  auto sei_pd = plugin_data_of(sei_v);
  ASSERT_TRUE(sei_pd.has_session_end_info());
  EXPECT_EQ(sei_pd.session_end_info().status(), pb::hparams::STATUS_SUCCESS);

  EXPECT_EQ(ev[3].summary().value(0).tag(), "hparam/accuracy");
  EXPECT_EQ(ev[3].summary().value(0).simple_value(), 0.93f);
  EXPECT_EQ(ev[4].summary().value(0).tag(), "hparam/loss");
  EXPECT_EQ(ev[4].summary().value(0).simple_value(), 0.21f);

  // The main run holds only its file_version record.
  EXPECT_TRUE(summaries(event_file_in(d.path())).empty());
}

TEST(TensorBoard, HParamsDefaultRunNameIsTheTime) {
  TempDir d;
  const double t0 = now();
  {
    SummaryWriter w(d.str());
    w.add_hparams({{"lr", 0.1}}, {{"acc", 1.0}}, {}, "", 12);
  }
  std::vector<fs::path> runs;
  for (auto& e : fs::directory_iterator(d.path()))
    if (e.is_directory()) runs.push_back(e.path());
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_NEAR(std::stod(runs[0].filename().string()), t0, 5.0);
  auto ev = summaries(event_file_in(runs[0]));
  ASSERT_EQ(ev.size(), 4u);
  for (auto& e : ev) EXPECT_EQ(e.step(), 12);
}

TEST(TensorBoard, GraphOfAutogradOps) {
  TempDir d;
  Tensor w = tensor({0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.5f}, {2, 3}).requires_grad_();
  Tensor b = tensor({0.1f, 0.2f}).requires_grad_();
  Tensor x = tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f, 1.0f, 2.0f, 3.0f}, {4, 1, 3});
  Tensor y = ((x * w).sum({2}) + b).relu().sum();  // a linear layer x w^T + b, then relu and sum
  {
    SummaryWriter sw(d.str());
    sw.add_graph(y, {{"fc1.weight", w}, {"fc1.bias", b}});
  }
  auto events = read_events(event_file_in(d.path()));
  ASSERT_EQ(events.size(), 2u);
  ASSERT_EQ(events[1].what_case(), pb::Event::kGraphDef);
  pb::GraphDef g;
  ASSERT_TRUE(g.ParseFromString(events[1].graph_def()));
  EXPECT_EQ(g.versions().producer(), 22);
  std::map<std::string, const pb::NodeDef*> by_name;
  for (const auto& n : g.node()) {
    EXPECT_TRUE(by_name.emplace(n.name(), &n).second) << "duplicate node " << n.name();
    EXPECT_TRUE(std::regex_match(n.name(), std::regex(R"([A-Za-z0-9.][A-Za-z0-9_>./]*)"))) << n.name();
    for (const auto& in : n.input()) EXPECT_TRUE(by_name.count(in)) << n.name() << " uses " << in << " before it";
    ASSERT_TRUE(n.attr().count("_output_shapes")) << n.name();
  }
  auto shape_of = [&](const std::string& name) {
    const auto& l = by_name.at(name)->attr().at("_output_shapes").list();
    EXPECT_EQ(l.shape_size(), 1);
    Shape s;
    for (const auto& dim : l.shape(0).dim()) s.push_back(dim.size());
    return s;
  };
  ASSERT_TRUE(by_name.count("fc1/weight"));
  ASSERT_TRUE(by_name.count("fc1/bias"));
  EXPECT_EQ(by_name["fc1/weight"]->op(), "Parameter");
  EXPECT_EQ(shape_of("fc1/weight"), (Shape{2, 3}));
  EXPECT_EQ(shape_of("fc1/bias"), (Shape{2}));
  ASSERT_TRUE(by_name.count("output"));
  const auto& out = *by_name["output"];
  ASSERT_EQ(out.input_size(), 1);
  EXPECT_EQ(shape_of("output"), Shape{});
  // output <- Sum <- Relu <- Add(.., fc1/bias) <- ... <- fc1/weight
  const auto* sum = by_name.at(out.input(0));
  EXPECT_EQ(sum->op(), "Sum");
  ASSERT_EQ(sum->input_size(), 1);
  const auto* relu = by_name.at(sum->input(0));
  EXPECT_EQ(relu->op(), "Relu");
  EXPECT_EQ(shape_of(relu->name()), (Shape{4, 2}));
  // The bias add uses the bias and sits in fc1's group.
  const auto* add = by_name.at(relu->input(0));
  EXPECT_EQ(add->name().rfind("fc1/", 0), 0u) << add->name();
  EXPECT_TRUE(std::find(add->input().begin(), add->input().end(), "fc1/bias") != add->input().end());
  // Walking inputs from the output reaches the weight.
  std::vector<std::string> stack{"output"};
  std::set<std::string> seen;
  while (!stack.empty()) {
    std::string n = stack.back();
    stack.pop_back();
    if (!seen.insert(n).second) continue;
    for (const auto& in : by_name.at(n)->input()) stack.push_back(in);
  }
  EXPECT_TRUE(seen.count("fc1/weight"));
  EXPECT_EQ(seen.size(), by_name.size());
}

namespace {
// x:(N,3) -> (N,2): x w^T + b with w:(2,3), b:(2), written with mul and sum.
struct TinyLinear : nn::Module {
  TinyLinear() : nn::Module("TinyLinear") {
    register_parameter("weight", tensor({0.5f, -1.0f, 2.0f, 0.25f, 1.5f, -0.5f}, {2, 3}));
    register_parameter("bias", tensor({0.1f, 0.2f}));
  }
  Tensor forward(const Tensor& x) override {
    auto p = named_parameters(false);
    return (x.unsqueeze(1) * p[0].second).sum({2}) + p[1].second;
  }
};
struct TinyNet : nn::Module {
  TinyNet() : nn::Module("TinyNet") {
    fc1 = register_module("fc1", std::make_shared<TinyLinear>());
  }
  Tensor forward(const Tensor& x) override { return fc1->forward(x).relu(); }
  std::shared_ptr<TinyLinear> fc1;
};
}  // namespace

TEST(TensorBoard, GraphOfAModule) {
  TempDir d;
  TinyNet net;
  {
    SummaryWriter w(d.str());
    {
      NoGradGuard no_grad;  // add_graph records the forward even inside no_grad
      w.add_graph(net, ones({4, 3}));
    }
  }
  auto events = read_events(event_file_in(d.path()));
  ASSERT_EQ(events.size(), 2u);
  pb::GraphDef g;
  ASSERT_TRUE(g.ParseFromString(events[1].graph_def()));
  std::set<std::string> names, ops;
  for (const auto& n : g.node()) {
    names.insert(n.name());
    ops.insert(n.op());
  }
  EXPECT_TRUE(names.count("fc1/weight"));
  EXPECT_TRUE(names.count("fc1/bias"));
  EXPECT_TRUE(names.count("output"));
  EXPECT_TRUE(ops.count("Relu"));
  EXPECT_TRUE(ops.count("Parameter"));
}

TEST(TensorBoard, GraphWithoutAutogradIsAnError) {
  TempDir d;
  SummaryWriter w(d.str());
  EXPECT_THROW(w.add_graph(ones({2, 2}).sum()), Error);
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

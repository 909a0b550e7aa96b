// Datasets read from files: IDX (MNIST/Fashion-MNIST), CIFAR-10. Fixtures are written here
// into a temp dir; one test reads Debian's Fashion-MNIST when it is installed.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include <ember/data/dataloader.h>
#include <ember/data/datasets/cifar10.h>
#include <ember/data/datasets/image_folder.h>
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
using ember::testing::crc32;
using ember::testing::error_of;
using ember::testing::put_be32;
using ember::testing::TempDir;
using ember::testing::to_vec;
using ember::testing::write_bytes;
using ember::testing::write_text;

namespace {

// An IDX image file of n 28x28 images, pixel (i, r, c) = (i * 31 + r * 3 + c) % 256.
std::vector<uint8_t> idx_images(uint32_t n) {
  std::vector<uint8_t> b;
  put_be32(b, 0x00000803);
  put_be32(b, n);
  put_be32(b, 28);
  put_be32(b, 28);
  for (uint32_t i = 0; i < n; ++i)
    for (int r = 0; r < 28; ++r)
      for (int c = 0; c < 28; ++c) b.push_back(static_cast<uint8_t>((i * 31 + r * 3 + c) % 256));
  return b;
}

std::vector<uint8_t> idx_labels(const std::vector<uint8_t>& labels) {
  std::vector<uint8_t> b;
  put_be32(b, 0x00000801);
  put_be32(b, static_cast<uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

// A gzip file holding `data` in stored (uncompressed) deflate blocks (RFC 1951/1952).
std::vector<uint8_t> gzip_stored(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> g = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  size_t at = 0;
  do {
    size_t n = std::min<size_t>(65535, data.size() - at);
    bool last = at + n == data.size();
    g.push_back(last ? 1 : 0);
    g.push_back(static_cast<uint8_t>(n & 0xff));
    g.push_back(static_cast<uint8_t>(n >> 8));
    g.push_back(static_cast<uint8_t>(~n & 0xff));
    g.push_back(static_cast<uint8_t>((~n >> 8) & 0xff));
    g.insert(g.end(), data.begin() + static_cast<std::ptrdiff_t>(at), data.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  } while (at < data.size());
  uint32_t crc = crc32(data), size = static_cast<uint32_t>(data.size());
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<uint8_t>(crc >> s));
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<uint8_t>(size >> s));
  return g;
}

// A CIFAR record: label, then R, G, B planes with value (plane * 50 + i + label) % 256.
void cifar_record(std::vector<uint8_t>& b, uint8_t label) {
  b.push_back(label);
  for (int p = 0; p < 3; ++p)
    for (int i = 0; i < 1024; ++i) b.push_back(static_cast<uint8_t>((p * 50 + i + label) % 256));
}

}  // namespace

TEST(Idx, ReadsPlainAndGzippedFiles) {
  TempDir dir;
  write_bytes(dir.path / "train-images-idx3-ubyte", idx_images(3));
  write_bytes(dir.path / "train-labels-idx1-ubyte.gz", gzip_stored(idx_labels({4, 0, 9})));
  Tensor imgs = read_idx(dir.str("train-images-idx3-ubyte"));
  EXPECT_EQ(imgs.shape(), (Shape{3, 28, 28}));
  EXPECT_EQ(imgs.dtype(), kUInt8);
  EXPECT_EQ(imgs.index({2, 1, 5}).item<int64_t>(), (2 * 31 + 3 + 5) % 256);
  EXPECT_EQ(to_vec(read_idx(dir.str("train-labels-idx1-ubyte.gz"))), (std::vector<int64_t>{4, 0, 9}));
  // Other element types are big-endian: int16 (0x0B) 2-D, float32 (0x0D).
  std::vector<uint8_t> i16 = {0, 0, 0x0B, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00};
  write_bytes(dir.path / "a.idx", i16);
  EXPECT_EQ(to_vec(read_idx(dir.str("a.idx"))), (std::vector<int64_t>{-2, 256}));
  std::vector<uint8_t> f32 = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0xC0, 0, 0};  // 1.5f
  write_bytes(dir.path / "f.idx", f32);
  EXPECT_FLOAT_EQ(read_idx(dir.str("f.idx")).index({0}).item<float>(), 1.5f);
}

TEST(Idx, BadFilesNameTheFileAndTheByte) {
  TempDir dir;
  auto imgs = idx_images(2);
  write_bytes(dir.path / "cut", std::vector<uint8_t>(imgs.begin(), imgs.begin() + 1000));
  std::string m = error_of([&] { read_idx(dir.str("cut")); });
  EXPECT_NE(m.find("cut: truncated: expected 1584 bytes (16-byte header + 2 x 28 x 28 uint8) but the data ends at byte 1000"),
            std::string::npos) << m;
  write_bytes(dir.path / "cuthdr", std::vector<uint8_t>(imgs.begin(), imgs.begin() + 10));
  m = error_of([&] { read_idx(dir.str("cuthdr")); });
  EXPECT_NE(m.find("truncated at byte 10"), std::string::npos) << m;
  auto bad = imgs;
  bad[0] = 0x12;
  write_bytes(dir.path / "magic", bad);
  m = error_of([&] { read_idx(dir.str("magic")); });
  EXPECT_NE(m.find("magic: bad magic 0x12000803 at byte 0"), std::string::npos) << m;
  auto longer = imgs;
  longer.push_back(7);
  write_bytes(dir.path / "long", longer);
  m = error_of([&] { read_idx(dir.str("long")); });
  EXPECT_NE(m.find("1 unexpected bytes after the data, from byte 1584"), std::string::npos) << m;
  auto gz = gzip_stored(imgs);
  write_bytes(dir.path / "cut.gz", std::vector<uint8_t>(gz.begin(), gz.begin() + 500));
  m = error_of([&] { read_idx(dir.str("cut.gz")); });
  EXPECT_NE(m.find("cut.gz: truncated gzip data"), std::string::npos) << m;
  m = error_of([&] { read_idx(dir.str("absent")); });
  EXPECT_NE(m.find("cannot open"), std::string::npos) << m;
}

// Dimensions whose product overflows: 65536^4 uint8 wrapped to 0 elements, so a 20-byte file
// passed the size check and read_idx returned a tensor of 2^64 "elements"; 65536^3 x 8192
// float64 crashed copying.
TEST(Idx, DimensionsThatOverflowAreErrors) {
  TempDir dir;
  auto header = [](uint8_t type, std::vector<uint32_t> dims) {
    std::vector<uint8_t> b = {0, 0, type, static_cast<uint8_t>(dims.size())};
    for (uint32_t d : dims) put_be32(b, d);
    return b;
  };
  write_bytes(dir.path / "u8", header(0x08, {65536, 65536, 65536, 65536}));
  std::string m = error_of([&] { read_idx(dir.str("u8")); });
  EXPECT_NE(m.find("u8: the dimensions 65536 x 65536 x 65536 x 65536 (uint8) overflow a 64-bit size"), std::string::npos)
      << m;
  write_bytes(dir.path / "f64", header(0x0E, {65536, 65536, 65536, 8192}));
  m = error_of([&] { read_idx(dir.str("f64")); });
  EXPECT_NE(m.find("(float64) overflow a 64-bit size: the header (bytes 4 to 20) is corrupt"), std::string::npos) << m;
  // A zero dimension makes an empty tensor, unless the others overflow its strides.
  write_bytes(dir.path / "zero", header(0x08, {0, 0xFFFFFFFF, 0xFFFFFFFF}));
  m = error_of([&] { read_idx(dir.str("zero")); });
  EXPECT_NE(m.find("overflow a 64-bit size"), std::string::npos) << m;
  write_bytes(dir.path / "empty", header(0x08, {0, 65536, 65536}));
  EXPECT_EQ(read_idx(dir.str("empty")).shape(), (Shape{0, 65536, 65536}));
  // The largest sizes that fit still get the plain truncation error, without allocating.
  write_bytes(dir.path / "big", header(0x08, {0xFFFFFFFF, 0x7FFFFFFF}));
  m = error_of([&] { read_idx(dir.str("big")); });
  EXPECT_NE(m.find("truncated: expected 9223372030412324877 bytes"), std::string::npos) << m;
}

// Concatenated gzip members are one stream (as gzip and Python read them); zero padding after
// the last member is allowed; other trailing bytes were silently ignored and are now an error.
TEST(Idx, GzipMembersAndTrailingBytes) {
  TempDir dir;
  auto labels = idx_labels({4, 0, 9});
  std::vector<uint8_t> head(labels.begin(), labels.begin() + 5), tail(labels.begin() + 5, labels.end());
  auto two = gzip_stored(head), second = gzip_stored(tail);
  two.insert(two.end(), second.begin(), second.end());
  write_bytes(dir.path / "two.gz", two);
  EXPECT_EQ(to_vec(read_idx(dir.str("two.gz"))), (std::vector<int64_t>{4, 0, 9}));
  auto padded = gzip_stored(labels);
  padded.resize(padded.size() + 16, 0);
  write_bytes(dir.path / "padded.gz", padded);
  EXPECT_EQ(to_vec(read_idx(dir.str("padded.gz"))), (std::vector<int64_t>{4, 0, 9}));
  auto junk = gzip_stored(labels);
  const size_t at = junk.size();
  for (char c : std::string("junk")) junk.push_back(static_cast<uint8_t>(c));
  write_bytes(dir.path / "junk.gz", junk);
  std::string m = error_of([&] { read_idx(dir.str("junk.gz")); });
  EXPECT_NE(m.find("junk.gz: 4 bytes after the end of the gzip data, from byte " + std::to_string(at)), std::string::npos)
      << m;
}

TEST(MNIST, LoadsNormalisesAndBatches) {
  TempDir dir;
  write_bytes(dir.path / "t10k-images-idx3-ubyte.gz", gzip_stored(idx_images(5)));
  write_bytes(dir.path / "t10k-labels-idx1-ubyte", idx_labels({1, 2, 3, 4, 5}));
  auto ds = std::make_shared<MNIST>(dir.str(), MNIST::Test, MNIST::Options{{0.5}, {0.25}});
  ASSERT_EQ(ds->size(), 5);
  Example e = ds->get(3);
  EXPECT_EQ(e.data.shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(e.target.item<int64_t>(), 4);
  // pixel (3, 2, 7) = (93 + 6 + 7) % 256 = 106 -> (106/255 - 0.5) / 0.25
  EXPECT_NEAR(e.data.index({0, 2, 7}).item<double>(), (106.0 / 255.0 - 0.5) / 0.25, 1e-6);
  // The loader's fast path gives the same values as get().
  DataLoader loader(ds, {.batch_size = 2});
  auto it = loader.begin();
  ++it;
  EXPECT_TRUE(it->data.select(0, 1).equal(e.data));
  EXPECT_EQ(to_vec(it->target), (std::vector<int64_t>{3, 4}));
  // Holding the images costs one byte per pixel.
  EXPECT_EQ(ds->images().dtype(), kUInt8);

  // A transform turns the fast path off and is applied per sample.
  auto flipped = std::make_shared<MNIST>(dir.str(), MNIST::Test,
                                         MNIST::Options{{0.0}, {1.0}, [](const Tensor& x) { return x * 0.0; }});
  DataLoader l2(flipped, {.batch_size = 5});
  EXPECT_TRUE((*l2.begin()).data.equal(zeros({5, 1, 28, 28})));
}

TEST(MNIST, MismatchedAndMissingFiles) {
  TempDir dir;
  write_bytes(dir.path / "train-images-idx3-ubyte", idx_images(3));
  write_bytes(dir.path / "train-labels-idx1-ubyte", idx_labels({1, 2}));
  std::string m = error_of([&] { MNIST(dir.str(), MNIST::Train); });
  EXPECT_NE(m.find("holds 3 images but"), std::string::npos) << m;
  write_bytes(dir.path / "train-labels-idx1-ubyte", idx_labels({1, 12, 3}));
  m = error_of([&] { MNIST(dir.str(), MNIST::Train); });
  EXPECT_NE(m.find("label 12 at byte 9"), std::string::npos) << m;
  // Labels where images belong: the magic says so.
  write_bytes(dir.path / "train-images-idx3-ubyte", idx_labels({1, 2, 3}));
  m = error_of([&] { MNIST(dir.str(), MNIST::Train); });
  EXPECT_NE(m.find("bad magic 0x00000801 at byte 0 (expected 0x00000803"), std::string::npos) << m;
  m = error_of([&] { MNIST(dir.str(), MNIST::Test); });
  EXPECT_NE(m.find("neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz"), std::string::npos) << m;
}

TEST(MNIST, TrainValSplitIsDeterministicAndDisjoint) {
  auto ds = std::make_shared<TensorDataset>(zeros({100, 1}), arange(100));
  auto [train, val] = train_val_split(ds, 0.1);
  EXPECT_EQ(train->size(), 90);
  EXPECT_EQ(val->size(), 10);
  auto [train2, val2] = train_val_split(ds, 0.1);
  EXPECT_EQ(val->indices(), val2->indices());
  std::set<int64_t> all(train->indices().begin(), train->indices().end());
  all.insert(val->indices().begin(), val->indices().end());
  EXPECT_EQ(all.size(), 100u);
  EXPECT_TRUE(std::is_sorted(val->indices().begin(), val->indices().end()));
  EXPECT_NE(train_val_split(ds, 0.1, 1).second->indices(), val->indices());
  EXPECT_NE(error_of([&] { train_val_split(ds, 1.0); }).find("val_fraction"), std::string::npos);
}

TEST(MNIST, RealFashionMnistWhenInstalled) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(root + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  MNIST train(root, MNIST::Train);
  MNIST test(root, MNIST::Test);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(test.size(), 10000);
  // numpy on the same files: first test labels 9 2 1 1 6 1 4 6; train pixel mean 0.2860406, std 0.3530242.
  EXPECT_EQ(to_vec(test.targets().narrow(0, 0, 8)), (std::vector<int64_t>{9, 2, 1, 1, 6, 1, 4, 6}));
  Tensor px = train.images().to(kFloat64) / 255.0;
  const double n = static_cast<double>(px.numel());
  const double mean = px.sum().item<double>() / n;
  EXPECT_NEAR(mean, 0.2860406, 1e-6);
  EXPECT_NEAR(std::sqrt((px * px).sum().item<double>() / n - mean * mean), 0.3530242, 1e-6);
}

TEST(CIFAR10, ReadsRecordsAndChecksSizes) {
  TempDir dir;
  fs::path d = dir.path / "cifar-10-batches-bin";
  std::vector<uint8_t> test;
  cifar_record(test, 3);
  cifar_record(test, 7);
  write_bytes(d / "test_batch.bin", test);
  write_text(d / "batches.meta.txt", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
  CIFAR10 ds(dir.str(), CIFAR10::Test, CIFAR10::Options{{0.0, 0.5, 0.0}, {1.0, 1.0, 2.0}});
  ASSERT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.classes()[9], "j");
  Example e = ds.get(1);
  EXPECT_EQ(e.target.item<int64_t>(), 7);
  EXPECT_EQ(e.data.shape(), (Shape{3, 32, 32}));
  // Row 1, column 2 is plane index 34: green = (50 + 34 + 7) % 256 = 91 -> (91/255 - 0.5) / 1.
  EXPECT_NEAR(e.data.index({1, 1, 2}).item<double>(), 91.0 / 255.0 - 0.5, 1e-6);
  EXPECT_NEAR(e.data.index({2, 0, 0}).item<double>(), (107.0 / 255.0) / 2.0, 1e-6);

  test.push_back(0);
  write_bytes(d / "test_batch.bin", test);
  std::string m = error_of([&] { CIFAR10(dir.str(), CIFAR10::Test); });
  EXPECT_NE(m.find("6147 bytes is not a whole number of 3073-byte records"), std::string::npos) << m;
  EXPECT_NE(m.find("partial record starts at byte 6146"), std::string::npos) << m;
  test.pop_back();
  test[3073] = 10;
  write_bytes(d / "test_batch.bin", test);
  m = error_of([&] { CIFAR10(dir.str(), CIFAR10::Test); });
  EXPECT_NE(m.find("label 10 at byte 3073 (record 1)"), std::string::npos) << m;
  m = error_of([&] { CIFAR10(dir.str(), CIFAR10::Train); });
  EXPECT_NE(m.find("data_batch_1.bin does not exist"), std::string::npos) << m;
}

// ---- image files -------------------------------------------------------------------------


namespace {

Tensor solid(int64_t h, int64_t w, int64_t c, uint8_t v) { return full({h, w, c}, static_cast<int64_t>(v), kUInt8); }

}  // namespace

TEST(ImageFolder, ClassesFilesChannelsAndTransforms) {
  TempDir dir;
  fs::create_directories(dir.path / "dog" / "sub");
  fs::create_directories(dir.path / "cat");
  io::write_png(dir.str("cat/a.png"), solid(4, 5, 1, 200));           // grey
  io::write_png(dir.str("dog/b.PNG"), solid(4, 5, 4, 10));            // RGBA
  io::write_jpeg(dir.str("dog/sub/c.jpg"), solid(4, 5, 3, 128), 95);  // in a subfolder
  write_text(dir.path / "dog" / "notes.txt", "not an image");
  write_text(dir.path / "dog" / ".hidden.png", "hidden");
  ImageFolder ds(dir.str());
  EXPECT_EQ(ds.classes(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.samples()[1].second, 1);
  Example e = ds.get(0);
  EXPECT_EQ(e.data.shape(), (Shape{3, 4, 5}));  // grey -> RGB, ToTensor
  EXPECT_NEAR(e.data.index({2, 3, 4}).item<double>(), 200.0 / 255.0, 1e-6);
  EXPECT_EQ(e.target.item<int64_t>(), 0);
  EXPECT_EQ(ds.get(1).data.shape(), (Shape{3, 4, 5}));  // alpha dropped
  // Greyscale by luma, no transform: the raw uint8 (H,W,1) image.
  ImageFolder grey(dir.str(), {.transform = nullptr, .channels = 1});
  Tensor g = grey.get(2).data;
  EXPECT_EQ(g.shape(), (Shape{4, 5, 1}));
  EXPECT_EQ(g.dtype(), kUInt8);
  EXPECT_NEAR(g.index({0, 0, 0}).item<double>(), 128, 2);
  // With a transform, as torchvision.
  ImageFolder small(dir.str(), {.transform = transforms::Compose({transforms::ToTensor(), transforms::Resize({2, 2})})});
  EXPECT_EQ(small.get(0).data.shape(), (Shape{3, 2, 2}));
  EXPECT_NE(error_of([&] { ImageFolder(dir.str("cat/a.png")); }).find("not a directory"), std::string::npos);
  fs::create_directories(dir.path / "empty");
  std::string m = error_of([&] { ImageFolder(dir.str()); });
  EXPECT_NE(m.find("no image file"), std::string::npos) << m;
  EXPECT_NE(m.find("empty"), std::string::npos) << m;
}

// Directory symlinks are followed (as torchvision's os.walk(followlinks=True)), each real
// directory once: a link back to the class folder recursed until the path was too long and threw
// std::filesystem::filesystem_error.
TEST(ImageFolder, SymlinkLoopsAreListedOnce) {
  TempDir dir;
  fs::create_directories(dir.path / "cat" / "sub");
  fs::create_directories(dir.path / "elsewhere");
  io::write_png(dir.str("cat/a.png"), solid(2, 2, 1, 1));
  io::write_png(dir.str("cat/sub/b.png"), solid(2, 2, 1, 2));
  io::write_png(dir.str("elsewhere/c.png"), solid(2, 2, 1, 3));
  fs::create_directory_symlink("..", dir.path / "cat" / "sub" / "up");        // back to cat: a loop
  fs::create_directory_symlink(dir.path / "elsewhere", dir.path / "cat" / "more");  // followed
  ImageFolder ds(dir.str(), {.transform = nullptr});
  std::vector<std::string> names;
  for (const auto& [path, label] : ds.samples()) names.push_back(fs::path(path).lexically_relative(dir.path).generic_string());
  EXPECT_EQ(names, (std::vector<std::string>{"cat/a.png", "cat/more/c.png", "cat/sub/b.png", "elsewhere/c.png"}));
}

TEST(ImageFolder, UnreadableImageErrorNamesTheFileThroughTheLoader) {
  TempDir dir;
  fs::create_directories(dir.path / "a");
  for (int i = 0; i < 6; ++i) io::write_png(dir.str("a/" + std::to_string(i) + ".png"), solid(2, 2, 3, 9));
  write_text(dir.path / "a" / "3.png", "garbage, not a PNG");
  auto ds = std::make_shared<ImageFolder>(dir.str());
  DataLoader loader(ds, {.batch_size = 2, .num_workers = 2});
  std::string m = error_of([&] {
    for (auto& b : loader) (void)b;
  });
  EXPECT_NE(m.find("3.png: not a JPEG or PNG file"), std::string::npos) << m;
  EXPECT_NE(m.find("batch 1"), std::string::npos) << m;
}

TEST(SIGNS, LabelsFromFileNames) {
  TempDir dir;
  fs::create_directories(dir.path / "train_signs");
  io::write_jpeg(dir.str("train_signs/3_IMG_5864.jpg"), solid(64, 64, 3, 50));
  io::write_jpeg(dir.str("train_signs/0_IMG_1.jpg"), solid(64, 64, 3, 250));
  io::write_jpeg(dir.str("train_signs/12_IMG_7.jpg"), solid(64, 64, 3, 0));
  write_text(dir.path / "train_signs" / "README", "ignored");
  SIGNS ds(dir.str(), "train");
  ASSERT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.num_classes(), 13);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < 3; ++i) labels.push_back(ds.get(i).target.item<int64_t>());
  EXPECT_EQ(labels, (std::vector<int64_t>{0, 12, 3}));  // sorted file names
  EXPECT_EQ(ds.get(0).data.shape(), (Shape{3, 64, 64}));
  io::write_jpeg(dir.str("train_signs/IMG_9.jpg"), solid(8, 8, 3, 0));
  std::string m = error_of([&] { SIGNS(dir.str(), "train"); });
  EXPECT_NE(m.find("IMG_9.jpg: the file name does not follow {label}_IMG_{id}.jpg"), std::string::npos) << m;
  m = error_of([&] { SIGNS(dir.str(), "val"); });
  EXPECT_NE(m.find("val_signs is not a directory"), std::string::npos) << m;
}

// ---- NER -------------------------------------------------------------------------------

namespace {

// A CS230-layout corpus: train, val and test sentences with their tags.
void write_ner_corpus(const fs::path& root, const std::string& train_labels_line2 = "B-geo O B-org") {
  write_text(root / "train" / "sentences.txt", "EU rejects German call\nPeter visits Bank\n");
  write_text(root / "train" / "labels.txt", "B-org O B-gpe O\n" + train_labels_line2 + "\n");
  write_text(root / "val" / "sentences.txt", "Peter rejects Paris\n");
  write_text(root / "val" / "labels.txt", "B-per O B-geo\n");
  write_text(root / "test" / "sentences.txt", "call EU\n");
  write_text(root / "test" / "labels.txt", "O B-org\n");
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(NER, VocabularyLikeBuildVocab) {
  TempDir dir;
  write_ner_corpus(dir.path, "B-per O B-org");
  NERVocabReport r = build_ner_vocab(dir.str());
  // Words of train in first-seen order, then <pad> and UNK; tags of every split in first-seen order.
  EXPECT_EQ(slurp(dir.path / "words.txt"), "EU\nrejects\nGerman\ncall\nPeter\nvisits\nBank\n<pad>\nUNK\n");
  EXPECT_EQ(slurp(dir.path / "tags.txt"), "B-org\nO\nB-gpe\nB-per\nB-geo\n");
  EXPECT_EQ(r.vocab_size, 9);
  EXPECT_EQ(r.number_of_tags, 5);
  EXPECT_EQ(slurp(dir.path / "dataset_params.json"),
            "{\n    \"train_size\": 2,\n    \"dev_size\": 1,\n    \"test_size\": 1,\n    \"vocab_size\": 9,\n"
            "    \"number_of_tags\": 5,\n    \"pad_word\": \"<pad>\",\n    \"pad_tag\": \"O\",\n    \"unk_word\": \"UNK\"\n}\n");
  // min_count and counting the evaluation splits too (what CS230 did).
  build_ner_vocab(dir.str(), {.min_count_word = 2, .vocab_splits = {"train", "val", "test"}});
  EXPECT_EQ(slurp(dir.path / "words.txt"), "EU\nrejects\ncall\nPeter\n<pad>\nUNK\n");
}

TEST(NER, DatasetMapsWordsAndTagsAndPads) {
  TempDir dir;
  write_ner_corpus(dir.path);
  build_ner_vocab(dir.str());
  auto val = std::make_shared<NERDataset>(dir.str(), "val");
  const NERVocab& v = val->vocab();
  EXPECT_EQ(v.pad_id(), 7);
  EXPECT_EQ(v.unk_id(), 8);
  ASSERT_EQ(val->size(), 1);
  Example e = val->get(0);
  EXPECT_EQ(to_vec(e.data), (std::vector<int64_t>{4, 1, 8}));  // Peter rejects UNK(Paris)
  EXPECT_EQ(to_vec(e.target), (std::vector<int64_t>{*v.tag_id("B-per"), 1, *v.tag_id("B-geo")}));
  auto train = std::make_shared<NERDataset>(dir.str(), "train", val->vocab_ptr());
  DataLoader loader(train, {.batch_size = 2}, train->collate());
  Example b = *loader.begin();
  EXPECT_EQ(to_vec(b.data), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(to_vec(b.target), (std::vector<int64_t>{0, 1, 2, 1, *v.tag_id("B-geo"), 1, 0, -1}));
}

TEST(NER, BadFilesNameTheFileAndLine) {
  TempDir dir;
  write_ner_corpus(dir.path, "B-geo O");  // one tag short on line 2
  std::string m = error_of([&] { build_ner_vocab(dir.str()); });
  EXPECT_NE(m.find("train/labels.txt line 2 has 2 tags but"), std::string::npos) << m;
  EXPECT_NE(m.find("sentences.txt line 2 has 3 tokens"), std::string::npos) << m;
  write_ner_corpus(dir.path);
  build_ner_vocab(dir.str());
  write_text(dir.path / "test" / "labels.txt", "O B-xyz\n");
  m = error_of([&] { NERDataset(dir.str(), "test"); });
  EXPECT_NE(m.find("test/labels.txt line 1 token 2: unknown tag 'B-xyz'"), std::string::npos) << m;
  write_text(dir.path / "test" / "labels.txt", "O B-org\nO\n");
  m = error_of([&] { NERDataset(dir.str(), "test"); });
  EXPECT_NE(m.find("has 1 lines but"), std::string::npos) << m;
  write_text(dir.path / "dataset_params.json", "{\"vocab_size\": 3");
  m = error_of([&] { NERVocab::load(dir.str()); });
  EXPECT_NE(m.find("dataset_params.json: malformed JSON"), std::string::npos) << m;
  write_text(dir.path / "dataset_params.json", "{\"vocab_size\": 3}");
  m = error_of([&] { NERVocab::load(dir.str()); });
  EXPECT_NE(m.find("vocab_size is 3 but words.txt has 9 entries"), std::string::npos) << m;
  // A value nested 100,000 deep is quoted as an excerpt (its full dump overflowed the stack).
  write_text(dir.path / "dataset_params.json",
             "{\"vocab_size\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
  m = error_of([&] { NERVocab::load(dir.str()); });
  EXPECT_NE(m.find("vocab_size is [[[[...]]]] but words.txt has 9 entries"), std::string::npos) << m;
  // Not an object: an error, not the defaults.
  write_text(dir.path / "dataset_params.json", "[9, 3]");
  m = error_of([&] { NERVocab::load(dir.str()); });
  EXPECT_NE(m.find("dataset_params.json: expected a JSON object, found [9, 3]"), std::string::npos) << m;
}

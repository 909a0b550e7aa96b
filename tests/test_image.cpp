// JPEG/PNG decoding and encoding. Reference pixels come from PIL 9.4 (Debian's python3-pil,
// linked to the same libjpeg-turbo): the fixture bytes below were written by PIL and
// np.asarray(Image.open(...)) gave the expected values.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <ember/ember.h>

#include "support/testing.h"
#include "test_data_support.h"

namespace fs = std::filesystem;
using namespace ember;
using ember::testing::error_of;
using ember::testing::write_bytes;

namespace {

std::vector<uint8_t> from_hex(const std::string& h) {
  std::vector<uint8_t> b;
  for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return b;
}

std::vector<int64_t> pixels(const Tensor& t) {
  Tensor c = t.contiguous();
  const uint8_t* p = c.data_ptr<uint8_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

// Image.fromarray(a).save(buf, 'JPEG', quality=90), a[y,x] = [40x, 50y, 100 + (7xy % 100)], 5x6.
const char* kJpegRgb =
    "ffd8ffe000104a46494600010100000100010000ffdb0043000302020302020303030304030304050805050404050a07070608"
    "0c0a0c0c0b0a0b0b0d0e12100d0e110e0b0b1016101113141515150c0f171816141812141514ffdb0043010304040504050905"
    "0509140d0b0d1414141414141414141414141414141414141414141414141414141414141414141414141414141414141414"
    "141414141414ffc00011080005000603012200021101031101ffc4001f0000010501010101010100000000000000000102030405"
    "060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a108"
    "2342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a6364"
    "65666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f01000301010101010101010100"
    "00000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761"
    "711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a53"
    "5455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3"
    "b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c030100021103"
    "11003f00bbf09ff65bf088d214f940964ef10f6f7a28a2be571d9be3d6224bdabe9f9262e0fe23cdff00b0f0ff00ed32dbb9ffd9";
const std::vector<int64_t> kJpegRgbPixels = {
    0,   4,   75,  24,  10,  87,  61,  7,   95,  101, 10,  103, 138, 8,   98,  166, 18,  106, 14,  44,  94,  40,  51,
    107, 78,  48,  118, 119, 53,  125, 154, 51,  120, 185, 62,  129, 12,  94,  105, 39,  102, 119, 78,  101, 132, 121,
    106, 139, 157, 104, 132, 184, 114, 140, 14,  138, 112, 42,  148, 128, 82,  147, 141, 122, 151, 149, 156, 147, 138,
    184, 156, 144, 25,  184, 126, 54,  195, 143, 94,  194, 158, 136, 197, 164, 168, 193, 153, 194, 202, 155};

// Greyscale JPEG (quality 80) of arange(12).reshape(3,4) * 20.
const char* kJpegGrey =
    "ffd8ffe000104a46494600010100000100010000ffdb00430006040506050406060506070706080a100a0a09090a140e0f0c10"
    "17141818171416161a1d251f1a1b231c1616202c20232627292a29191f2d302d283025282928ffc0000b0800030004010111"
    "00ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b51000020103030204030505040400"
    "00017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a252627"
    "28292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92"
    "939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8"
    "e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00effc35e00f0aff0064c5ff00123b4fc8ff008d7fffd9";

// A 3x2 2-bit palette PNG (red, green, blue; index 1 transparent), pixels [0,1,2],[2,1,0].
const char* kPngPalette =
    "89504e470d0a1a0a0000000d4948445200000003000000020203000000e01a8e8900000009504c5445ff000000ff000000ff2d4a"
    "cd8a0000000274524e53ff00e5b7304a0000000c4944415478da63906098000000dc00a9521a138f0000000049454e44ae426082";

// A 16-bit greyscale 2x3 PNG holding 123 + 10000 * i.
const char* kPng16 =
    "89504e470d0a1a0a0000000d4948445200000003000000021000000000e88fe5850000001649444154789c6364a8561750176029"
    "355017501700000f0002026b7f6f250000000049454e44ae426082";

// A smooth (H,W,C) uint8 test image.
Tensor gradient_image(int64_t h, int64_t w, int64_t c) {
  Tensor t = empty({h, w, c}, kUInt8);
  uint8_t* p = t.data_ptr<uint8_t>();
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int64_t k = 0; k < c; ++k) p[(y * w + x) * c + k] = static_cast<uint8_t>((x * 7 + y * 3 + k * 60) % 256);
  return t;
}

}  // namespace

TEST(Image, DecodesJpegRgbLikePil) {
  Tensor img = io::decode_image(from_hex(kJpegRgb), "rgb.jpg");
  EXPECT_EQ(img.dtype(), kUInt8);
  EXPECT_EQ(img.shape(), (Shape{5, 6, 3}));
  EXPECT_EQ(pixels(img), kJpegRgbPixels);
}

TEST(Image, DecodesJpegGreyLikePil) {
  Tensor img = io::decode_image(from_hex(kJpegGrey), "grey.jpg");
  EXPECT_EQ(img.shape(), (Shape{3, 4, 1}));
  EXPECT_EQ(pixels(img), (std::vector<int64_t>{2, 20, 43, 59, 78, 96, 120, 135, 163, 181, 204, 219}));
}

TEST(Image, DecodesPalettePngWithTransparencyToRgba) {
  Tensor img = io::decode_image(from_hex(kPngPalette), "pal.png");
  EXPECT_EQ(img.shape(), (Shape{2, 3, 4}));
  // PIL: Image.open(...).convert('RGBA')
  EXPECT_EQ(pixels(img), (std::vector<int64_t>{255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 255,  //
                                               0, 0, 255, 255, 0, 255, 0, 0, 255, 0, 0, 255}));
}

TEST(Image, Decodes16BitPngToHighByte) {
  Tensor img = io::decode_image(from_hex(kPng16), "deep.png");
  EXPECT_EQ(img.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(pixels(img), (std::vector<int64_t>{0, 39, 78, 117, 156, 195}));  // (123 + 10000 i) >> 8
}

TEST(Image, PngRoundTripIsExactForEveryChannelCount) {
  for (int64_t c : {1, 3, 4}) {
    Tensor img = gradient_image(9, 13, c);
    Tensor back = io::decode_image(io::encode_png(img), "roundtrip");
    EXPECT_TRUE(back.equal(img)) << "C=" << c;
  }
  Tensor grey2d = gradient_image(4, 5, 1).squeeze(2);
  EXPECT_EQ(io::decode_image(io::encode_png(grey2d), "2d").shape(), (Shape{4, 5, 1}));
  // Grey+alpha decodes as RGBA (grey copied to R, G and B).
  Tensor ga = gradient_image(3, 4, 2);
  Tensor rgba = io::decode_image(io::encode_png(ga), "ga");
  ASSERT_EQ(rgba.shape(), (Shape{3, 4, 4}));
  for (int64_t k = 0; k < 3; ++k) EXPECT_TRUE(rgba.select(2, k).equal(ga.select(2, 0)));
  EXPECT_TRUE(rgba.select(2, 3).equal(ga.select(2, 1)));
}

TEST(Image, EncodesStridedInput) {
  Tensor img = gradient_image(6, 8, 3);
  Tensor flipped = img.transpose(0, 1);  // (8,6,3), not contiguous
  Tensor back = io::decode_image(io::encode_png(flipped), "t");
  EXPECT_TRUE(back.equal(flipped.contiguous()));
}

TEST(Image, JpegEncoderMatchesPilBytes) {
  // PIL's encoder (same libjpeg-turbo, quality 90, 4:2:0) produced kJpegRgb from this image.
  Tensor a = empty({5, 6, 3}, kUInt8);
  uint8_t* p = a.data_ptr<uint8_t>();
  for (int64_t y = 0; y < 5; ++y)
    for (int64_t x = 0; x < 6; ++x) {
      p[(y * 6 + x) * 3 + 0] = static_cast<uint8_t>(x * 40);
      p[(y * 6 + x) * 3 + 1] = static_cast<uint8_t>(y * 50);
      p[(y * 6 + x) * 3 + 2] = static_cast<uint8_t>(100 + (x * y * 7) % 100);
    }
  EXPECT_EQ(io::encode_jpeg(a, 90), from_hex(kJpegRgb));
}

TEST(Image, JpegRoundTripIsClose) {
  Tensor img = empty({32, 24, 3}, kUInt8);  // smooth: what JPEG is for
  uint8_t* p = img.data_ptr<uint8_t>();
  for (int64_t i = 0; i < 32 * 24; ++i)
    for (int64_t k = 0; k < 3; ++k) p[i * 3 + k] = static_cast<uint8_t>(i / 24 * 4 + i % 24 * 3 + k * 20);
  Tensor back = io::decode_image(io::encode_jpeg(img, 95), "q95");
  ASSERT_EQ(back.shape(), img.shape());
  double mean_err = (back.to(kFloat32) - img.to(kFloat32)).abs().sum().item<double>() / static_cast<double>(img.numel());
  EXPECT_LT(mean_err, 3.0);
  EXPECT_GT(io::encode_jpeg(img, 95).size(), io::encode_jpeg(img, 10).size());
  Tensor grey = gradient_image(16, 16, 1);
  EXPECT_EQ(io::decode_image(io::encode_jpeg(grey), "g").shape(), (Shape{16, 16, 1}));
}

TEST(Image, WritesAtomicallyAndReadsBack) {
  ember::testing::TempDir dir;
  Tensor img = gradient_image(10, 12, 3);
  std::string png = (dir.path / "a.png").string(), jpg = (dir.path / "b.jpg").string();
  io::write_png(png, img);
  io::write_png(png, gradient_image(3, 3, 1));  // replaces it
  io::write_jpeg(jpg, img, 90);
  EXPECT_EQ(io::read_image(png).shape(), (Shape{3, 3, 1}));
  EXPECT_EQ(io::read_image(jpg).shape(), (Shape{10, 12, 3}));
  // Only the two files: no temporary left behind.
  int n = 0;
  for (auto& e : fs::directory_iterator(dir.path)) n += e.is_regular_file();
  EXPECT_EQ(n, 2);
  std::string missing_dir = (dir.path / "no" / "such" / "c.png").string();
  std::string msg = error_of([&] { io::write_png(missing_dir, img); });
  EXPECT_NE(msg.find("write_png"), std::string::npos) << msg;
  EXPECT_NE(msg.find("c.png"), std::string::npos) << msg;
}

TEST(Image, ErrorsNameTheFileAndTheProblem) {
  ember::testing::TempDir dir;
  auto jpeg = from_hex(kJpegRgb);
  auto png = from_hex(kPngPalette);
  fs::path text = dir.path / "notes.jpg", cut_jpg = dir.path / "cut.jpg", cut_png = dir.path / "cut.png",
           empty_f = dir.path / "empty.png";
  write_bytes(text, {'h', 'e', 'l', 'l', 'o'});
  write_bytes(cut_jpg, std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + 640));
  write_bytes(cut_png, std::vector<uint8_t>(png.begin(), png.begin() + 70));
  write_bytes(empty_f, {});

  std::string m = error_of([&] { io::read_image(text.string()); });
  EXPECT_NE(m.find("notes.jpg"), std::string::npos) << m;
  EXPECT_NE(m.find("not a JPEG or PNG"), std::string::npos) << m;
  EXPECT_NE(m.find("68 65 6c 6c 6f"), std::string::npos) << m;

  m = error_of([&] { io::read_image(cut_jpg.string()); });
  EXPECT_NE(m.find("cut.jpg"), std::string::npos) << m;
  EXPECT_NE(m.find("truncated"), std::string::npos) << m;

  m = error_of([&] { io::read_image(cut_png.string()); });
  EXPECT_NE(m.find("cut.png"), std::string::npos) << m;
  EXPECT_NE(m.find("truncated"), std::string::npos) << m;

  m = error_of([&] { io::read_image(empty_f.string()); });
  EXPECT_NE(m.find("empty"), std::string::npos) << m;

  m = error_of([&] { io::read_image((dir.path / "absent.png").string()); });
  EXPECT_NE(m.find("absent.png"), std::string::npos) << m;
  EXPECT_NE(m.find("cannot open"), std::string::npos) << m;

  // A JPEG whose header is garbage: libjpeg's own message comes through.
  auto bad = jpeg;
  bad[3] = 0xD9;  // SOI then EOI: no image
  m = error_of([&] { io::decode_image(bad, "bad.jpg"); });
  EXPECT_NE(m.find("bad.jpg: bad JPEG"), std::string::npos) << m;
  // A PNG with a broken CRC.
  auto badpng = png;
  badpng[20] ^= 0xFF;
  m = error_of([&] { io::decode_image(badpng, "crc.png"); });
  EXPECT_NE(m.find("crc.png: bad PNG"), std::string::npos) << m;
}

TEST(Image, EncoderRejectsBadTensors) {
  EXPECT_NE(error_of([] { io::encode_png(zeros({4, 4, 3})); }).find("uint8"), std::string::npos);
  EXPECT_NE(error_of([] { io::encode_png(zeros({4, 4, 5}, kUInt8)); }).find("(4,4,5)"), std::string::npos);
  EXPECT_NE(error_of([] { io::encode_png(zeros({2, 4, 4, 3}, kUInt8)); }).find("(2,4,4,3)"), std::string::npos);
  EXPECT_NE(error_of([] { io::encode_jpeg(zeros({4, 4, 4}, kUInt8)); }).find("alpha"), std::string::npos);
  EXPECT_NE(error_of([] { io::encode_jpeg(zeros({4, 4, 3}, kUInt8), 0); }).find("quality"), std::string::npos);
  EXPECT_NE(error_of([] { io::encode_png(zeros({0, 4, 3}, kUInt8)); }).find("empty"), std::string::npos);
}

TEST(Image, EveryTruncationAndCorruptionIsAnErrorNotACrash) {
  for (const char* hex : {kJpegRgb, kJpegGrey, kPngPalette, kPng16}) {
    const auto full = from_hex(hex);
    for (size_t k = 0; k < full.size(); ++k) {
      std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(k));
      EXPECT_NE(error_of([&] { io::decode_image(cut, "cut"); }), "<no error>") << "prefix of " << k << " bytes";
    }
    // Flipped bytes: a decoded image or an ember::Error, nothing else.
    Generator gen(1);
    for (int trial = 0; trial < 300; ++trial) {
      auto bad = full;
      for (int f = 0; f < 3; ++f) bad[data::random_int(gen, static_cast<int64_t>(bad.size()))] ^= 0x5A;
      try {
        io::decode_image(bad, "flipped");
      } catch (const Error&) {
      }
    }
  }
}

// Headers that claim more than PIL's decompression-bomb limit (2 x 89478485 pixels) are refused
// before anything is allocated: a 700-byte JPEG claiming 65500 x 65500 pixels decoded into 12 GB
// of grey padding in a minute; a PNG claiming 100000 x 100000 asked for 30 GB.
TEST(Image, DecompressionBombsAreRefusedBeforeDecoding) {
  auto jpeg = from_hex(kJpegRgb);
  size_t sof = 2;
  while (sof + 9 < jpeg.size() && !(jpeg[sof] == 0xFF && (jpeg[sof + 1] == 0xC0 || jpeg[sof + 1] == 0xC2))) ++sof;
  ASSERT_LT(sof + 9, jpeg.size());
  for (size_t k : {sof + 5, sof + 7}) {  // height, width: 65500 big-endian
    jpeg[k] = 0xFF;
    jpeg[k + 1] = 0xDC;
  }
  std::string m = error_of([&] { io::decode_image(jpeg, "bomb.jpg"); });
  EXPECT_NE(m.find("bomb.jpg: bad JPEG: 65500 x 65500 = 4290250000 pixels is more than the limit of 178956970"),
            std::string::npos) << m;

  auto png = io::encode_png(zeros({2, 2, 3}, kUInt8));
  auto set_size = [&](uint32_t w, uint32_t h) {  // IHDR data at bytes 16..28, its CRC at 29..32
    std::vector<uint8_t> b = png, be;
    ember::testing::put_be32(be, w);
    ember::testing::put_be32(be, h);
    std::copy(be.begin(), be.end(), b.begin() + 16);
    be.clear();
    ember::testing::put_be32(be, ember::testing::crc32(std::vector<uint8_t>(b.begin() + 12, b.begin() + 29)));
    std::copy(be.begin(), be.end(), b.begin() + 29);
    return b;
  };
  m = error_of([&] { io::decode_image(set_size(100000, 100000), "bomb.png"); });
  EXPECT_NE(m.find("bomb.png: bad PNG: 100000 x 100000 = 10000000000 pixels is more than the limit"), std::string::npos)
      << m;
  // Under the limit: a header of 3000 x 3000 is decoded (and found truncated).
  m = error_of([&] { io::decode_image(set_size(3000, 3000), "big.png"); });
  EXPECT_NE(m.find("big.png: bad PNG"), std::string::npos) << m;
  EXPECT_EQ(m.find("limit"), std::string::npos) << m;
}

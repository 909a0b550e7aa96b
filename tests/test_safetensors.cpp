// safetensors reader/writer: byte-exact test vectors from the format's reference tests
// (../shared/FORMATS.md §2), round trips of every dtype and layout, files in the reference
// layout written by hand, and one test per kind of corruption.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <ember/ember.h>

#include "support/files.h"
#include "support/testing.h"

using namespace ember;
using ember::testing::expect_error;
using ember::testing::read_bytes;
using ember::testing::write_bytes;
namespace fs = std::filesystem;

namespace {

class Safetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("ember_safetensors_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::string u64le(uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// A file: length prefix + header (padded with spaces to a multiple of 8) + data.
std::string assemble(std::string header, const std::string& data, bool pad = true) {
  if (pad) header.append((8 - header.size() % 8) % 8, ' ');
  return u64le(header.size()) + header + data;
}

template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// The bytes of a tensor's elements in row-major order.
std::string bytes_of(const Tensor& t) {
  Tensor c = t.contiguous();
  return std::string(static_cast<const char*>(c.raw_data()), c.nbytes());
}

}  // namespace

// ---- byte-exact vectors (safetensors' own tensor.rs tests) ---------------------------

TEST_F(Safetensors, EmptyFileMatchesReferenceBytes) {
  io::save_safetensors(path("e.safetensors"), std::map<std::string, Tensor>{});
  std::string expect = u64le(8) + "{}      ";
  EXPECT_EQ(read_bytes(path("e.safetensors")), expect);
  auto f = io::load_safetensors(path("e.safetensors"));
  EXPECT_TRUE(f.tensors.empty());
  EXPECT_TRUE(f.metadata.empty());
}

TEST_F(Safetensors, SingleTensorMatchesReferenceBytes) {
  Tensor t = arange(0, 6, 1, kFloat32).reshape({1, 2, 3});
  io::save_safetensors(path("a.safetensors"), {{"attn.0", t}});
  std::string header = R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
  ASSERT_EQ(header.size(), 64u);
  EXPECT_EQ(read_bytes(path("a.safetensors")), u64le(64) + header + raw(std::vector<float>{0, 1, 2, 3, 4, 5}));
  auto f = io::load_safetensors(path("a.safetensors"));
  ASSERT_EQ(f.tensors.count("attn.0"), 1u);
  EXPECT_TRUE(f.tensors["attn.0"].equal(t));
}

TEST_F(Safetensors, MetadataOnlyMatchesReferenceBytes) {
  io::save_safetensors(path("m.safetensors"), std::map<std::string, Tensor>{}, {{"framework", "pt"}});
  std::string bytes = read_bytes(path("m.safetensors"));
  EXPECT_EQ(bytes, u64le(40) + R"({"__metadata__":{"framework":"pt"}})" + "     ");
  auto f = io::load_safetensors(path("m.safetensors"));
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"framework", "pt"}}));
  EXPECT_EQ(io::load_safetensors_metadata(path("m.safetensors")), f.metadata);
}

TEST_F(Safetensors, WriterOrdersLikeTheReference) {
  // dtype rank descending (I64 before F32 before U8), ties by name; metadata first.
  std::map<std::string, Tensor> ts{{"b", tensor({1.f, 2.f})},
                                   {"a", tensor({3.f})},
                                   {"z", tensor(std::vector<int64_t>{7})},
                                   {"c", tensor(std::vector<uint8_t>{9})}};
  io::save_safetensors(path("o.safetensors"), ts, {{"k", "v"}});
  std::string bytes = read_bytes(path("o.safetensors"));
  std::string header =
      R"({"__metadata__":{"k":"v"},"z":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
      R"("a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},)"
      R"("c":{"dtype":"U8","shape":[1],"data_offsets":[20,21]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(bytes.substr(0, 8 + header.size()), u64le(header.size()) + header);
  EXPECT_EQ(bytes.size(), 8 + header.size() + 21);
}

// ---- round trips --------------------------------------------------------------------

TEST_F(Safetensors, RoundTripsEveryDTypeAndShape) {
  std::vector<uint16_t> half_bits{0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7e00};  // 1, -2, max, tiny, -0, nan
  std::map<std::string, Tensor> ts{
      {"f32", tensor({1.5f, -2.f, 3.25f, 1e30f, -0.f, 7.f}, {2, 3})},
      {"f64", tensor({1.0 / 3, -1e300, 5e-324}, {3, 1})},
      {"i64", tensor(std::vector<int64_t>{INT64_MIN, -1, 0, INT64_MAX}, {2, 2})},
      {"i32", tensor(std::vector<int32_t>{INT32_MIN, 5, INT32_MAX})},
      {"u8", tensor(std::vector<uint8_t>{0, 128, 255})},
      {"bool", tensor(std::vector<bool>{true, false, true, true}, {4, 1})},
      {"f16", from_blob_copy(half_bits.data(), {3, 2}, kFloat16)},
      {"bf16", from_blob_copy(half_bits.data(), {6}, kBFloat16)},
      {"scalar", scalar_tensor(4.5, kFloat64)},
      {"empty", zeros({2, 0, 3})},
      {"weird name ☃ \"q\"\n", tensor({1.f})},
  };
  const std::string p = path("all.safetensors");
  io::save_safetensors(p, ts, {{"framework", "ember"}, {"note", "quotes \" and\nnewlines ✓"}});
  auto f = io::load_safetensors(p);
  ASSERT_EQ(f.tensors.size(), ts.size());
  for (const auto& [name, t] : ts) {
    SCOPED_TRACE(name);
    ASSERT_EQ(f.tensors.count(name), 1u);
    const Tensor& got = f.tensors[name];
    EXPECT_EQ(got.dtype(), t.dtype());
    EXPECT_EQ(got.sizes(), t.sizes());
    EXPECT_TRUE(got.is_contiguous());
    EXPECT_EQ(bytes_of(got), bytes_of(t));
  }
  EXPECT_EQ(f.metadata.at("note"), "quotes \" and\nnewlines ✓");
  EXPECT_EQ(f.metadata.at("framework"), "ember");
}

TEST_F(Safetensors, SavesNonContiguousViewsInRowMajorOrder) {
  Tensor base = arange(0, 24, 1, kFloat32).reshape({2, 3, 4});
  Tensor base64 = arange(0, 24, 1, kInt64).reshape({4, 6});
  std::vector<uint16_t> bits(12);
  for (int i = 0; i < 12; ++i) bits[i] = static_cast<uint16_t>(0x3c00 + i);
  Tensor half = from_blob_copy(bits.data(), {3, 4}, kFloat16);
  std::map<std::string, Tensor> ts{
      {"transposed", base.transpose(0, 2)},                 // (4,3,2)
      {"sliced", base.slice(2, 1, 4, 2)},                   // (2,3,2), offset 1, step 2
      {"selected", base64.select(1, 3)},                    // (4) stride 6, offset 3
      {"expanded", tensor({1.f, 2.f, 3.f}).expand({2, 3})}, // stride 0
      {"half_t", half.transpose(0, 1)},                     // storage-only dtype, non-contiguous
  };
  for (auto& [n, t] : ts) ASSERT_FALSE(t.is_contiguous()) << n;
  io::save_safetensors(path("v.safetensors"), ts);
  auto f = io::load_safetensors(path("v.safetensors"));
  EXPECT_TRUE(f.tensors["transposed"].equal(base.transpose(0, 2).contiguous()));
  EXPECT_TRUE(f.tensors["sliced"].equal(tensor({1.f, 3.f, 5.f, 7.f, 9.f, 11.f, 13.f, 15.f, 17.f, 19.f, 21.f, 23.f},
                                               {2, 3, 2})));
  EXPECT_TRUE(f.tensors["selected"].equal(tensor({3, 9, 15, 21})));
  EXPECT_TRUE(f.tensors["expanded"].equal(tensor({1.f, 2.f, 3.f, 1.f, 2.f, 3.f}, {2, 3})));
  // half.t(): row-major order of the transpose is bits[0], bits[4], bits[8], bits[1], ...
  std::vector<uint16_t> expect;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 3; ++i) expect.push_back(bits[i * 4 + j]);
  EXPECT_EQ(f.tensors["half_t"].sizes(), (Shape{4, 3}));
  EXPECT_EQ(bytes_of(f.tensors["half_t"]), raw(expect));
}

TEST_F(Safetensors, SavesTensorsThatRequireGrad) {
  Tensor w = randn({3, 2}).requires_grad_();
  io::save_safetensors(path("g.safetensors"), {{"w", w}, {"y", w * 2}});
  auto f = io::load_safetensors(path("g.safetensors"));
  EXPECT_TRUE(f.tensors["w"].equal(w.detach()));
  EXPECT_FALSE(f.tensors["w"].requires_grad());
  EXPECT_TENSOR_CLOSE(f.tensors["y"], w.detach() * 2);
}

TEST_F(Safetensors, OverwritesAtomicallyAndLeavesNoTemporaryFiles) {
  const std::string p = path("ckpt.safetensors");
  io::save_safetensors(p, {{"x", tensor({1.f, 2.f})}});
  io::save_safetensors(p, {{"x", tensor({3.f})}, {"y", tensor({4.f})}});
  auto f = io::load_safetensors(p);
  EXPECT_TRUE(f.tensors["x"].equal(tensor({3.f})));
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    ++files;
    EXPECT_EQ(e.path().filename(), "ckpt.safetensors");
  }
  EXPECT_EQ(files, 1);
  expect_error([&] { io::save_safetensors(path("no/such/dir/x.safetensors"), {{"x", tensor({1.f})}}); },
               {"no/such/dir/x.safetensors", "cannot create"});
}

TEST_F(Safetensors, RejectsBadTensorsOnSave) {
  expect_error([&] { io::save_safetensors(path("x.safetensors"), {{"__metadata__", tensor({1.f})}}); },
               {"__metadata__", "reserved"});
  expect_error([&] { io::save_safetensors(path("x.safetensors"), {{"u", Tensor()}}); }, {"'u'", "undefined"});
  expect_error([&] { io::save_safetensors(path("x.safetensors"), {{std::string("bad\xff"), tensor({1.f})}}); },
               {"UTF-8"});
  EXPECT_FALSE(fs::exists(path("x.safetensors")));
}

// ---- files in the layouts other writers produce ---------------------------------------

TEST_F(Safetensors, ReadsHandAssembledReferenceLayout) {
  // As PyTorch-side tools write it: keys in any order, "__metadata__" last, unaligned I64 data,
  // an F64 scalar, an empty tensor and a BOOL tensor with a non-canonical true byte.
  std::string data = raw(std::vector<float>{1.f, 2.f, 3.f}) +           // w [0,12)
                     raw(std::vector<int64_t>{-5, 6}) +                  // idx [12,28) (unaligned)
                     raw(std::vector<double>{2.5}) +                     // s [28,36)
                     std::string("\x00\x07", 2);                         // m [36,38)
  std::string header =
      R"({"m":{"dtype":"BOOL","shape":[2],"data_offsets":[36,38]},)"
      R"("idx":{"dtype":"I64","shape":[2],"data_offsets":[12,28]},)"
      R"("nothing":{"dtype":"F32","shape":[0,4],"data_offsets":[12,12]},)"
      R"("s":{"dtype":"F64","shape":[],"data_offsets":[28,36]},)"
      R"("w":{"dtype":"F32","shape":[3,1],"data_offsets":[0,12]},)"
      R"("__metadata__":{"op":"x","args":"{\"dim\": 1}"}})";
  write_bytes(path("r.safetensors"), assemble(header, data));
  auto f = io::load_safetensors(path("r.safetensors"));
  EXPECT_TRUE(f.tensors["w"].equal(tensor({1.f, 2.f, 3.f}, {3, 1})));
  EXPECT_TRUE(f.tensors["idx"].equal(tensor({-5, 6})));
  EXPECT_EQ(f.tensors["s"].dim(), 0);
  EXPECT_EQ(f.tensors["s"].item<double>(), 2.5);
  EXPECT_EQ(f.tensors["nothing"].sizes(), (Shape{0, 4}));
  EXPECT_TRUE(f.tensors["m"].equal(tensor(std::vector<bool>{false, true})));
  EXPECT_EQ(f.metadata.at("args"), "{\"dim\": 1}");
  // An unpadded header is accepted as well.
  write_bytes(path("u.safetensors"), assemble(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                                              raw(std::vector<float>{9.f}), /*pad=*/false));
  EXPECT_TRUE(io::load_safetensors(path("u.safetensors")).tensors["w"].equal(tensor({9.f})));
}

TEST_F(Safetensors, ReadsGoldenFileWrittenByPython) {
  const char* env = std::getenv("EMBER_GOLDEN_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::path(EMBER_TESTS_DIR) / ".." / ".." / "shared" / "golden";
  fs::path golden = dir / "max__dim.safetensors";
  if (!fs::exists(golden)) GTEST_SKIP() << "no " << golden;
  auto f = io::load_safetensors(golden.string());
  EXPECT_EQ(f.metadata.at("op"), "max");
  EXPECT_EQ(f.metadata.at("outputs"), "out0,out1");
  ASSERT_EQ(f.tensors.size(), 5u);
  const Tensor& a = f.tensors.at("a");
  EXPECT_EQ(a.sizes(), (Shape{4, 7}));
  EXPECT_EQ(f.tensors.at("out1").dtype(), kInt64);
  // out0 / out1 are torch.max(a, dim=1): check the file's own consistency without other ops.
  const float* pa = a.data_ptr<float>();
  for (int64_t i = 0; i < 4; ++i) {
    int64_t arg = f.tensors.at("out1").data_ptr<int64_t>()[i];
    ASSERT_GE(arg, 0);
    ASSERT_LT(arg, 7);
    EXPECT_EQ(f.tensors.at("out0").data_ptr<float>()[i], pa[i * 7 + arg]);
    for (int64_t j = 0; j < 7; ++j) EXPECT_LE(pa[i * 7 + j], pa[i * 7 + arg]);
  }
  // Re-saving and re-loading gives the same tensors and metadata.
  io::save_safetensors(path("again.safetensors"), f);
  auto g = io::load_safetensors(path("again.safetensors"));
  EXPECT_EQ(g.metadata, f.metadata);
  for (const auto& [n, t] : f.tensors) EXPECT_EQ(bytes_of(g.tensors.at(n)), bytes_of(t)) << n;
}

// ---- corrupt files: every one is an ember::Error naming the file and the problem ----------

namespace {
const std::string kW = R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
const std::string kWData = raw(std::vector<float>{1.f, 2.f});
}  // namespace

TEST_F(Safetensors, RejectsMissingAndTooSmallFiles) {
  const std::string p = path("c.safetensors");
  expect_error([&] { io::load_safetensors(p); }, {p, "no such file"});
  write_bytes(p, "");
  expect_error([&] { io::load_safetensors(p); }, {p, "too small (0 bytes)"});
  write_bytes(p, std::string("\x08\x00\x00", 3));
  expect_error([&] { io::load_safetensors(p); }, {p, "too small (3 bytes)"});
}

TEST_F(Safetensors, RejectsHeaderLengths) {
  const std::string p = path("c.safetensors");
  write_bytes(p, u64le(100'000'001) + "{}");
  expect_error([&] { io::load_safetensors(p); }, {p, "header length 100000001", "limit"});
  write_bytes(p, u64le(1000) + "{}      ");
  expect_error([&] { io::load_safetensors(p); }, {p, "header length 1000 runs past the end of the file (16 bytes)"});
  // A valid file cut in the middle of its header.
  std::string good = assemble("{" + kW + "}", kWData);
  write_bytes(p, good.substr(0, 20));
  expect_error([&] { io::load_safetensors(p); }, {p, "runs past the end"});
}

TEST_F(Safetensors, RejectsBadJson) {
  const std::string p = path("c.safetensors");
  write_bytes(p, assemble(R"({"w":{"dtype":"F32",)", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "not valid JSON"});
  write_bytes(p, assemble("[1,2]", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "not a JSON object"});
  write_bytes(p, assemble("{" + kW + "," + kW + "}", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "\"w\" more than once"});
  write_bytes(p, assemble("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"x\xff\":1}", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "not valid JSON"});
  write_bytes(p, assemble(R"({"w":[1,2]})", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "not an object"});
  write_bytes(p, assemble(R"({"w":{"dtype":"F32","shape":[2]}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "no \"data_offsets\""});
  write_bytes(p, assemble(R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "non-negative integer"});
  write_bytes(p, assemble(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "data_offsets must be two"});
  write_bytes(p, assemble("{" + kW + R"(,"__metadata__":{"epoch":3}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "__metadata__", "\"epoch\" is not a string"});
}

TEST_F(Safetensors, RejectsUnknownDTypes) {
  const std::string p = path("c.safetensors");
  write_bytes(p, assemble(R"({"w":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "unknown dtype \"F31\""});
  write_bytes(p, assemble(R"({"w":{"dtype":"I8","shape":[8],"data_offsets":[0,8]}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "I8", "no such element type"});
}

TEST_F(Safetensors, RejectsOffsetsThatDoNotTileTheBuffer) {
  const std::string p = path("c.safetensors");
  std::string data = raw(std::vector<float>{1, 2, 3, 4});
  // overlap: b starts inside a
  write_bytes(p, assemble(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          data.substr(0, 12)));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'b'", "[4, 12]", "overlap tensor 'a'"});
  // gap: 4 unused bytes between a and b
  write_bytes(p, assemble(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                          data));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'b'", "gap of 4 bytes after tensor 'a'"});
  // gap at the start
  write_bytes(p, assemble(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", data.substr(0, 8)));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'a'", "gap of 4 bytes after the buffer start"});
  // end before begin
  write_bytes(p, assemble(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})",
                          data.substr(0, 8)));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'b'", "end before they begin"});
}

TEST_F(Safetensors, RejectsSizeMismatch) {
  const std::string p = path("c.safetensors");
  write_bytes(p, assemble(R"({"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "needs 16 bytes", "hold 8", "size mismatch"});
  write_bytes(p, assemble(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", kWData));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "overflows"});
}

TEST_F(Safetensors, RejectsTruncatedDataAndTrailingBytes) {
  const std::string p = path("c.safetensors");
  std::string good = assemble("{" + kW + "}", kWData);
  write_bytes(p, good.substr(0, good.size() - 3));
  expect_error([&] { io::load_safetensors(p); }, {p, "truncated", "8-byte data buffer but only 5 bytes"});
  write_bytes(p, good + "xyz");
  expect_error([&] { io::load_safetensors(p); }, {p, "3 trailing bytes"});
  write_bytes(p, good);
  EXPECT_TRUE(io::load_safetensors(p).tensors.at("w").equal(tensor({1.f, 2.f})));
}

// Values nested 100,000 deep where a header expects a string, list or object: the error message
// quotes an excerpt (the whole value used to be dumped recursively and overflowed the stack).
TEST_F(Safetensors, RejectsDeeplyNestedHeaderValues) {
  const std::string p = path("c.safetensors");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  write_bytes(p, assemble(R"({"w":{"dtype":)" + deep + R"(,"shape":[],"data_offsets":[0,0]}})", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "dtype is not a string: [[[[...]]]]"});
  write_bytes(p, assemble(R"({"w":{"dtype":"F32","shape":)" + deep + R"(,"data_offsets":[0,0]}})", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "shape [[[[...]]]] holds"});
  write_bytes(p, assemble(R"({"w":)" + deep + "}", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "not an object"});
  write_bytes(p, assemble(R"({"__metadata__":{"epoch":)" + deep + "}}", ""));
  expect_error([&] { io::load_safetensors_metadata(p); }, {p, "\"epoch\" is not a string"});
}

// 200,000 tensors in one header: the duplicate-key check is linear (nlohmann's callback parser
// rescanned the whole header object at the end of every entry: minutes for this file).
TEST_F(Safetensors, ReadsHeadersWithManyTensors) {
  const std::string p = path("many.safetensors");
  std::string header = "{";
  for (int i = 0; i < 200000; ++i)
    header += (i ? ",\"t" : "\"t") + std::to_string(i) + R"(":{"dtype":"U8","shape":[0],"data_offsets":[0,0]})";
  write_bytes(p, assemble(header + "}", ""));
  EXPECT_EQ(io::load_safetensors(p).tensors.size(), 200000u);
  write_bytes(p, assemble(header + R"(,"t123":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}})", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "\"t123\" more than once"});
}

// An empty tensor whose other sizes multiply past int64: its strides would overflow.
TEST_F(Safetensors, RejectsEmptyShapesWhoseStridesOverflow) {
  const std::string p = path("c.safetensors");
  write_bytes(p, assemble(R"({"w":{"dtype":"F32","shape":[0,4611686018427387904,4],"data_offsets":[0,0]}})", ""));
  expect_error([&] { io::load_safetensors(p); }, {p, "tensor 'w'", "overflows the size computation"});
  write_bytes(p, assemble(R"({"w":{"dtype":"F32","shape":[0,65536,65536],"data_offsets":[0,0]}})", ""));
  EXPECT_EQ(io::load_safetensors(p).tensors.at("w").sizes(), (Shape{0, 65536, 65536}));
}

// IDX files and MNIST / Fashion-MNIST (include/ember/data/datasets/mnist.h).
#include "ember/data/datasets/mnist.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "data/file_util.h"
#include "ember/tensor/factory.h"

namespace ember::data {

namespace {

struct IdxType {
  uint8_t code;
  const char* name;
  size_t size;
  DType dtype;
};
constexpr IdxType kIdxTypes[] = {{0x08, "uint8", 1, kUInt8},   {0x09, "int8", 1, kInt32},     {0x0B, "int16", 2, kInt32},
                                 {0x0C, "int32", 4, kInt32},   {0x0D, "float32", 4, kFloat32}, {0x0E, "float64", 8, kFloat64}};

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

template <class Out, class Raw>
void convert_be(const uint8_t* src, Out* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint8_t b[sizeof(Raw)];
    for (size_t k = 0; k < sizeof(Raw); ++k) b[k] = src[i * static_cast<int64_t>(sizeof(Raw)) + static_cast<int64_t>(sizeof(Raw) - 1 - k)];
    Raw v;
    std::memcpy(&v, b, sizeof(Raw));
    dst[i] = static_cast<Out>(v);
  }
}

// Reads an IDX file and checks that its magic is `expected` (0 = any).
Tensor load_idx(const std::string& path, uint32_t expected, const char* what) {
  bool gz = false;
  std::vector<uint8_t> b = detail::read_file(path, what, &gz);
  const std::string where = path + (gz ? " (after gunzip)" : "");
  EMBER_CHECK(b.size() >= 4, what, ": ", where, ": truncated: ", b.size(), " bytes, an IDX header needs at least 4");
  const uint32_t magic = be32(b.data());
  const IdxType* type = nullptr;
  for (const auto& t : kIdxTypes)
    if (t.code == b[2]) type = &t;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%08x", magic);
  if (expected)
    EMBER_CHECK(magic == expected, what, ": ", where, ": bad magic ", hex, " at byte 0 (expected 0x0000080",
                expected & 0xF, ": ", expected == 2051 ? "uint8 images, 3 dims" : "uint8 labels, 1 dim", ")");
  EMBER_CHECK(b[0] == 0 && b[1] == 0 && type && b[3] >= 1, what, ": ", where, ": bad magic ", hex,
              " at byte 0 (an IDX file starts 00 00, a type byte 08/09/0b/0c/0d/0e and a dimension count >= 1)");
  const int ndim = b[3];
  const size_t header = 4 + 4 * static_cast<size_t>(ndim);
  EMBER_CHECK(b.size() >= header, what, ": ", where, ": truncated at byte ", b.size(), ": the header of ", ndim,
              " dimensions needs ", header, " bytes");
  Shape shape;
  std::string dims;
  for (int d = 0; d < ndim; ++d) {
    shape.push_back(be32(b.data() + 4 + 4 * d));
    dims += (d ? " x " : "") + std::to_string(shape.back());
  }
  // The element count, and the product of the sizes with zeros counted as 1 (a tensor's
  // strides), times the element size must fit in an int64: 65536^4 elements wrapped to 0 and
  // passed the size check below.
  uint64_t count = 1, span = 1;
  for (int64_t s : shape) {
    EMBER_CHECK(!__builtin_mul_overflow(span, static_cast<uint64_t>(std::max<int64_t>(s, 1)), &span) &&
                    span <= uint64_t(INT64_MAX) / element_size(type->dtype),
                what, ": ", where, ": the dimensions ", dims, " (", type->name,
                ") overflow a 64-bit size: the header (bytes 4 to ", header, ") is corrupt");
    count *= static_cast<uint64_t>(s);  // <= span: no overflow
  }
  const size_t need = header + count * type->size;
  EMBER_CHECK(b.size() >= need, what, ": ", where, ": truncated: expected ", need, " bytes (", header, "-byte header + ",
              dims, " ", type->name, ") but the data ends at byte ", b.size());
  EMBER_CHECK(b.size() == need, what, ": ", where, ": ", b.size() - need, " unexpected bytes after the data, from byte ",
              need, " (", header, "-byte header + ", dims, " ", type->name, ")");
  Tensor out = empty(shape, type->dtype);
  const uint8_t* src = b.data() + header;
  switch (type->code) {
    case 0x08: std::memcpy(out.raw_data(), src, static_cast<size_t>(count)); break;
    case 0x09: convert_be<int32_t, int8_t>(src, out.data_ptr<int32_t>(), count); break;
    case 0x0B: convert_be<int32_t, int16_t>(src, out.data_ptr<int32_t>(), count); break;
    case 0x0C: convert_be<int32_t, int32_t>(src, out.data_ptr<int32_t>(), count); break;
    case 0x0D: convert_be<float, float>(src, out.data_ptr<float>(), count); break;
    default: convert_be<double, double>(src, out.data_ptr<double>(), count); break;
  }
  return out;
}

}  // namespace

Tensor read_idx(const std::string& path) { return load_idx(path, 0, "read_idx"); }

const std::vector<std::string>& MNIST::fashion_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

std::string MNIST::find_file(const std::string& root, const std::string& name) {
  namespace fs = std::filesystem;
  for (const std::string& candidate : {name, name + ".gz"}) {
    fs::path p = fs::path(root) / candidate;
    if (fs::is_regular_file(p)) return p.string();
  }
  EMBER_CHECK(fs::is_directory(root), "MNIST: data directory ", root, " does not exist");
  EMBER_THROW("MNIST: neither ", name, " nor ", name, ".gz is in ", root);
}

MNIST::MNIST(const std::string& root, Split split, Options options) {
  const std::string prefix = split == Train ? "train" : "t10k";
  const std::string ipath = find_file(root, prefix + "-images-idx3-ubyte");
  const std::string lpath = find_file(root, prefix + "-labels-idx1-ubyte");
  Tensor images = load_idx(ipath, 2051, "MNIST");
  Tensor labels = load_idx(lpath, 2049, "MNIST");
  EMBER_CHECK(images.size(0) == labels.size(0), "MNIST: ", ipath, " holds ", images.size(0), " images but ", lpath,
              " holds ", labels.size(0), " labels");
  const uint8_t* l = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < labels.size(0); ++i)
    EMBER_CHECK(l[i] <= 9, "MNIST: ", lpath, ": label ", int(l[i]), " at byte ", 8 + i, " (sample ", i,
                ") is not in 0..9");
  init(images.unsqueeze(1), labels, std::move(options));
}

std::pair<std::shared_ptr<Subset<Example>>, std::shared_ptr<Subset<Example>>> train_val_split(
    std::shared_ptr<const Dataset<Example>> dataset, double val_fraction, uint64_t seed) {
  EMBER_CHECK(dataset, "train_val_split: null dataset");
  EMBER_CHECK(val_fraction >= 0 && val_fraction < 1, "train_val_split: val_fraction must be in [0, 1), got ",
              val_fraction);
  const int64_t n = dataset->size();
  const auto n_val = static_cast<int64_t>(std::llround(static_cast<double>(n) * val_fraction));
  Generator gen(seed);
  std::vector<int64_t> perm = random_permutation(n, gen);
  std::vector<int64_t> val(perm.begin(), perm.begin() + n_val), train(perm.begin() + n_val, perm.end());
  std::sort(val.begin(), val.end());
  std::sort(train.begin(), train.end());
  return {std::make_shared<Subset<Example>>(dataset, std::move(train)),
          std::make_shared<Subset<Example>>(dataset, std::move(val))};
}

}  // namespace ember::data

// TensorDataset, permutations and split sizes (include/ember/data/dataset.h).
#include "ember/data/dataset.h"

#include <cmath>
#include <cstring>
#include <numeric>

#include "ember/data/worker.h"

namespace ember::data {

template class Subset<Example>;
template class ConcatDataset<Example>;

namespace {

// Copies rows `indices` of contiguous `src` into contiguous `dst` (len(indices), row...).
void gather_rows(const Tensor& src, const std::vector<int64_t>& indices, const Tensor& dst, const char* what) {
  EMBER_CHECK(dst.dtype() == src.dtype() && dst.size(0) == static_cast<int64_t>(indices.size()) &&
                  dst.numel() == static_cast<int64_t>(indices.size()) * (src.size(0) ? src.numel() / src.size(0) : 0),
              "TensorDataset: batch buffer for ", what, " has shape ", shape_str(dst.shape()), " ",
              dtype_name(dst.dtype()), ", rows are ", shape_str(Shape(src.shape().begin() + 1, src.shape().end())), " ",
              dtype_name(src.dtype()));
  const size_t row = src.nbytes() / static_cast<size_t>(src.size(0));
  const auto* s = static_cast<const uint8_t*>(src.raw_data());
  auto* d = static_cast<uint8_t*>(dst.raw_data());
  const int64_t n = src.size(0);
  for (size_t i = 0; i < indices.size(); ++i) {
    EMBER_CHECK(indices[i] >= 0 && indices[i] < n, "TensorDataset: index ", indices[i], " is out of range for size ", n);
    std::memcpy(d + i * row, s + static_cast<size_t>(indices[i]) * row, row);
  }
}

}  // namespace

TensorDataset::TensorDataset(Tensor data, Tensor target) {
  EMBER_CHECK(data.defined() && data.dim() >= 1, "TensorDataset: data must have a first (sample) dimension");
  size_ = data.size(0);
  data_ = data.contiguous();
  if (target.defined()) {
    EMBER_CHECK(target.dim() >= 1 && target.size(0) == size_, "TensorDataset: data has ", size_,
                " samples (shape ", shape_str(data.shape()), ") but target has shape ", shape_str(target.shape()));
    target_ = target.contiguous();
  }
}

Example TensorDataset::get(int64_t index) const {
  EMBER_CHECK(index >= 0 && index < size_, "TensorDataset: index ", index, " is out of range for size ", size_);
  return {data_.select(0, index), target_.defined() ? target_.select(0, index) : Tensor()};
}

bool TensorDataset::get_batch(const std::vector<int64_t>& indices, Example& batch) const {
  gather_rows(data_, indices, batch.data, "data");
  if (target_.defined()) gather_rows(target_, indices, batch.target, "target");
  return true;
}

std::vector<int64_t> random_permutation(int64_t n, Generator& gen) {
  EMBER_CHECK(n >= 0, "random_permutation: n must be non-negative, got ", n);
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  if (n < 2) return p;
  const uint64_t base = gen.reserve(static_cast<uint64_t>(n));
  for (int64_t i = n - 1; i > 0; --i) {
    uint32_t w[4];
    Generator::philox(gen.seed(), base + static_cast<uint64_t>(i), w);
    uint64_t u = (uint64_t(w[0]) << 32) | w[1];
    auto j = static_cast<int64_t>((static_cast<unsigned __int128>(u) * static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(j)]);
  }
  return p;
}

std::vector<int64_t> split_lengths(int64_t n, const std::vector<double>& lengths) {
  EMBER_CHECK(!lengths.empty(), "random_split: no lengths given");
  double total = 0;
  for (double l : lengths) {
    EMBER_CHECK(std::isfinite(l) && l >= 0, "random_split: lengths must be non-negative, got ", l);
    total += l;
  }
  std::vector<int64_t> out;
  if (std::abs(total - 1.0) < 1e-9 && total <= 1.0 + 1e-9) {
    // Fractions: floor each, then one more to each split in turn until they sum to n.
    int64_t sum = 0;
    for (double f : lengths) {
      out.push_back(static_cast<int64_t>(std::floor(f * static_cast<double>(n))));
      sum += out.back();
    }
    for (size_t i = 0; sum < n; i = (i + 1) % out.size(), ++sum) ++out[i];
    return out;
  }
  int64_t sum = 0;
  for (double l : lengths) {
    EMBER_CHECK(l == std::floor(l), "random_split: lengths must be whole counts or fractions summing to 1, got ", l);
    out.push_back(static_cast<int64_t>(l));
    sum += out.back();
  }
  EMBER_CHECK(sum == n, "random_split: the lengths sum to ", sum, " but the dataset has ", n, " samples");
  return out;
}

}  // namespace ember::data

// Random factories and in-place fills. Element i draws from Philox counter (offset + i/k),
// so the numbers are the same whatever the thread count.
#include <cmath>
#include <numeric>

#include "autograd/record.h"
#include "backend/cpu/dispatch.h"
#include "backend/cpu/kernels.h"
#include "backend/cpu/parallel_for.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "tensor/make.h"

namespace ember {

namespace {

// Fills contiguous `t` with U[0,1) (floating dtypes).
void fill_uniform(Tensor& t, Generator& gen) {
  const int64_t n = t.numel();
  cpu::dispatch_floating(t.dtype(), "rand", [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    constexpr int per = std::is_same_v<T, float> ? 4 : 2;  // values per counter
    const uint64_t seed = gen.seed(), base = gen.reserve((n + per - 1) / per);
    cpu::parallel_for((n + per - 1) / per, 4096, [&](int64_t b, int64_t e) {
      uint32_t w[4];
      for (int64_t c = b; c < e; ++c) {
        Generator::philox(seed, base + c, w);
        for (int k = 0; k < per && c * per + k < n; ++k) {
          if constexpr (std::is_same_v<T, float>) p[c * per + k] = Generator::to_unit_float(w[k]);
          else p[c * per + k] = Generator::to_unit_double(w[2 * k], w[2 * k + 1]);
        }
      }
    });
  });
}

// Fills contiguous `t` with N(0,1) by Box-Muller.
void fill_normal(Tensor& t, Generator& gen) {
  const int64_t n = t.numel();
  cpu::dispatch_floating(t.dtype(), "randn", [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.raw_data());
    constexpr int per = std::is_same_v<T, float> ? 4 : 2;
    const uint64_t seed = gen.seed(), base = gen.reserve((n + per - 1) / per);
    cpu::parallel_for((n + per - 1) / per, 4096, [&](int64_t b, int64_t e) {
      uint32_t w[4];
      for (int64_t c = b; c < e; ++c) {
        Generator::philox(seed, base + c, w);
        double z[4];
        if constexpr (std::is_same_v<T, float>) {
          for (int h = 0; h < 2; ++h) {
            double u1 = 1.0 - Generator::to_unit_float(w[2 * h]);  // (0,1]
            double u2 = Generator::to_unit_float(w[2 * h + 1]);
            double r = std::sqrt(-2.0 * std::log(u1));
            z[2 * h] = r * std::cos(2 * M_PI * u2);
            z[2 * h + 1] = r * std::sin(2 * M_PI * u2);
          }
        } else {
          double u1 = 1.0 - Generator::to_unit_double(w[0], w[1]);
          double u2 = Generator::to_unit_double(w[2], w[3]);
          double r = std::sqrt(-2.0 * std::log(u1));
          z[0] = r * std::cos(2 * M_PI * u2);
          z[1] = r * std::sin(2 * M_PI * u2);
        }
        for (int k = 0; k < per && c * per + k < n; ++k) p[c * per + k] = static_cast<T>(z[k]);
      }
    });
  });
}

TensorOptions float_opts(TensorOptions o, const char* op) {
  EMBER_CHECK(is_floating(o.dtype_), op, ": expected a floating dtype, got ", dtype_name(o.dtype_));
  return o;
}

}  // namespace

Tensor rand(const Shape& shape, TensorOptions o) {
  float_opts(o, "rand");
  Tensor t = make_empty(shape, o.dtype_, o.device_);
  fill_uniform(t, default_generator());
  if (o.requires_grad_) t.requires_grad_(true);
  return t;
}

Tensor randn(const Shape& shape, TensorOptions o) {
  float_opts(o, "randn");
  Tensor t = make_empty(shape, o.dtype_, o.device_);
  fill_normal(t, default_generator());
  if (o.requires_grad_) t.requires_grad_(true);
  return t;
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions o) {
  EMBER_CHECK(low < high, "randint: expected low < high, got low=", low, " high=", high);
  Tensor t = make_empty(shape, kInt64, o.device_);
  int64_t* p = t.data_ptr<int64_t>();
  const int64_t n = t.numel();
  const uint64_t range = static_cast<uint64_t>(high - low);
  Generator& gen = default_generator();
  const uint64_t seed = gen.seed(), base = gen.reserve((n + 1) / 2);
  cpu::parallel_for((n + 1) / 2, 4096, [&](int64_t b, int64_t e) {
    uint32_t w[4];
    for (int64_t c = b; c < e; ++c) {
      Generator::philox(seed, base + c, w);
      for (int k = 0; k < 2 && 2 * c + k < n; ++k) {
        uint64_t r = (uint64_t(w[2 * k]) << 32) | w[2 * k + 1];
        p[2 * c + k] = low + static_cast<int64_t>(r % range);
      }
    }
  });
  return cpu::convert(t, o.dtype_);
}

Tensor randperm(int64_t n, TensorOptions o) {
  EMBER_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  Tensor t = make_empty({n}, kInt64, o.device_);
  int64_t* p = t.data_ptr<int64_t>();
  std::iota(p, p + n, int64_t{0});
  Generator& gen = default_generator();
  const uint64_t seed = gen.seed(), base = gen.reserve(static_cast<uint64_t>(n));
  uint32_t w[4];
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    Generator::philox(seed, base + static_cast<uint64_t>(i), w);
    uint64_t r = (uint64_t(w[0]) << 32) | w[1];
    std::swap(p[i], p[r % static_cast<uint64_t>(i + 1)]);
  }
  return cpu::convert(t, o.dtype_);
}

Tensor& Tensor::uniform_(double from, double to) {
  EMBER_CHECK(from <= to, "uniform_: expects from <= to, got from=", from, " to=", to);
  Tensor r = rand(sizes(), float_opts(TensorOptions(dtype()), "uniform_"));
  if (from != 0.0 || to != 1.0) {
    NoGradGuard g;
    r = r * (to - from) + from;
  }
  if (autograd::needs_grad(*this)) return autograd::inplace(*this, "uniform_", [&](const Tensor&) { return r; });
  autograd::check_inplace(*this, "uniform_");
  cpu::copy_(*this, r);
  return *this;
}

Tensor& Tensor::normal_(double mean, double stdv) {
  EMBER_CHECK(stdv >= 0, "normal_: expects std >= 0, got ", stdv);
  Tensor r = randn(sizes(), float_opts(TensorOptions(dtype()), "normal_"));
  if (mean != 0.0 || stdv != 1.0) {
    NoGradGuard g;
    r = r * stdv + mean;
  }
  if (autograd::needs_grad(*this)) return autograd::inplace(*this, "normal_", [&](const Tensor&) { return r; });
  autograd::check_inplace(*this, "normal_");
  cpu::copy_(*this, r);
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor& Tensor::fill_(Scalar v) {
  if (autograd::needs_grad(*this)) {
    // keep the graph: the old history receives a zero gradient (FillBackward2)
    return autograd::inplace(*this, "fill_", [&](const Tensor& s) { return full_like(s, v); });
  }
  autograd::check_inplace(*this, "fill_");
  cpu::fill_(*this, v);
  return *this;
}

}  // namespace ember

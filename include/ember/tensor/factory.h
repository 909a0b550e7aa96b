#pragma once
// Creating tensors: filled, ranges, random, from user data.
#include <functional>
#include <initializer_list>
#include <vector>
#include "ember/core/rng.h"
#include "ember/tensor/tensor.h"

namespace ember {

Tensor empty(const Shape& shape, TensorOptions opts = {});
Tensor zeros(const Shape& shape, TensorOptions opts = {});
Tensor ones(const Shape& shape, TensorOptions opts = {});
Tensor full(const Shape& shape, Scalar value, TensorOptions opts = {});  // dtype from value unless given
Tensor scalar_tensor(Scalar value, TensorOptions opts = {});
Tensor arange(Scalar end, TensorOptions opts = {});
Tensor arange(Scalar start, Scalar end, Scalar step = 1, TensorOptions opts = {});  // int64 unless a bound is floating
Tensor linspace(double start, double end, int64_t steps, TensorOptions opts = {});
Tensor eye(int64_t n, int64_t m = -1, TensorOptions opts = {});
Tensor rand(const Shape& shape, TensorOptions opts = {});   // U[0,1)
Tensor randn(const Shape& shape, TensorOptions opts = {});  // N(0,1)
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions opts = kInt64);  // [low, high)
Tensor randperm(int64_t n, TensorOptions opts = kInt64);

Tensor empty_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);
Tensor full_like(const Tensor& t, Scalar value, std::optional<TensorOptions> opts = std::nullopt);
Tensor rand_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);
Tensor randn_like(const Tensor& t, std::optional<TensorOptions> opts = std::nullopt);

// Copy user data into a new tensor. `shape` defaults to 1-D; its product must equal data.size().
Tensor tensor(const std::vector<float>& data, const Shape& shape = {}, TensorOptions opts = {});
Tensor tensor(const std::vector<double>& data, const Shape& shape = {}, TensorOptions opts = kFloat64);
Tensor tensor(const std::vector<int64_t>& data, const Shape& shape = {}, TensorOptions opts = kInt64);
Tensor tensor(const std::vector<int32_t>& data, const Shape& shape = {}, TensorOptions opts = kInt32);
Tensor tensor(const std::vector<uint8_t>& data, const Shape& shape = {}, TensorOptions opts = kUInt8);
Tensor tensor(const std::vector<bool>& data, const Shape& shape = {}, TensorOptions opts = kBool);
Tensor tensor(std::initializer_list<float> data, const Shape& shape = {}, TensorOptions opts = {});
Tensor tensor(std::initializer_list<double> data, const Shape& shape = {}, TensorOptions opts = kFloat64);
Tensor tensor(std::initializer_list<int> data, const Shape& shape = {}, TensorOptions opts = kInt64);

// A tensor over user memory, no copy (contiguous unless strides given). The memory must
// outlive the tensor; `deleter`, if given, is called when the last view dies.
Tensor from_blob(void* data, const Shape& shape, DType dtype, std::function<void(void*)> deleter = {});
Tensor from_blob(void* data, const Shape& shape, const Shape& strides, DType dtype,
                 std::function<void(void*)> deleter = {});
// The deep-copying variant: the tensor owns a copy of `data`.
Tensor from_blob_copy(const void* data, const Shape& shape, DType dtype);

}  // namespace ember

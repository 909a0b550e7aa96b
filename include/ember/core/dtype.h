#pragma once
// Element types and PyTorch's type promotion among them.
#include <cstddef>
#include <cstdint>
#include <iosfwd>

namespace ember {

// Ordered by promotion rank within a kind (bool < integers < floats).
// Float16/BFloat16 are reserved for storage (checkpoints); compute kernels reject them.
enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float16, BFloat16, Float32, Float64 };

constexpr DType kBool = DType::Bool;
constexpr DType kUInt8 = DType::UInt8;
constexpr DType kInt32 = DType::Int32;
constexpr DType kInt64 = DType::Int64;
constexpr DType kFloat16 = DType::Float16;
constexpr DType kBFloat16 = DType::BFloat16;
constexpr DType kFloat32 = DType::Float32;
constexpr DType kFloat64 = DType::Float64;

size_t element_size(DType t);
const char* dtype_name(DType t);  // "float32", "int64", ... as PyTorch prints them
bool is_floating(DType t);
bool is_integral(DType t, bool include_bool = false);
// torch.promote_types: the smallest type both convert to without losing kind.
DType promote_types(DType a, DType b);
std::ostream& operator<<(std::ostream& os, DType t);

template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = kBool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = kUInt8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = kInt32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = kInt64; };
template <> struct dtype_of<float> { static constexpr DType value = kFloat32; };
template <> struct dtype_of<double> { static constexpr DType value = kFloat64; };
template <class T> constexpr DType dtype_of_v = dtype_of<T>::value;

}  // namespace ember

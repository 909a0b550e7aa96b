#pragma once
// Internal: run a generic lambda with the C++ type of a dtype.
//   dispatch_all(t.dtype(), "exp", [&](auto tag) { using T = decltype(tag); ... });
#include <cstdint>
#include "ember/core/dtype.h"
#include "ember/core/error.h"

namespace ember::cpu {

template <class F>
decltype(auto) dispatch_all(DType dt, const char* op, F&& f) {
  switch (dt) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Int64: return f(int64_t{});
    case DType::Int32: return f(int32_t{});
    case DType::UInt8: return f(uint8_t{});
    case DType::Bool: return f(bool{});
    default: EMBER_THROW(op, ": dtype ", dtype_name(dt), " is not supported (storage only)");
  }
}

template <class F>
decltype(auto) dispatch_floating(DType dt, const char* op, F&& f) {
  switch (dt) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    default: EMBER_THROW(op, ": expected a floating-point tensor, got ", dtype_name(dt));
  }
}

// Numeric types without bool (arithmetic).
template <class F>
decltype(auto) dispatch_numeric(DType dt, const char* op, F&& f) {
  switch (dt) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Int64: return f(int64_t{});
    case DType::Int32: return f(int32_t{});
    case DType::UInt8: return f(uint8_t{});
    default: EMBER_THROW(op, ": dtype ", dtype_name(dt), " is not supported");
  }
}

}  // namespace ember::cpu

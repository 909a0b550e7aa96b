#pragma once
// Test helpers: tensor comparison and finite-difference gradient checks.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <ember/ember.h>

namespace ember::testing {

// |a - b| <= atol + rtol * |b| elementwise (after converting both to float64); the message
// names the largest error and where it is.
::testing::AssertionResult tensors_close(const Tensor& a, const Tensor& b, double atol = 1e-5, double rtol = 1e-4);
#define EXPECT_TENSOR_CLOSE(a, b, ...) EXPECT_TRUE(::ember::testing::tensors_close((a), (b), ##__VA_ARGS__))

using Fn = std::function<Tensor(const TensorList&)>;

// Compares autograd's gradient of sum(fn(inputs) * w) (w fixed random) with central finite
// differences. Inputs must be float64 leaves that require grad (contiguous); apply views
// (transpose, slice, expand) inside fn to test strided inputs.
::testing::AssertionResult gradcheck(const Fn& fn, const TensorList& inputs, double eps = 1e-6, double atol = 1e-5,
                                     double rtol = 1e-3);
// Second order: checks the gradient of sum_i <grad_i, v_i> (computed with create_graph) the same way.
// The message of the ember::Error that `f` throws; "" when it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// EXPECT_ERROR_HAS(stmt, "part", ...): stmt throws an ember::Error whose message holds every part.
#define EXPECT_ERROR_HAS(stmt, ...)                                                         \
  do {                                                                                      \
    std::string msg_ = ::ember::testing::error_of([&] { (void)(stmt); });                  \
    EXPECT_FALSE(msg_.empty()) << #stmt << " did not throw ember::Error";                   \
    for (const char* part : {__VA_ARGS__})                                                  \
      EXPECT_NE(msg_.find(part), std::string::npos) << "'" << part << "' not in: " << msg_; \
  } while (0)

// A float64 leaf of N(0,1) values that requires grad, reproducible from `seed`.
Tensor randn_leaf(const Shape& shape, uint64_t seed = 1);

::testing::AssertionResult gradgradcheck(const Fn& fn, const TensorList& inputs, double eps = 1e-6,
                                         double atol = 1e-4, double rtol = 1e-3);

}  // namespace ember::testing

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
::testing::AssertionResult gradgradcheck(const Fn& fn, const TensorList& inputs, double eps = 1e-6,
                                         double atol = 1e-4, double rtol = 1e-3);

}  // namespace ember::testing

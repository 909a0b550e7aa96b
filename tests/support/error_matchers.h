#pragma once
// EXPECT_ERROR_CONTAINS(needle, statement...): the statement must throw ember::Error whose
// message contains `needle` (bad-input tests check that errors name what was wrong).
//   EXPECT_ERROR_CONTAINS("max_queue", SummaryWriter w(dir, {.max_queue = 0}));
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include <ember/core/error.h>

namespace ember::testing {

inline ::testing::AssertionResult throws_error_containing(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
  } catch (const Error& e) {
    if (std::string(e.what()).find(needle) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the error \"" << e.what() << "\" does not contain \"" << needle << "\"";
  }
  return ::testing::AssertionFailure() << "no ember::Error was thrown (expected one containing \"" << needle << "\")";
}

}  // namespace ember::testing

#define EXPECT_ERROR_CONTAINS(needle, ...) \
  EXPECT_TRUE(::ember::testing::throws_error_containing([&] { __VA_ARGS__; }, (needle)))

#pragma once
// The golden runner's registry. A reference case (one ../shared/golden/*.safetensors file,
// format in its README.md) names an `op` and a `kind`; the runner looks up (kind, op) here.
//
// function / module cases -> an OpFn: (inputs in the case's call order, args JSON) -> outputs in
//   the case's `outputs` order. The runner makes the `grads` inputs require grad, compares the
//   outputs, then back-propagates sum_k(out_k * upstream.out_k) and compares grad.<input>.
// other kinds (optimizer, scheduler, model) -> a CaseFn: (the whole case) -> a map of tensor
//   name -> computed value; each is compared with the stored tensor of the same name.
//
// Register from any tests/golden/*.cpp file with a static initializer:
//   EMBER_GOLDEN_OP(function, relu) { return {relu(in[0])}; }
//   EMBER_GOLDEN_CASE(optimizer, sgd) { ...; return {{"param_after0", p0}, ...}; }
// An op that meets arguments it does not handle throws golden::Unsupported("why"); the case is
// then reported UNSUPPORTED instead of FAIL.
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <ember/ember.h>

namespace ember::golden {

using json = nlohmann::json;
using TensorMap = std::map<std::string, Tensor>;

// One loaded case file.
struct Case {
  std::string name;  // file name without .safetensors
  std::string path;
  std::string op, kind;
  json args;  // parsed `args` ({} if absent)
  std::map<std::string, std::string> metadata;
  TensorMap tensors;  // every tensor in the file
  std::vector<std::string> inputs, outputs, grads;  // parsed comma lists
  const Tensor& tensor(const std::string& name) const;  // throws ember::Error naming the case
};

// The inputs of a function/module call: by position (call order) or by name.
struct Inputs {
  TensorList list;
  std::vector<std::string> names;
  size_t size() const { return list.size(); }
  const Tensor& operator[](size_t i) const;
  const Tensor& operator[](const std::string& name) const;
  bool has(const std::string& name) const;
};

using OpFn = std::function<TensorList(const Inputs& in, const json& args)>;
using CaseFn = std::function<TensorMap(const Case& c)>;

// |ours - ref| <= atol + rtol * |ref| elementwise.
struct Tolerance {
  double atol = 1e-5;
  double rtol = 1e-4;
};

struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Both return true so they can initialise a static; registering a (kind, op) twice throws.
bool register_op(const std::string& kind, const std::string& op, OpFn fn, Tolerance tol = {});
bool register_case(const std::string& kind, const std::string& op, CaseFn fn, Tolerance tol = {});

// ---- argument helpers (throw ember::Error naming the key when the type is wrong) ----------
int64_t arg_int(const json& args, const char* key);
int64_t arg_int(const json& args, const char* key, int64_t fallback);
double arg_double(const json& args, const char* key);
double arg_double(const json& args, const char* key, double fallback);
bool arg_bool(const json& args, const char* key, bool fallback);
std::string arg_string(const json& args, const char* key, const std::string& fallback);
// An int or a list of ints (`dim: 1` and `dim: [0, 2]` both work); `fallback` if absent or null.
std::vector<int64_t> arg_ints(const json& args, const char* key, std::vector<int64_t> fallback = {});
// A number, or nullopt when absent or null (e.g. clamp's min/max).
std::optional<double> arg_optional_double(const json& args, const char* key);
bool has_arg(const json& args, const char* key);  // present and not null

}  // namespace ember::golden

#define EMBER_GOLDEN_CONCAT2(a, b) a##b
#define EMBER_GOLDEN_CONCAT(a, b) EMBER_GOLDEN_CONCAT2(a, b)

// EMBER_GOLDEN_OP(kind, op) { body using `in` (golden::Inputs) and `args` (json) }
#define EMBER_GOLDEN_OP(kind, op, ...)                                                                   \
  static ::ember::TensorList EMBER_GOLDEN_CONCAT(golden_op_, __LINE__)(const ::ember::golden::Inputs&, \
                                                                        const ::ember::golden::json&);   \
  [[maybe_unused]] static const bool EMBER_GOLDEN_CONCAT(golden_reg_, __LINE__) =                      \
      ::ember::golden::register_op(#kind, #op, &EMBER_GOLDEN_CONCAT(golden_op_, __LINE__), ##__VA_ARGS__); \
  static ::ember::TensorList EMBER_GOLDEN_CONCAT(golden_op_, __LINE__)(                                  \
      [[maybe_unused]] const ::ember::golden::Inputs& in, [[maybe_unused]] const ::ember::golden::json& args)

// EMBER_GOLDEN_CASE(kind, op) { body using `c` (const golden::Case&), returning a TensorMap }
#define EMBER_GOLDEN_CASE(kind, op, ...)                                                                    \
  static ::ember::golden::TensorMap EMBER_GOLDEN_CONCAT(golden_case_, __LINE__)(const ::ember::golden::Case&); \
  [[maybe_unused]] static const bool EMBER_GOLDEN_CONCAT(golden_reg_, __LINE__) =                         \
      ::ember::golden::register_case(#kind, #op, &EMBER_GOLDEN_CONCAT(golden_case_, __LINE__), ##__VA_ARGS__); \
  static ::ember::golden::TensorMap EMBER_GOLDEN_CONCAT(golden_case_, __LINE__)(                            \
      [[maybe_unused]] const ::ember::golden::Case& c)

#pragma once
// User-defined differentiable functions, like torch.autograd.Function:
//
//   struct MyExp : ember::autograd::Function<MyExp> {
//     static Tensor forward(AutogradContext* ctx, const Tensor& x, double k) {
//       Tensor y = (x * k).exp();
//       ctx->save_for_backward({y});
//       ctx->saved_data["k"] = k;
//       return y;
//     }
//     static TensorList backward(AutogradContext* ctx, const TensorList& grad_out) {
//       Tensor y = ctx->get_saved_variables()[0];
//       double k = std::any_cast<double>(ctx->saved_data["k"]);
//       return {grad_out[0] * y * k, Tensor()};  // one per forward argument
//     }
//   };
//   Tensor y = MyExp::apply(x, 2.0);   // y.grad_fn()->name() == "MyExpBackward"
//
// forward runs with grad mode off and returns a Tensor or a TensorList. backward gets one
// gradient per forward output (zero-filled when none arrived) and returns one gradient per
// forward argument: a TensorList argument counts as one argument per element, a non-tensor
// argument needs an undefined Tensor. backward runs with grad mode on only under
// create_graph, so a backward written with Tensor ops supports double backward.
// forward must not modify in place an input that requires grad (there is no mark_dirty):
// apply raises an error if it does. Tensors kept in saved_data are not version-checked and
// may create reference cycles; use save_for_backward for tensors.
// The template below is only glue; the machinery lives in src/autograd/function.cpp.
#include <any>
#include <memory>
#include <string>
#include <typeinfo>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"

namespace ember::autograd {

class CustomFunctionNode;
namespace detail {
class FunctionCall;
}

class AutogradContext {
 public:
  AutogradContext() = default;
  AutogradContext(const AutogradContext&) = delete;
  AutogradContext& operator=(const AutogradContext&) = delete;

  // Call in forward: the tensors backward needs (inputs or outputs). Version-checked: an
  // in-place change before backward raises an error.
  void save_for_backward(TensorList to_save);
  // Call in backward: the saved tensors, in the order they were saved.
  TensorList get_saved_variables() const;
  TensorList saved_tensors() const { return get_saved_variables(); }
  // Outputs that get no gradient (e.g. indices): they do not require grad.
  void mark_non_differentiable(const TensorList& outputs);
  // Whether forward argument `index` (flattened as for backward's result) needs a gradient.
  bool needs_input_grad(size_t index) const;

  // Anything else backward needs (doubles, shapes, flags): ctx->saved_data["k"] = 2.0.
  std::unordered_map<std::string, std::any> saved_data;

 private:
  friend class CustomFunctionNode;
  friend class detail::FunctionCall;
  TensorList to_save_;
  std::vector<TensorImpl*> non_differentiable_;
  std::vector<bool> needs_input_grad_;
  CustomFunctionNode* node_ = nullptr;
  bool saved_ready_ = false;  // save_for_backward's tensors became SavedVariables
  std::string name_;
};

namespace detail {

using BackwardPtr = TensorList (*)(AutogradContext*, const TensorList&);

// One call of Function<T>::apply (non-template machinery, see function.cpp).
class FunctionCall {
 public:
  FunctionCall(const std::type_info& type, BackwardPtr backward);
  ~FunctionCall();
  FunctionCall(const FunctionCall&) = delete;
  FunctionCall& operator=(const FunctionCall&) = delete;

  void add_arg(const Tensor& t);
  void add_arg(const TensorList& ts);
  template <class A>
    requires(!std::is_convertible_v<const A&, const Tensor&> && !std::is_convertible_v<const A&, const TensorList&>)
  void add_arg(const A&) { add_non_tensor(); }
  void add_non_tensor();

  // After all add_arg: decides whether a graph is recorded; returns the ctx for forward.
  AutogradContext* begin();
  // Connects forward's outputs to the node (when recording) and saves ctx's tensors.
  Tensor finish(Tensor output);
  TensorList finish(TensorList outputs);

 private:
  std::shared_ptr<CustomFunctionNode> node_;
};

}  // namespace detail

// CRTP base: derive as `struct F : Function<F>` and define static forward/backward.
template <class T>
struct Function {
  template <class... Args>
  static auto apply(Args&&... args) {
    detail::FunctionCall call(typeid(T), +[](AutogradContext* ctx, const TensorList& g) -> TensorList {
      return T::backward(ctx, g);
    });
    (call.add_arg(args), ...);
    AutogradContext* ctx = call.begin();
    using Out = decltype(T::forward(ctx, std::forward<Args>(args)...));
    static_assert(std::is_same_v<std::decay_t<Out>, Tensor> || std::is_same_v<std::decay_t<Out>, TensorList>,
                  "autograd::Function: forward must return a Tensor or a TensorList");
    std::decay_t<Out> out;
    {
      NoGradGuard no_grad;
      out = T::forward(ctx, std::forward<Args>(args)...);
    }
    return call.finish(std::move(out));
  }
};

}  // namespace ember::autograd

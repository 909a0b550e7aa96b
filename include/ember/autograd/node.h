#pragma once
// The autograd graph: each op that needs a gradient creates a Node (its "grad_fn")
// whose next edges point at the nodes of its inputs (or an AccumulateGrad for a leaf).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>
#include "ember/tensor/tensor.h"

namespace ember::autograd {

class Node;

struct Edge {
  std::shared_ptr<Node> node;  // null: the input needs no gradient
  uint32_t input_nr = 0;       // which of node's gradient inputs this edge feeds
  bool valid() const { return node != nullptr; }
};

// What a forward output looked like, so a missing gradient can be zero-filled.
struct OutputMeta {
  Shape shape;
  DType dtype = kFloat32;
  Device device{};
};

// A tensor saved for backward. Remembers the version it saw: if the tensor is modified
// in place before backward, unpack() raises the error PyTorch raises.
class SavedVariable {
 public:
  SavedVariable() = default;
  // `is_output`: the tensor is an output of the node saving it (stored without its
  // grad_fn to avoid a reference cycle; unpack() restores it).
  SavedVariable(const Tensor& t, bool is_output);
  Tensor unpack(Node* owner) const;
  void reset();
  bool defined() const { return defined_; }
  // Moves the held tensor out (used by the iterative graph destructor).
  std::shared_ptr<TensorImpl> take_impl();

 private:
  Tensor data_;
  uint64_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool defined_ = false;
  bool is_output_ = false;
  bool requires_grad_ = false;
  bool released_ = false;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // PyTorch's name for the node: "AddBackward0", "AccumulateGrad", ...
  virtual std::string name() const = 0;
  // grads[i] is the gradient of forward output i (zero-filled when missing);
  // returns one gradient per next edge (undefined where none).
  virtual TensorList apply(TensorList&& grads) = 0;
  // Frees saved tensors after a backward without retain_graph.
  virtual void release_variables() {}
  // The leaf tensor an AccumulateGrad writes to (null for other nodes).
  virtual TensorImpl* leaf() const { return nullptr; }

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  std::vector<Edge>& mutable_next_edges() { return next_edges_; }
  // (node, input_nr) per input, as torch's grad_fn.next_functions.
  std::vector<std::pair<std::shared_ptr<Node>, uint32_t>> next_functions() const;
  uint64_t sequence_nr() const { return sequence_nr_; }

  std::vector<OutputMeta>& output_meta() { return output_meta_; }
  const std::vector<OutputMeta>& output_meta() const { return output_meta_; }
  uint32_t num_outputs() const { return static_cast<uint32_t>(output_meta_.size()); }

  // Hooks on the gradient of forward output `output_nr`, run before apply().
  int add_pre_hook(uint32_t output_nr, Tensor::Hook hook);
  bool remove_pre_hook(int handle);
  // Runs the pre-hooks on grads (in place).
  void run_pre_hooks(TensorList& grads);
  bool has_pre_hooks() const { return !pre_hooks_.empty(); }

 protected:
  std::vector<Edge> next_edges_;
  std::vector<OutputMeta> output_meta_;
  // Saved tensors live here (not in subclasses) so that ~Node can release long graphs
  // iteratively. Backward closures must not capture Tensors by value: save them.
  std::vector<SavedVariable> saved_;

 private:
  struct PreHook {
    int handle;
    uint32_t output_nr;
    Tensor::Hook fn;
  };
  std::vector<PreHook> pre_hooks_;
  uint64_t sequence_nr_;
};

// Autograd state of a tensor. Created lazily.
struct AutogradMeta {
  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;            // null for leaves
  uint32_t output_nr = 0;
  std::weak_ptr<Node> grad_accumulator;     // a leaf's AccumulateGrad, while a graph uses it
  std::vector<std::pair<int, Tensor::Hook>> hooks;  // a leaf's tensor hooks
  int retain_grad_hook = -1;
  // (from a per-thread pool: every op output gets one)
  static void* operator new(std::size_t n);
  static void operator delete(void* p, std::size_t n);
};

// The node that adds an incoming gradient into a leaf's .grad.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf);
  std::string name() const override { return "AccumulateGrad"; }
  TensorList apply(TensorList&& grads) override;
  TensorImpl* leaf() const override { return leaf_.get(); }
  const std::shared_ptr<TensorImpl>& variable() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// The meta of `t`, created if absent.
AutogradMeta& meta(const Tensor& t);
// The meta of `t`, or null.
AutogradMeta* meta_or_null(const Tensor& t);
// The edge a gradient for `t` flows along: its grad_fn, its AccumulateGrad, or none.
Edge gradient_edge(const Tensor& t);
// A unique handle for hooks.
int next_hook_handle();

}  // namespace ember::autograd

#include "ember/autograd/engine.h"

#include <memory_resource>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

namespace ember::autograd {

namespace {

struct NodeTask {
  Node* node;
  bool operator<(const NodeTask& o) const { return node->sequence_nr() < o.node->sequence_nr(); }
};

// Makes `g` fit what `meta` describes, as PyTorch's validate_outputs: a gradient of a shape the
// input broadcast to is summed back (so binary ops need not reduce their own gradients); any
// other shape is an error naming the node; the dtype is converted.
Tensor validate_grad(const Tensor& g_in, const OutputMeta& meta, const Node& producer, size_t index) {
  if (!g_in.defined()) return g_in;
  Tensor g = g_in;
  if (g.sizes() != meta.shape) {
    EMBER_CHECK(is_expandable_to(meta.shape, g.sizes()), "Function ", producer.name(),
                " returned an invalid gradient at index ", index, " - got ", shape_str(g.sizes()),
                " but expected shape compatible with ", shape_str(meta.shape));
    g = sum_to(g, meta.shape);
  }
  if (g.dtype() != meta.dtype) return g.to(meta.dtype);
  return g;
}

// Runs the graph below `roots`. With `captures` (autograd::grad), the gradients reaching those
// edges are returned instead of being accumulated into .grad, and only nodes that lead to a
// captured edge run.
TensorList run(const std::vector<Edge>& roots, TensorList root_grads, bool keep_graph, bool create_graph,
               const std::vector<Edge>* captures) {
  struct Restore {
    bool prev;
    ~Restore() { GradMode::set_enabled(prev); }
  } restore{GradMode::is_enabled()};
  GradMode::set_enabled(create_graph);
  // The bookkeeping below lives in one arena (a small graph needs no malloc at all).
  alignas(std::max_align_t) std::byte arena_buf[16384];
  std::pmr::monotonic_buffer_resource arena(arena_buf, sizeof(arena_buf));

  // 1. Discover the graph (iterative DFS), count dependencies, record post-order.
  std::pmr::unordered_map<Node*, int> deps(&arena);
  std::pmr::vector<Node*> post_order(&arena);
  {
    std::pmr::unordered_set<Node*> seen(&arena);
    std::pmr::vector<std::pair<Node*, size_t>> stack(&arena);
    for (auto& r : roots) {
      if (!r.node || seen.count(r.node.get())) continue;
      seen.insert(r.node.get());
      stack.push_back({r.node.get(), 0});
      while (!stack.empty()) {
        auto& [n, i] = stack.back();
        if (i < n->next_edges().size()) {
          Node* c = n->next_edges()[i++].node.get();
          if (!c) continue;
          deps[c] += 1;
          if (seen.insert(c).second) stack.push_back({c, 0});
        } else {
          post_order.push_back(n);
          stack.pop_back();
        }
      }
    }
  }

  // 2. Which nodes must run.
  std::pmr::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> capture_at(&arena);  // -> (input_nr, slot)
  std::pmr::unordered_set<Node*> needed(&arena);
  TensorList captured;
  if (captures) {
    captured.resize(captures->size());
    for (size_t i = 0; i < captures->size(); ++i)
      if ((*captures)[i].node) capture_at[(*captures)[i].node.get()].push_back({(*captures)[i].input_nr, i});
    for (Node* n : post_order) {
      bool need = capture_at.count(n) > 0;
      for (auto& e : n->next_edges())
        if (e.node && needed.count(e.node.get())) need = true;
      if (need) needed.insert(n);
    }
  }

  // 3. Seed the input buffers with the root gradients.
  std::pmr::unordered_map<Node*, TensorList> buffers(&arena);
  auto accumulate = [&](Node* n, uint32_t input_nr, Tensor g) {
    auto& buf = buffers[n];
    if (buf.size() < n->num_outputs()) buf.resize(n->num_outputs());
    EMBER_CHECK(input_nr < buf.size(), "autograd: gradient index ", input_nr, " out of range for ", n->name());
    Tensor& slot = buf[input_nr];
    if (!slot.defined()) slot = std::move(g);
    else slot = slot + g;
  };
  for (size_t i = 0; i < roots.size(); ++i)
    if (roots[i].node) accumulate(roots[i].node.get(), roots[i].input_nr, root_grads[i]);

  std::priority_queue<NodeTask, std::pmr::vector<NodeTask>> ready{std::less<NodeTask>(),
                                                                   std::pmr::vector<NodeTask>(&arena)};
  {
    std::pmr::unordered_set<Node*> queued(&arena);
    for (auto& r : roots)
      if (r.node && deps[r.node.get()] == 0 && queued.insert(r.node.get()).second) ready.push({r.node.get()});
  }

  // 4. Run nodes once all their gradients have arrived.
  while (!ready.empty()) {
    Node* n = ready.top().node;
    ready.pop();
    TensorList grads = std::move(buffers[n]);
    buffers.erase(n);
    grads.resize(n->num_outputs());
    bool skip = captures && !needed.count(n);
    if (!skip) {
      for (size_t i = 0; i < grads.size(); ++i)
        if (!grads[i].defined()) {
          const auto& om = n->output_meta()[i];
          grads[i] = zeros(om.shape, TensorOptions(om.dtype).device(om.device));
        }
      n->run_pre_hooks(grads);
      if (captures) {
        if (auto it = capture_at.find(n); it != capture_at.end())
          for (auto [input_nr, slot] : it->second) {
            Tensor g = grads.at(input_nr);
            captured[slot] = captured[slot].defined() ? captured[slot] + g : g;
          }
      }
    }
    bool run_node = !skip && !(captures && n->leaf() != nullptr);  // grad() never touches .grad
    TensorList outs;
    if (run_node) {
      outs = n->apply(std::move(grads));
      if (!keep_graph) n->release_variables();
    }
    const auto& edges = n->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      Node* c = edges[i].node.get();
      if (!c) continue;
      if (run_node && i < outs.size() && outs[i].defined()) {
        Tensor g = validate_grad(outs[i], c->output_meta().at(edges[i].input_nr), *n, i);
        accumulate(c, edges[i].input_nr, std::move(g));
      }
      if (--deps[c] == 0) ready.push({c});
    }
  }
  return captured;
}

std::vector<Edge> root_edges(const TensorList& tensors, TensorList& grads, const TensorList& given,
                             const char* op) {
  EMBER_CHECK(given.empty() || given.size() == tensors.size(), op, ": got ", given.size(), " gradients for ",
              tensors.size(), " tensors");
  std::vector<Edge> roots;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.defined(), op, ": tensor ", i, " is undefined");
    EMBER_CHECK(t.requires_grad(), op, ": element ", i, " of tensors does not require grad and does not have a grad_fn");
    Tensor g = given.empty() ? Tensor() : given[i];
    if (!g.defined()) {
      EMBER_CHECK(t.numel() == 1, op, ": grad can be implicitly created only for scalar outputs (output ", i,
                  " has shape ", shape_str(t.sizes()), ")");
      g = ones_like(t);
    } else {
      EMBER_CHECK(g.sizes() == t.sizes(), op, ": Mismatch in shape: grad_output[", i, "] has a shape of ",
                  shape_str(g.sizes()), " and output[", i, "] has a shape of ", shape_str(t.sizes()));
      if (g.dtype() != t.dtype()) g = g.to(t.dtype());
    }
    grads.push_back(g);
    roots.push_back(gradient_edge(t));
  }
  return roots;
}

}  // namespace

void backward(const TensorList& tensors, const TensorList& grad_tensors, std::optional<bool> retain_graph,
              bool create_graph) {
  TensorList grads;
  auto roots = root_edges(tensors, grads, grad_tensors, "backward");
  run(roots, std::move(grads), retain_graph.value_or(create_graph), create_graph, nullptr);
}

TensorList grad(const TensorList& outputs, const TensorList& inputs, const TensorList& grad_outputs,
                std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  TensorList grads;
  auto roots = root_edges(outputs, grads, grad_outputs, "autograd::grad");
  std::vector<Edge> captures;
  for (size_t i = 0; i < inputs.size(); ++i) {
    EMBER_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "autograd::grad: input ", i,
                " does not require grad");
    captures.push_back(gradient_edge(inputs[i]));
  }
  TensorList r = run(roots, std::move(grads), retain_graph.value_or(create_graph), create_graph, &captures);
  for (size_t i = 0; i < r.size(); ++i) {
    EMBER_CHECK(r[i].defined() || allow_unused, "autograd::grad: one of the differentiated tensors (input ", i,
                ") appears to not have been used in the graph. Set allow_unused=true if this is the desired "
                "behavior.");
    if (r[i].defined() && !create_graph) r[i] = r[i].detach();
  }
  return r;
}

}  // namespace ember::autograd

// graph_def: autograd graph -> GraphDef{node=1 NodeDef, versions=4 VersionDef{producer=1}}.
// NodeDef{name=1, op=2, input=3, attr=5 map<string, AttrValue>}; each node carries PyTorch's
// "_output_shapes" attr (AttrValue{list{shape=[TensorShapeProto...]}}) and a readable "attr"
// string. Data flows from leaves (parameters, inputs) through ops to the "output" node: an
// autograd node's next edges are exactly its forward op's inputs that need a gradient (inputs
// that need none, such as the data batch, are not part of the autograd graph and do not show).
#include "io/tensorboard_graph.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "ember/autograd/node.h"
#include "io/protobuf_writer.h"

namespace ember::tensorboard {

namespace {

using autograd::Node;
using io::ProtoWriter;

constexpr int64_t kGraphProducer = 22;  // the VersionDef producer PyTorch writes

// "AddmmBackward0" -> "Addmm"; names without the suffix are kept.
std::string forward_op_name(const std::string& node_name) {
  auto p = node_name.rfind("Backward");
  if (p == std::string::npos || p == 0) return node_name;
  for (size_t i = p + 8; i < node_name.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(node_name[i]))) return node_name;
  return node_name.substr(0, p);
}

// A NodeDef name matches [A-Za-z0-9.][A-Za-z0-9_>./]*: "layers.0.weight" -> "layers/0/weight".
std::string node_name_of(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '.') r += '/';
    else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '>' || c == '/') r += c;
    else r += '_';
  }
  if (r.empty() || !(std::isalnum(static_cast<unsigned char>(r[0])) || r[0] == '.')) r = "n" + r;
  return r;
}

ProtoWriter shape_proto(const Shape& s) {
  ProtoWriter shape;  // TensorShapeProto{dim=2 Dim{size=1}}
  for (int64_t d : s) {
    ProtoWriter dim;
    dim.add_int(1, d);
    shape.add_message(2, dim);
  }
  return shape;
}

struct GNode {
  std::string name, op, attr, scope;
  std::vector<Shape> shapes;
  std::vector<int> inputs, consumers;  // indices into the node list
  bool is_param = false;
};

ProtoWriter node_def(const GNode& g, const std::vector<GNode>& all) {
  ProtoWriter n;
  n.set_string(1, g.name);
  n.set_string(2, g.op);
  for (int i : g.inputs) n.add_bytes(3, all[i].name);
  ProtoWriter list;  // AttrValue.ListValue{shape=7}
  for (auto& s : g.shapes) list.add_message(7, shape_proto(s));
  ProtoWriter shapes;  // AttrValue{list=1}
  shapes.add_message(1, list);
  ProtoWriter e1;  // map entry {key=1, value=2}
  e1.add_bytes(1, "_output_shapes");
  e1.add_message(2, shapes);
  n.add_message(5, e1);
  if (!g.attr.empty()) {
    ProtoWriter s;  // AttrValue{s=2}
    s.add_bytes(2, g.attr);
    ProtoWriter e2;
    e2.add_bytes(1, "attr");
    e2.add_message(2, s);
    n.add_message(5, e2);
  }
  return n;
}

}  // namespace

std::string graph_def(const Tensor& output, const NamedTensors& params) {
  EMBER_CHECK(output.defined(), "add_graph: the output tensor is undefined");
  std::shared_ptr<Node> root = output.grad_fn();
  std::unordered_map<const TensorImpl*, std::string> param_names;
  for (auto& [name, t] : params)
    if (t.defined()) param_names.emplace(t.impl(), name);
  EMBER_CHECK(root || output.requires_grad(), "add_graph: the output ", shape_str(output.sizes()),
              " has no autograd graph (compute it with gradients enabled from tensors that require grad)");

  // Post-order over the autograd nodes (inputs before users), iteratively.
  std::vector<GNode> g;
  std::unordered_map<const Node*, int> index;
  std::unordered_map<const TensorImpl*, int> leaf_index;
  int unnamed_leaves = 0;
  auto add_leaf = [&](const TensorImpl* leaf) {
    auto [it, fresh] = leaf_index.emplace(leaf, static_cast<int>(g.size()));
    if (!fresh) return it->second;
    GNode n;
    auto pn = param_names.find(leaf);
    n.is_param = pn != param_names.end();
    n.name = n.is_param ? node_name_of(pn->second) : "input/" + std::to_string(unnamed_leaves++);
    n.op = n.is_param ? "Parameter" : "Input";
    n.shapes = {leaf->layout.sizes};
    n.attr = std::string("dtype=") + dtype_name(leaf->dtype) + ", requires_grad=True";
    auto dot = n.is_param ? pn->second.rfind('.') : std::string::npos;
    if (dot != std::string::npos) n.scope = node_name_of(pn->second.substr(0, dot));
    g.push_back(std::move(n));
    return it->second;
  };

  int root_index = -1;
  if (!root) {
    root_index = add_leaf(output.impl());
  } else {
    struct Frame {
      Node* node;
      size_t next;
    };
    std::vector<Frame> stack{{root.get(), 0}};
    std::set<const Node*> entered{root.get()};
    while (!stack.empty()) {
      Frame& f = stack.back();
      const auto& edges = f.node->next_edges();
      if (f.next < edges.size()) {
        Node* child = edges[f.next++].node.get();
        if (child && child->leaf() == nullptr && entered.insert(child).second) stack.push_back({child, 0});
        continue;
      }
      Node* n = f.node;
      stack.pop_back();
      GNode op;
      op.op = forward_op_name(n->name());
      for (auto& m : n->output_meta()) op.shapes.push_back(m.shape);
      for (auto& e : n->next_edges()) {
        if (!e.node) continue;
        int in = e.node->leaf() ? add_leaf(e.node->leaf()) : index.at(e.node.get());
        if (std::find(op.inputs.begin(), op.inputs.end(), in) == op.inputs.end()) op.inputs.push_back(in);
      }
      op.attr = "autograd node " + n->name();
      index[n] = static_cast<int>(g.size());
      g.push_back(std::move(op));
    }
    root_index = index.at(root.get());
  }
  for (int i = 0; i < static_cast<int>(g.size()); ++i)
    for (int in : g[i].inputs) g[in].consumers.push_back(i);

  // Scopes: an op whose parameter inputs all sit in one module joins it; then, until nothing
  // changes, an op whose users all sit in one module and one of whose inputs does joins it too
  // (the matmul between a transposed weight and its bias add).
  for (auto& n : g) {
    if (n.op == "Parameter" || n.op == "Input") continue;
    std::set<std::string> scopes;
    for (int in : n.inputs)
      if (g[in].is_param) scopes.insert(g[in].scope);
    if (scopes.size() == 1) n.scope = *scopes.begin();
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& n : g) {
      if (!n.scope.empty() || n.consumers.empty() || n.op == "Parameter" || n.op == "Input") continue;
      const std::string& s = g[n.consumers[0]].scope;
      if (s.empty()) continue;
      bool users_in = std::all_of(n.consumers.begin(), n.consumers.end(), [&](int c) { return g[c].scope == s; });
      bool input_in = std::any_of(n.inputs.begin(), n.inputs.end(), [&](int i) { return g[i].scope == s; });
      if (users_in && input_in) {
        n.scope = s;
        changed = true;
      }
    }
  }

  // Unique op names: <scope>/<Op>, <scope>/<Op>_1, ...
  std::set<std::string> used;
  for (auto& n : g)
    if (n.op == "Parameter" || n.op == "Input") used.insert(n.name);
  std::map<std::string, int> counters;
  for (auto& n : g) {
    if (n.op == "Parameter" || n.op == "Input") continue;
    const std::string base = (n.scope.empty() ? "" : n.scope + "/") + n.op;
    std::string name;
    do {
      int k = counters[base]++;
      name = k == 0 ? base : base + "_" + std::to_string(k);
    } while (!used.insert(name).second);
    n.name = name;
  }

  GNode out;
  out.name = "output";
  out.op = "Output";
  out.shapes = {output.sizes()};
  out.inputs = {root_index};
  while (std::any_of(g.begin(), g.end(), [&](const GNode& n) { return n.name == out.name; })) out.name += "_";

  ProtoWriter graph;
  for (auto& n : g) graph.add_message(1, node_def(n, g));
  graph.add_message(1, node_def(out, g));
  ProtoWriter versions;
  versions.set_int(1, kGraphProducer);
  graph.add_message(4, versions);
  return graph.release();
}

}  // namespace ember::tensorboard

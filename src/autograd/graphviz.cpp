// to_dot / write_dot: the graph behind a tensor in Graphviz DOT, drawn as torchviz's make_dot
// draws it: ops grey (labelled with the node name), leaves light blue (parameter name and shape),
// the root green (its shape); edges run from inputs to the ops that use them.
#include "ember/autograd/graphviz.h"

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ember/autograd/node.h"

namespace ember::autograd {

namespace {

// torchviz's size_to_str: (3, 4)
std::string size_str(const Shape& s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + ")";
}

// A DOT double-quoted string.
std::string quote(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (c == '\n') {
      r += "\\n";
      continue;
    }
    r += c;
  }
  return r + "\"";
}

}  // namespace

std::string to_dot(const Tensor& root, const std::map<std::string, Tensor>& params) {
  EMBER_CHECK(root.defined(), "to_dot: the root tensor is undefined");
  std::unordered_map<const TensorImpl*, std::string> names;
  for (auto& [name, t] : params)
    if (t.defined()) names.emplace(t.impl(), name);
  auto label_of = [&](const TensorImpl* impl, const Shape& shape) {
    auto it = names.find(impl);
    return it == names.end() ? size_str(shape) : it->second + "\n " + size_str(shape);
  };

  std::ostringstream os;
  os << "digraph {\n"
     << "\tgraph [size=\"12,12\"]\n"
     << "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]\n";
  os << "\troot [label=" << quote(label_of(root.impl(), root.sizes())) << " fillcolor=darkolivegreen1]\n";

  std::unordered_map<const Node*, std::string> ids;
  auto id_of = [&](const Node* n) {
    auto [it, fresh] = ids.emplace(n, "");
    if (fresh) it->second = "n" + std::to_string(ids.size() - 1);
    return it->second;
  };
  std::shared_ptr<Node> fn = root.grad_fn();
  if (fn) {
    os << "\t" << id_of(fn.get()) << " -> root\n";
    std::unordered_set<const Node*> seen{fn.get()};
    std::vector<Node*> stack{fn.get()};
    size_t leaves = 0;
    while (!stack.empty()) {  // iterative: a 100,000-op chain must not recurse
      Node* n = stack.back();
      stack.pop_back();
      const std::string id = id_of(n);
      os << "\t" << id << " [label=" << quote(n->name()) << " fillcolor=lightgrey]\n";
      for (auto& e : n->next_edges()) {
        if (!e.node) continue;
        os << "\t" << id_of(e.node.get()) << " -> " << id << "\n";
        if (seen.insert(e.node.get()).second) stack.push_back(e.node.get());
      }
      if (const TensorImpl* leaf = n->leaf()) {
        std::string vid = "v" + std::to_string(leaves++);
        os << "\t" << vid << " [label=" << quote(label_of(leaf, leaf->layout.sizes)) << " fillcolor=lightblue]\n";
        os << "\t" << vid << " -> " << id << "\n";
      }
    }
  }
  os << "}\n";
  return os.str();
}

void write_dot(const Tensor& root, const std::string& path, const std::map<std::string, Tensor>& params) {
  std::string dot = to_dot(root, params);
  std::ofstream f(path, std::ios::binary);
  EMBER_CHECK(f.good(), "write_dot: cannot open '", path, "' for writing");
  f << dot;
  f.close();
  EMBER_CHECK(!f.fail(), "write_dot: failed writing '", path, "'");
}

}  // namespace ember::autograd

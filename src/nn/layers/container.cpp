#include "ember/nn/layers/container.h"

#include "nn/layers/block_fusion.h"

namespace ember::nn {

namespace {
std::shared_ptr<Module> at_index(const Module& m, int64_t i, const char* who) {
  auto ch = m.children();
  int64_t n = static_cast<int64_t>(ch.size());
  EMBER_CHECK(i >= -n && i < n, who, ": index ", i, " is out of range (size ", n, ")");
  return ch[i < 0 ? i + n : i];
}
}  // namespace

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> mods) : Module("Sequential") {
  for (auto& m : mods) push_back(m);
}

Sequential::Sequential(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& mods)
    : Module("Sequential") {
  for (auto& [n, m] : mods) push_back(n, m);
}

Sequential& Sequential::push_back(std::shared_ptr<Module> m) {
  register_module(std::to_string(size()), std::move(m));
  return *this;
}

Sequential& Sequential::push_back(const std::string& name, std::shared_ptr<Module> m) {
  register_module(name, std::move(m));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  const auto mods = children();
  for (size_t i = 0; i < mods.size();) {
    if (detail::run_fused_blocks(mods, i, h)) continue;  // conv [bn] [relu] [pool] as one block
    h = mods[i++]->forward(h);
  }
  return h;
}

std::shared_ptr<Module> Sequential::operator[](int64_t i) const { return at_index(*this, i, "Sequential"); }

ModuleList::ModuleList(std::initializer_list<std::shared_ptr<Module>> mods) : Module("ModuleList") {
  for (auto& m : mods) push_back(m);
}

ModuleList& ModuleList::push_back(std::shared_ptr<Module> m) {
  register_module(std::to_string(size()), std::move(m));
  return *this;
}

std::shared_ptr<Module> ModuleList::operator[](int64_t i) const { return at_index(*this, i, "ModuleList"); }

ModuleDict::ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& mods) : Module("ModuleDict") {
  for (auto& [k, m] : mods) insert(k, m);
}

ModuleDict& ModuleDict::insert(const std::string& key, std::shared_ptr<Module> m) {
  if (contains(key)) replace_module(key, std::move(m));
  else register_module(key, std::move(m));
  return *this;
}

bool ModuleDict::contains(const std::string& key) const {
  for (auto& [n, c] : named_children())
    if (n == key) return true;
  return false;
}

std::shared_ptr<Module> ModuleDict::operator[](const std::string& key) const {
  for (auto& [n, c] : named_children())
    if (n == key) return c;
  EMBER_THROW("ModuleDict: no module named '", key, "'");
}

}  // namespace ember::nn

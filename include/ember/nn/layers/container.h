#pragma once
// Containers: Sequential (children named 0, 1, 2, ...), ModuleList, ModuleDict.
#include <initializer_list>
#include <map>

#include "ember/nn/module.h"

namespace ember::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> mods);
  // Named children (an OrderedDict in PyTorch).
  explicit Sequential(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& mods);
  Sequential& push_back(std::shared_ptr<Module> m);
  Sequential& push_back(const std::string& name, std::shared_ptr<Module> m);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return children().size(); }
  std::shared_ptr<Module> operator[](int64_t i) const;  // negative counts from the end
};

class ModuleList : public Module {
 public:
  ModuleList() : Module("ModuleList") {}
  ModuleList(std::initializer_list<std::shared_ptr<Module>> mods);
  ModuleList& push_back(std::shared_ptr<Module> m);
  size_t size() const { return children().size(); }
  std::shared_ptr<Module> operator[](int64_t i) const;
};

class ModuleDict : public Module {
 public:
  ModuleDict() : Module("ModuleDict") {}
  ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& mods);
  ModuleDict& insert(const std::string& key, std::shared_ptr<Module> m);
  bool contains(const std::string& key) const;
  std::shared_ptr<Module> operator[](const std::string& key) const;
  size_t size() const { return children().size(); }
};

}  // namespace ember::nn

// The model registry (name -> factory and own params).
#include "ember/train/registry.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "ember/core/error.h"
#include "ember/core/rng.h"
#include "ember/nn/module.h"
#include "ember/train/task.h"
#include "train/registry_internal.h"

namespace ember::train {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, ModelInfo> models;
};

Registry& raw_registry() {
  static Registry r;
  return r;
}

// The registry with the built-in models in it (registered once, before any user model, so a
// user model cannot take a built-in name by registering first).
Registry& registry() {
  static std::once_flag builtins;
  std::call_once(builtins, [] { register_builtin_models(); });
  return raw_registry();
}

}  // namespace

void register_model(ModelInfo info) {
  registry();
  detail::add_model(std::move(info));
}

void detail::add_model(ModelInfo info) {
  EMBER_CHECK(!info.name.empty(), "register_model: empty model name");
  EMBER_CHECK(info.make, "register_model: model '", info.name, "' has no factory (.make)");
  {
    const std::vector<std::string> tasks = task_names();
    if (std::find(tasks.begin(), tasks.end(), info.task) == tasks.end()) {
      std::string names;
      for (const std::string& t : tasks) names += (names.empty() ? "" : ", ") + t;
      EMBER_THROW("register_model: model '", info.name, "' names the unknown task '", info.task, "' (tasks: ", names,
                  "; register_task adds one)");
    }
  }
  for (const ParamSpec& own : info.params)
    for (const ParamSpec& common : Params::common_specs())
      EMBER_CHECK(own.name != common.name, "register_model: model '", info.name, "' declares key '", own.name,
                  "', which is a common key of every params.json");
  Registry& r = raw_registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  EMBER_CHECK(!r.models.count(info.name), "register_model: a model named '", info.name, "' is already registered");
  const std::string name = info.name;
  r.models.emplace(name, std::move(info));
}

bool has_model(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.models.count(name) != 0;
}

const ModelInfo& find_model(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.models.find(name);
  if (it == r.models.end()) {
    std::string names;
    for (const auto& kv : r.models) names += (names.empty() ? "" : ", ") + kv.first;
    EMBER_THROW("unknown model '", name, "' (registered models: ", names.empty() ? "none" : names, ")");
  }
  return it->second;  // entries are never removed, so the reference stays valid
}

std::vector<std::string> model_names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& kv : r.models) names.push_back(kv.first);
  return names;
}

std::vector<ParamSpec> schema_for(const std::string& model) {
  std::vector<ParamSpec> schema = Params::common_specs();
  const ModelInfo& info = find_model(model);
  schema.insert(schema.end(), info.params.begin(), info.params.end());
  return schema;
}

Params load_params(const std::string& path) { return Params::load(path, schema_for); }

std::shared_ptr<nn::Module> make_model(const Params& params) {
  const ModelInfo& info = find_model(params.model());
  manual_seed(static_cast<uint64_t>(params.seed()));
  std::shared_ptr<nn::Module> m = info.make(params);
  EMBER_CHECK(m != nullptr, "model '", info.name, "': the factory returned no module");
  return m;
}

}  // namespace ember::train

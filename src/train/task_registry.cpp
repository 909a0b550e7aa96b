// The task registry (name -> factory), with the built-in tasks.
#include <map>
#include <mutex>

#include "ember/core/error.h"
#include "ember/train/task.h"
#include "train/tasks/builtin_tasks.h"

namespace ember::train {

namespace {

struct TaskRegistry {
  std::mutex mutex;
  std::map<std::string, TaskFactory> factories{
      {"fashion_mnist", detail::make_fashion_mnist_task},
      {"fashion_mnist_autoencoder", detail::make_fashion_mnist_autoencoder_task},
      {"signs", detail::make_signs_task},
      {"ner", detail::make_ner_task},
  };
};

TaskRegistry& tasks() {
  static TaskRegistry r;
  return r;
}

}  // namespace

const char* split_name(Split split) {
  switch (split) {
    case Split::Train: return "train";
    case Split::Val: return "val";
    case Split::Test: return "test";
  }
  return "?";
}

void register_task(const std::string& name, TaskFactory factory) {
  EMBER_CHECK(!name.empty() && factory, "register_task: a task needs a name and a factory");
  TaskRegistry& r = tasks();
  std::lock_guard<std::mutex> lock(r.mutex);
  EMBER_CHECK(!r.factories.count(name), "register_task: a task named '", name, "' is already registered");
  r.factories.emplace(name, std::move(factory));
}

std::vector<std::string> task_names() {
  TaskRegistry& r = tasks();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& kv : r.factories) names.push_back(kv.first);
  return names;
}

std::unique_ptr<Task> make_task(const std::string& name) {
  TaskFactory factory;
  {
    TaskRegistry& r = tasks();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.factories.find(name);
    if (it != r.factories.end()) factory = it->second;
  }
  if (!factory) {
    std::string names;
    for (const std::string& n : task_names()) names += (names.empty() ? "" : ", ") + n;
    EMBER_THROW("unknown task '", name, "' (registered tasks: ", names, ")");
  }
  std::unique_ptr<Task> t = factory();
  EMBER_CHECK(t != nullptr, "task '", name, "': the factory returned nothing");
  return t;
}

}  // namespace ember::train

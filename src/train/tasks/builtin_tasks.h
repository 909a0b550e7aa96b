#pragma once
// Internal: the built-in tasks' factories (registered by src/train/task_registry.cpp).
#include <memory>

#include "ember/train/task.h"

namespace ember::train::detail {

std::unique_ptr<Task> make_fashion_mnist_task();
std::unique_ptr<Task> make_fashion_mnist_autoencoder_task();
std::unique_ptr<Task> make_signs_task();
std::unique_ptr<Task> make_ner_task();

}  // namespace ember::train::detail

#pragma once
// Internal: how the built-in models enter the registry.
#include "ember/train/registry.h"

namespace ember::train {

// Defined in src/models/builtin.cpp: adds the built-in models with detail::add_model.
void register_builtin_models();

namespace detail {
// register_model without first loading the built-ins (which would recurse).
void add_model(ModelInfo info);
}  // namespace detail

}  // namespace ember::train

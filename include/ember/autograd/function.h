#pragma once
// User-defined differentiable functions (torch.autograd.Function). Filled in by the autograd work.
#include "ember/autograd/node.h"

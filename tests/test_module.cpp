// nn::Module: registration, traversal, modes, state_dict (PyTorch key names, strict errors), printing.
#include <gtest/gtest.h>

#include <ember/ember.h>
#include <ember/nn/layers/container.h>
#include <ember/nn/module.h>

#include "support/testing.h"

using namespace ember;

namespace {
// A Linear-like leaf module written against the Module API only.
struct Affine : nn::Module {
  Tensor weight, bias;
  Affine(int64_t in, int64_t out) : nn::Module("Affine") {
    weight = register_parameter("weight", ones({out, in}));
    bias = register_parameter("bias", zeros({out}));
  }
  Tensor forward(const Tensor& x) override { return (x.unsqueeze(1) * weight).sum({2}) + bias; }
  std::string extra_repr() const override { return "in=" + std::to_string(weight.size(1)); }
};

struct Norm : nn::Module {
  Tensor running_mean, num_batches_tracked, scratch;
  Norm() : nn::Module("Norm") {
    running_mean = register_buffer("running_mean", zeros({3}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
    scratch = register_buffer("scratch", zeros({1}), /*persistent=*/false);
  }
};

struct Net : nn::Module {
  std::shared_ptr<Affine> fc1, fc2;
  std::shared_ptr<Norm> bn1;
  Net() : nn::Module("Net") {
    fc1 = register_module("fc1", std::make_shared<Affine>(4, 3));
    bn1 = register_module("bn1", std::make_shared<Norm>());
    fc2 = register_module("fc2", std::make_shared<Affine>(3, 2));
  }
  Tensor forward(const Tensor& x) override { return fc2->forward(fc1->forward(x)); }
};

std::vector<std::string> keys(const nn::StateDict& sd) {
  std::vector<std::string> k;
  for (auto& [n, t] : sd) k.push_back(n);
  return k;
}
}  // namespace

TEST(Module, NamesFollowPyTorch) {
  auto net = std::make_shared<Net>();
  EXPECT_EQ(keys(net->named_parameters()),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(keys(net->state_dict()), (std::vector<std::string>{"fc1.weight", "fc1.bias", "bn1.running_mean",
                                                               "bn1.num_batches_tracked", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(keys(net->named_buffers()).size(), 3u);  // includes the non-persistent buffer
  EXPECT_EQ(net->parameter_count(), 4 * 3 + 3 + 3 * 2 + 2);
  auto mods = net->named_modules();
  ASSERT_EQ(mods.size(), 4u);
  EXPECT_EQ(mods[0].first, "");
  EXPECT_EQ(mods[1].first, "fc1");
  EXPECT_EQ(mods[3].first, "fc2");
  EXPECT_EQ(net->children().size(), 3u);
}

TEST(Module, SequentialNamesAndForward) {
  auto seq = std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<Affine>(2, 3), std::make_shared<Affine>(3, 1)});
  EXPECT_EQ(keys(seq->state_dict()), (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"}));
  Tensor y = seq->forward(ones({5, 2}));
  EXPECT_EQ(y.sizes(), (Shape{5, 1}));
  EXPECT_FLOAT_EQ(y.sum().item<float>(), 5 * 6.f);
  EXPECT_THROW((*seq)[2], Error);
  EXPECT_EQ((*seq)[-1]->type_name(), "Affine");
}

TEST(Module, Printing) {
  nn::Sequential seq;
  seq.push_back(std::make_shared<Affine>(2, 3));
  auto inner = std::make_shared<nn::Sequential>();
  inner->push_back(std::make_shared<Norm>());
  seq.push_back(inner);
  EXPECT_EQ(seq.repr(),
            "Sequential(\n  (0): Affine(in=2)\n  (1): Sequential(\n    (0): Norm()\n  )\n)");
}

TEST(Module, TrainEvalReachesChildren) {
  auto net = std::make_shared<Net>();
  net->eval();
  EXPECT_FALSE(net->fc1->is_training());
  EXPECT_FALSE(net->bn1->is_training());
  net->train();
  EXPECT_TRUE(net->fc2->is_training());
  int visited = 0;
  net->apply([&](nn::Module&) { ++visited; });
  EXPECT_EQ(visited, 4);
}

TEST(Module, ZeroGradAndFreeze) {
  auto net = std::make_shared<Net>();
  net->forward(ones({2, 4})).sum().backward();
  EXPECT_TRUE(net->fc1->weight.grad().defined());
  net->zero_grad(/*set_to_none=*/false);
  EXPECT_FLOAT_EQ(net->fc1->weight.grad().sum().item<float>(), 0.f);
  net->zero_grad();
  EXPECT_FALSE(net->fc1->weight.grad().defined());
  net->fc1->requires_grad_(false);
  EXPECT_EQ(net->parameter_count(/*only_trainable=*/true), 3 * 2 + 2);
  net->forward(ones({2, 4})).sum().backward();
  EXPECT_FALSE(net->fc1->weight.grad().defined());
  EXPECT_TRUE(net->fc2->weight.grad().defined());
}

TEST(Module, StateDictRoundTripKeepsHandles) {
  auto a = std::make_shared<Net>();
  auto b = std::make_shared<Net>();
  { NoGradGuard g; a->fc1->weight.mul_(3.0); a->bn1->num_batches_tracked.fill_(7); }
  Tensor handle = b->fc1->weight;
  auto res = b->load_state_dict(a->state_dict());
  EXPECT_TRUE(res.ok());
  EXPECT_TRUE(handle.is_same(b->fc1->weight));  // loaded in place
  EXPECT_TENSOR_CLOSE(b->fc1->weight, a->fc1->weight);
  EXPECT_EQ(b->bn1->num_batches_tracked.item<int64_t>(), 7);
  // loaded values are copies, not shared storage
  { NoGradGuard g; a->fc1->weight.zero_(); }
  EXPECT_FLOAT_EQ(b->fc1->weight.sum().item<float>(), 36.f);
}

TEST(Module, StrictLoadReportsEverythingAndChangesNothing) {
  auto net = std::make_shared<Net>();
  nn::StateDict sd = net->state_dict();
  sd.erase(sd.begin());                               // fc1.weight missing
  sd.emplace_back("fc3.weight", ones({1}));           // unexpected
  sd[0].second = ones({7});                            // fc1.bias wrong shape
  for (auto& [k, t] : sd)
    if (k == "fc2.weight") t = full({2, 3}, 5.0);
  try {
    net->load_state_dict(sd);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("Missing key(s) in state_dict: \"fc1.weight\""), std::string::npos) << m;
    EXPECT_NE(m.find("Unexpected key(s) in state_dict: \"fc3.weight\""), std::string::npos) << m;
    EXPECT_NE(m.find("size mismatch for fc1.bias"), std::string::npos) << m;
  }
  EXPECT_FLOAT_EQ(net->fc2->weight.sum().item<float>(), 6.f);  // untouched
  auto res = net->load_state_dict(sd, /*strict=*/false);
  EXPECT_EQ(res.missing_keys, std::vector<std::string>{"fc1.weight"});
  EXPECT_EQ(res.unexpected_keys, std::vector<std::string>{"fc3.weight"});
  EXPECT_EQ(res.shape_mismatches.size(), 1u);
  EXPECT_FLOAT_EQ(net->fc2->weight.sum().item<float>(), 30.f);  // the matching keys loaded
}

TEST(Module, RegistrationErrors) {
  Affine m(2, 2);
  EXPECT_THROW(m.register_parameter("weight", ones({1})), Error);
  EXPECT_THROW(m.register_parameter("a.b", ones({1})), Error);
  EXPECT_THROW(m.register_buffer("", ones({1})), Error);
  EXPECT_THROW(m.forward(ones({1, 3})), Error);  // shape mismatch inside ops
  nn::Module plain;
  EXPECT_THROW(plain.forward(ones({1})), Error);
}

TEST(Module, ToDtypeConvertsInPlace) {
  auto net = std::make_shared<Net>();
  Tensor w = net->fc1->weight;
  net->to(kFloat64);
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_EQ(net->bn1->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(net->forward(ones({1, 4}, kFloat64)).dtype(), kFloat64);
}

TEST(Module, StateDictTensorsAreDetachedAliases) {
  // PyTorch's state_dict() (keep_vars=False): detached tensors that share the parameters' memory.
  auto lin = std::make_shared<ember::nn::Linear>(3, 2);
  auto sd = lin->state_dict();
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_EQ(sd[0].first, "weight");
  EXPECT_FALSE(sd[0].second.requires_grad());
  EXPECT_TRUE(lin->weight.requires_grad());
  EXPECT_EQ(sd[0].second.raw_data(), lin->weight.raw_data());
  {
    ember::NoGradGuard ng;
    lin->weight.fill_(0.5);
  }
  EXPECT_EQ(sd[0].second.index({0, 0}).item<float>(), 0.5f);
}

// A module registered inside itself made state_dict / parameters / train recurse until the stack overflowed.
TEST(ModuleBadInput, CyclesAreRejected) {
  auto a = std::make_shared<nn::Sequential>();
  EXPECT_ERROR_HAS(a->register_module("self", std::shared_ptr<nn::Module>(a)), "'self'", "cycle");
  auto b = std::make_shared<nn::Sequential>();
  a->register_module("b", b);
  EXPECT_ERROR_HAS(b->register_module("a", std::shared_ptr<nn::Module>(a)), "'a'", "cycle");
  b->register_module("lin", std::make_shared<nn::Linear>(2, 2));
  EXPECT_ERROR_HAS(b->replace_module("lin", a), "'lin'", "cycle");
  EXPECT_EQ(a->state_dict().size(), 2u);  // b.lin.weight, b.lin.bias: still a tree
  // the same child twice is a DAG, not a cycle (PyTorch allows it; parameters are listed once)
  auto shared = std::make_shared<nn::Linear>(2, 2);
  nn::Sequential s;
  s.register_module("x", shared);
  s.register_module("y", shared);
  EXPECT_EQ(s.parameters().size(), 2u);
}

// nn.Module.to only accepts floating point dtypes (PyTorch's message); an int64 Linear used to
// come out with integer parameters that require grad.
TEST(ModuleBadInput, ToIntegerDtypeIsRejected) {
  nn::Linear l(2, 3);
  EXPECT_ERROR_HAS(l.to(kInt64), "Linear.to", "floating point", "int64");
  EXPECT_EQ(l.weight.dtype(), kFloat32);
}

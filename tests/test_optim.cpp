// Optimizers: update rules against PyTorch 1.13's numbers (tests/interop/gen_optim_reference.py
// prints them), parameter groups, zero_grad, closures, state_dict round trips (resuming is
// bit-identical), bad options and bad state dicts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;

namespace {

constexpr int64_t N = 7, STEPS = 4;

// param[i] = sin(0.7 i + 0.3); step k's gradient grad_k[i] = cos(1.3 i + 0.9 k) (1 + 0.5 k):
// made in double, rounded to `dt`, exactly as the Python generator makes them.
Tensor start_param(DType dt = kFloat32) {
  std::vector<double> v;
  for (int64_t i = 0; i < N; ++i) v.push_back(std::sin(0.7 * i + 0.3));
  return tensor(v, {N}).to(dt);
}
Tensor step_grad(int64_t k, DType dt = kFloat32) {
  std::vector<double> v;
  for (int64_t i = 0; i < N; ++i) v.push_back(std::cos(1.3 * i + 0.9 * k) * (1 + 0.5 * k));
  return tensor(v, {N}).to(dt);
}

using MakeOpt = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)>;

template <class Opt, class O>
MakeOpt make(O o) {
  return [o](std::vector<Tensor> ps) { return std::make_unique<Opt>(std::move(ps), o); };
}

struct Case {
  const char* name;
  MakeOpt make;
};

// The cases, in gen_optim_reference.py's order.
std::vector<Case> cases() {
  using namespace optim;
  return {
      {"sgd_plain", make<SGD>(SGDOptions{.lr = 0.1})},
      {"sgd_momentum_dampening", make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.3})},
      {"sgd_nesterov_wd", make<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.8, .weight_decay = 0.1, .nesterov = true})},
      {"sgd_maximize", make<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.5, .maximize = true})},
      {"adam_default", make<Adam>(AdamOptions{.lr = 0.01})},
      {"adam_wd_amsgrad",
       make<Adam>(AdamOptions{.lr = 0.02, .betas = {0.8, 0.95}, .eps = 1e-6, .weight_decay = 0.05, .amsgrad = true})},
      {"adam_maximize", make<Adam>(AdamOptions{.lr = 0.01, .maximize = true})},
      {"adamw_default", make<AdamW>(AdamWOptions{.lr = 0.01})},
      {"adamw_amsgrad", make<AdamW>(AdamWOptions{.lr = 0.03, .weight_decay = 0.2, .amsgrad = true})},
      {"rmsprop_default", make<RMSprop>(RMSpropOptions{.lr = 0.01})},
      {"rmsprop_centered_momentum_wd",
       make<RMSprop>(RMSpropOptions{.lr = 0.01, .alpha = 0.9, .weight_decay = 0.05, .momentum = 0.7, .centered = true})},
      {"rmsprop_centered", make<RMSprop>(RMSpropOptions{.lr = 0.005, .eps = 1e-4, .centered = true})},
      {"adagrad_default", make<Adagrad>(AdagradOptions{.lr = 0.1})},
      {"adagrad_decay_wd_init", make<Adagrad>(AdagradOptions{
                                    .lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.1, .initial_accumulator_value = 0.2, .eps = 1e-8})},
      {"adagrad_maximize", make<Adagrad>(AdagradOptions{.lr = 0.1, .maximize = true})},
  };
}

// PyTorch 1.13: the parameter after STEPS steps (float32 inputs).
const std::map<std::string, std::vector<double>> kTorch32 = {
    {"sgd_plain", {0.3737371861934662, 1.2662341594696045, 1.1406952142715454, 0.33043089509010315, -0.29204118251800537, -0.4453124701976776, -0.5548068881034851}},
    {"sgd_momentum_dampening", {0.14445486664772034, 1.0692822933197021, 1.2646087408065796, 0.5936761498451233, -0.2751190960407257, -0.6995044946670532, -0.7077210545539856}},
    {"sgd_nesterov_wd", {0.23907388746738434, 1.2714087963104248, 1.234555721282959, 0.32412293553352356, -0.4242517948150635, -0.5118899941444397, -0.4265331029891968}},
    {"sgd_maximize", {0.3520141541957855, 0.2739940285682678, 0.6315720081329346, 1.0502914190292358, 0.6022056341171265, -0.68675297498703, -1.5782239437103271}},
    {"adam_default", {0.2728134095668793, 0.852510929107666, 1.0232857465744019, 0.679828941822052, 0.005485528614372015, -0.6298227906227112, -0.9634454250335693}},
    {"adam_wd_amsgrad", {0.2534056007862091, 0.865078866481781, 1.0516629219055176, 0.6782647967338562, -0.030368894338607788, -0.6425591707229614, -0.9462109804153442}},
    {"adam_maximize", {0.31822702288627625, 0.8304309844970703, 0.9600439071655273, 0.671097457408905, 0.07767579704523087, -0.5938929915428162, -0.991614818572998}},
    {"adamw_default", {0.272700697183609, 0.8521755337715149, 1.0228832960128784, 0.6795551180839539, 0.005474671255797148, -0.629572868347168, -0.9630536437034607}},
    {"adamw_amsgrad", {0.22136110067367554, 0.8547929525375366, 1.061882495880127, 0.6718443632125854, -0.06665849685668945, -0.6502732634544373, -0.9118930101394653}},
    {"rmsprop_default", {0.24351254105567932, 0.9879366755485535, 1.1499921083450317, 0.5864779353141785, -0.21839454770088196, -0.6224626898765564, -0.8440320491790771}},
    {"rmsprop_centered_momentum_wd", {0.20328550040721893, 0.8989139795303345, 1.142405390739441, 0.6630359888076782, -0.15677019953727722, -0.6759580373764038, -0.9190723299980164}},
    {"rmsprop_centered", {0.2690708041191101, 0.9153506755828857, 1.0715796947479248, 0.6308253407478333, -0.08930300176143646, -0.6175276637077332, -0.909244954586029}},
    {"adagrad_default", {0.24318675696849823, 0.9875802397727966, 1.1500849723815918, 0.5869058966636658, -0.21819648146629333, -0.6228323578834534, -0.8443688750267029}},
    {"adagrad_decay_wd_init", {0.23994752764701843, 0.9888574481010437, 1.1254897117614746, 0.5837417840957642, -0.17480666935443878, -0.6180622577667236, -0.7613569498062134}},
    {"adagrad_maximize", {0.3478536605834961, 0.6953616738319397, 0.8332446217536926, 0.7640205025672913, 0.30135780572891235, -0.6008834838867188, -1.1106914281845093}},
};

// The same in float64 for a few cases.
const std::map<std::string, std::vector<double>> kTorch64 = {
    {"sgd_nesterov_wd", {0.23907387344279904, 1.2714088667427514, 1.2345555560534114, 0.3241228986102624, -0.4242517780345125, -0.5118899190166059, -0.4265330596412439}},
    {"adam_wd_amsgrad", {0.2534055944001973, 0.8650788546105895, 1.0516629474564645, 0.6782647550148708, -0.030368891637291805, -0.6425591793166412, -0.9462110156836895}},
    {"rmsprop_centered_momentum_wd", {0.2032854885264424, 0.8989139522492193, 1.1424053079068066, 0.6630360217987772, -0.15677019741693185, -0.6759579860382854, -0.9190723428502574}},
    {"adagrad_decay_wd_init", {0.2399475234451933, 0.98885753517058, 1.125489661549454, 0.5837417714034908, -0.17480667096603192, -0.6180623108204522, -0.7613569241613559}},
};

Tensor run_steps(const Case& c, DType dt) {
  Tensor p = start_param(dt).requires_grad_(true);
  auto opt = c.make({p});
  for (int64_t k = 0; k < STEPS; ++k) {
    p.set_grad(step_grad(k, dt));
    opt->step();
  }
  return p.detach();
}

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() &&
         std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), a.nbytes()) == 0;
}

}  // namespace

TEST(Optim, UpdateRulesMatchPyTorchFloat32) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Tensor got = run_steps(c, kFloat32);
    // float32 arithmetic in a different order (PyTorch fuses some multiply-adds): a few ulps.
    EXPECT_TENSOR_CLOSE(got, tensor(kTorch32.at(c.name), {N}).to(kFloat32), 1e-7, 1e-6);
  }
}

TEST(Optim, UpdateRulesMatchPyTorchFloat64) {
  for (const Case& c : cases()) {
    if (!kTorch64.count(c.name)) continue;
    SCOPED_TRACE(c.name);
    Tensor got = run_steps(c, kFloat64);
    EXPECT_EQ(got.dtype(), kFloat64);
    EXPECT_TENSOR_CLOSE(got, tensor(kTorch64.at(c.name), {N}), 1e-15, 1e-13);
  }
}

TEST(Optim, StateHasPyTorchNames) {
  Tensor p = start_param().requires_grad_(true);
  optim::Adam adam({p}, {.amsgrad = true});
  EXPECT_TRUE(adam.state(p).empty());
  p.set_grad(step_grad(0));
  adam.step();
  adam.step();
  const auto& st = adam.state(p);
  ASSERT_EQ(st.size(), 4u);
  EXPECT_EQ(st.at("step").dim(), 0);
  EXPECT_EQ(st.at("step").item<double>(), 2.0);
  for (const char* k : {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}) EXPECT_EQ(st.at(k).sizes(), p.sizes()) << k;

  Tensor q = start_param().requires_grad_(true);
  optim::SGD sgd({q}, {.lr = 0.1, .momentum = 0.9});
  q.set_grad(step_grad(0));
  sgd.step();
  // The first momentum buffer is the gradient itself (PyTorch clones d_p).
  EXPECT_TRUE(bit_equal(sgd.state(q).at("momentum_buffer"), step_grad(0)));

  Tensor r = start_param().requires_grad_(true);
  optim::Adagrad adagrad({r}, {.initial_accumulator_value = 0.5});
  // As torch: Adagrad's state exists from construction.
  EXPECT_EQ(adagrad.state(r).at("step").item<double>(), 0.0);
  EXPECT_TRUE(bit_equal(adagrad.state(r).at("sum"), full({N}, 0.5)));
}

TEST(Optim, ParamGroupsHaveTheirOwnOptions) {
  // PyTorch: SGD([{"params": [a], "momentum": 0.9}, {"params": [b], "lr": 0.01}], lr=0.1, momentum=0.5).
  Tensor p0 = start_param();
  Tensor a = p0.slice(0, 0, 3).clone().requires_grad_(true);
  Tensor b = p0.slice(0, 3, N).clone().requires_grad_(true);
  optim::SGD opt({{{a}, {{"momentum", 0.9}}}, {{b}, {{"lr", 0.01}}}}, {.lr = 0.1, .momentum = 0.5});
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[0].lr(), 0.1);
  EXPECT_EQ(opt.param_groups()[0].options.get("momentum"), 0.9);
  EXPECT_EQ(opt.param_groups()[1].lr(), 0.01);
  EXPECT_EQ(opt.param_groups()[1].options.get("momentum"), 0.5);
  for (int64_t k = 0; k < STEPS; ++k) {
    Tensor g = step_grad(k);
    a.set_grad(g.slice(0, 0, 3).clone());
    b.set_grad(g.slice(0, 3, N).clone());
    opt.step();
  }
  EXPECT_TENSOR_CLOSE(a.detach(), tensor({0.011290639638900757f, 1.5317860841751099f, 1.6452114582061768f}), 1e-7, 1e-6);
  EXPECT_TENSOR_CLOSE(b.detach(),
                      tensor({0.6379804015159607f, -0.014481835998594761f, -0.6043683290481567f, -0.9174607396125793f}),
                      1e-7, 1e-6);
}

TEST(Optim, AddParamGroup) {
  Tensor a = ones({2}).requires_grad_(true), b = ones({3}).requires_grad_(true);
  optim::Adam opt({a}, {.lr = 0.1});
  opt.add_param_group({{b}, {{"lr", 0.5}, {"betas", {0.5, 0.9}}}});
  ASSERT_EQ(opt.param_groups().size(), 2u);
  EXPECT_EQ(opt.param_groups()[1].lr(), 0.5);
  EXPECT_EQ(opt.param_groups()[1].options.get_list("betas"), (std::vector<double>{0.5, 0.9}));
  EXPECT_EQ(opt.param_groups()[1].options.get("eps"), 1e-8);  // from the defaults
  // First Adam step moves every element by lr (m/sqrt(v) = sign(g) at step 1).
  a.set_grad(full({2}, 3.0));
  b.set_grad(full({3}, -2.0));
  opt.step();
  EXPECT_TENSOR_CLOSE(a.detach(), full({2}, 0.9), 1e-6, 0);
  EXPECT_TENSOR_CLOSE(b.detach(), full({3}, 1.5), 1e-6, 0);
}

TEST(Optim, BadParamGroupsAndOptionsThrow) {
  Tensor a = ones({2}).requires_grad_(true);
  auto throws_with = [](const std::function<void()>& f, const std::string& what) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << "no ember::Error, expected one mentioning '" << what << "'";
  };
  throws_with([&] { optim::SGD({a, a}, {.lr = 0.1}); }, "more than once");
  throws_with([&] { optim::SGD(std::vector<Tensor>{}, {.lr = 0.1}); }, "empty parameter list");
  throws_with([&] { optim::SGD({a}, {.lr = -1}); }, "invalid learning rate");
  throws_with([&] { optim::SGD({a}, {.lr = 0.1, .nesterov = true}); }, "Nesterov");
  throws_with([&] { optim::Adam({a}, {.betas = {1.0, 0.9}}); }, "beta parameter at index 0");
  throws_with([&] { optim::RMSprop({a}, {.alpha = -0.5}); }, "alpha");
  throws_with([&] { optim::SGD({{{a}, {{"momentun", 0.9}}}}, {.lr = 0.1}); }, "unknown option 'momentun'");
  throws_with([&] { optim::SGD({{{a}, {{"nesterov", 1.0}}}}, {.lr = 0.1}); }, "'nesterov' must be a bool");
  Tensor non_leaf = a * 2;
  throws_with([&] { optim::SGD({non_leaf}, {.lr = 0.1}); }, "non-leaf");
  throws_with([&] { optim::SGD({ones({2}, kInt64)}, {.lr = 0.1}); }, "dtype");
  optim::SGD opt({a}, {.lr = 0.1});
  throws_with([&] { opt.add_param_group({{a}}); }, "more than once");
  EXPECT_EQ(opt.param_groups().size(), 1u);
}

TEST(Optim, SkipsParametersWithoutGradient) {
  Tensor a = ones({2}).requires_grad_(true), b = ones({2}).requires_grad_(true);
  optim::Adam opt({a, b}, {.lr = 0.1});
  a.set_grad(ones({2}));
  opt.step();
  EXPECT_TRUE(bit_equal(b.detach(), ones({2})));
  EXPECT_TRUE(opt.state(b).empty());
  EXPECT_FALSE(opt.state(a).empty());
}

TEST(Optim, ZeroGrad) {
  Tensor a = ones({2}).requires_grad_(true);
  optim::SGD opt({a}, {.lr = 0.1});
  (a * 3).sum().backward();
  ASSERT_TRUE(a.grad().defined());
  Tensor g = a.grad();
  opt.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(a.grad().defined());
  EXPECT_TRUE(a.grad().is_same(g));  // zeroed in place
  EXPECT_TRUE(bit_equal(a.grad(), zeros({2})));
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(Optim, StepWithClosure) {
  // Minimise (w - 3)^2 with the closure re-evaluating the loss, as LBFGS-style loops do.
  Tensor w = zeros({1}).requires_grad_(true);
  optim::SGD opt({w}, {.lr = 0.25});
  int calls = 0;
  auto closure = [&] {
    ++calls;
    opt.zero_grad();
    Tensor loss = ((w - 3) * (w - 3)).sum();
    loss.backward();
    return loss;
  };
  Tensor l0 = opt.step(closure);
  EXPECT_EQ(l0.item<double>(), 9.0);
  EXPECT_EQ(w.item<double>(), 1.5);  // w - 0.25 * 2 (w - 3)
  opt.step(closure);
  EXPECT_EQ(w.item<double>(), 2.25);
  EXPECT_EQ(calls, 2);
}

TEST(Optim, NonContiguousParameterIsUpdatedInPlace) {
  Tensor base = start_param().reshape({1, N}).expand({2, N}).contiguous().t().contiguous();  // (N,2)
  Tensor p = base.t();  // (2,N) view, not contiguous
  ASSERT_FALSE(p.is_contiguous());
  Tensor leaf = p.detach().requires_grad_(true);
  ASSERT_FALSE(leaf.is_contiguous());
  optim::SGD opt({leaf}, {.lr = 0.1});
  leaf.set_grad(ones({2, N}));
  opt.step();
  EXPECT_TENSOR_CLOSE(leaf.detach(), (start_param() - 0.1f).reshape({1, N}).expand({2, N}), 1e-7, 0);
}

// Resuming from a state_dict continues bit-identically: 3 steps, snapshot, 3 more steps; a fresh
// optimizer given the snapshot (and the parameter as it was) makes the same last 3 steps.
TEST(Optim, StateDictResumeIsBitIdentical) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    Tensor p = start_param().requires_grad_(true);
    auto opt = c.make({p});
    for (int64_t k = 0; k < 3; ++k) {
      p.set_grad(step_grad(k));
      opt->step();
    }
    optim::OptimizerStateDict sd = opt->state_dict();
    Tensor p_mid = p.detach().clone();
    for (int64_t k = 3; k < 6; ++k) {
      p.set_grad(step_grad(k));
      opt->step();
    }
    // The snapshot is a copy: later steps did not change it.
    Tensor q = p_mid.clone().requires_grad_(true);
    auto opt2 = c.make({q});
    // Through the checkpoint form too: tensors by flat name, groups as JSON.
    sd = optim::OptimizerStateDict::from_flat(sd.flat_tensors(), sd.param_groups_json());
    opt2->load_state_dict(sd);
    for (int64_t k = 3; k < 6; ++k) {
      q.set_grad(step_grad(k));
      opt2->step();
    }
    EXPECT_TRUE(bit_equal(p.detach(), q.detach()));
  }
}

TEST(Optim, LoadStateDictRestoresGroupOptions) {
  Tensor a = ones({2}).requires_grad_(true);
  optim::SGD opt({a}, {.lr = 0.1, .momentum = 0.9});
  opt.param_groups()[0].set_lr(0.025);
  optim::OptimizerStateDict sd = opt.state_dict();
  EXPECT_EQ(sd.param_groups_json(),
            "[{\"dampening\": 0, \"lr\": 0.025, \"maximize\": false, \"momentum\": 0.9, \"nesterov\": false, "
            "\"weight_decay\": 0, \"params\": [0]}]");
  Tensor b = ones({2}).requires_grad_(true);
  optim::SGD opt2({b}, {.lr = 0.1});
  opt2.load_state_dict(sd);
  EXPECT_EQ(opt2.param_groups()[0].lr(), 0.025);
  EXPECT_EQ(opt2.param_groups()[0].options.get("momentum"), 0.9);
}

TEST(Optim, BadStateDictThrowsAndChangesNothing) {
  Tensor a = ones({2}).requires_grad_(true), b = ones({3}).requires_grad_(true);
  optim::Adam opt({a, b}, {.lr = 0.1});
  a.set_grad(ones({2}));
  b.set_grad(ones({3}));
  opt.step();
  const optim::OptimizerStateDict before = opt.state_dict();

  auto expect_unchanged = [&] {
    optim::OptimizerStateDict now = opt.state_dict();
    EXPECT_EQ(now.param_groups_json(), before.param_groups_json());
    ASSERT_EQ(now.state.size(), before.state.size());
    for (auto& [idx, st] : before.state)
      for (auto& [k, t] : st) EXPECT_TRUE(bit_equal(now.state.at(idx).at(k), t)) << idx << "." << k;
  };
  auto expect_error = [&](optim::OptimizerStateDict sd, const std::string& what) {
    try {
      opt.load_state_dict(sd);
      ADD_FAILURE() << "no error, expected one mentioning '" << what << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
    expect_unchanged();
  };

  optim::OptimizerStateDict sd = before;
  sd.param_groups[0].options.set("lr", 0.5);
  sd.state[1]["exp_avg"] = zeros({4});  // wrong shape, after a valid change to the options
  expect_error(sd, "state 'exp_avg' of parameter 1 has shape (4)");

  sd = before;
  sd.param_groups.push_back(sd.param_groups[0]);
  expect_error(sd, "2 parameter groups but the optimizer has 1");

  sd = before;
  sd.param_groups[0].params.pop_back();
  expect_error(sd, "has 1 parameters in the state dict but 2 in the optimizer");

  sd = before;
  sd.state[7]["exp_avg"] = zeros({2});
  expect_error(sd, "parameter index 7");

  sd = before;
  sd.param_groups[0].options.set("betas", 0.9);
  expect_error(sd, "'betas' must be a list");

  EXPECT_THROW(optim::OptimizerStateDict::from_flat({}, "[{\"lr\": 0.1}]"), Error);          // no params
  EXPECT_THROW(optim::OptimizerStateDict::from_flat({}, "{\"lr\": 0.1"), Error);            // malformed JSON
  EXPECT_THROW(optim::OptimizerStateDict::from_flat({{"step.0", zeros({})}}, "[]"), Error);  // bad tensor key
}

TEST(Optim, OptionsJsonRoundTrip) {
  optim::Options o{{"lr", 0.1}, {"nesterov", true}, {"betas", {0.9, 0.999}}, {"mode", "min"}, {"best", INFINITY}};
  std::string j = o.to_json();
  EXPECT_EQ(j, "{\"best\": Infinity, \"betas\": [0.9, 0.999], \"lr\": 0.1, \"mode\": \"min\", \"nesterov\": true}");
  EXPECT_EQ(optim::Options::from_json(j), o);
  EXPECT_THROW(optim::Options::from_json("{\"a\": {\"b\": 1}}"), Error);
  EXPECT_THROW(optim::Options::from_json("[1, 2]"), Error);
  EXPECT_THROW(o.get("nesterov"), Error);
  EXPECT_THROW(o.get("missing"), Error);
  // Doubles survive exactly.
  optim::Options p{{"x", 0.1 + 0.2}, {"y", 1e-300}};
  EXPECT_EQ(optim::Options::from_json(p.to_json()), p);
}

// Hostile optimizer state: a group whose "betas" was emptied after construction (Adam read
// betas[0] and betas[1] out of bounds), JSON nested deep enough to overflow the parser's stack,
// a state index past int64 (std::stoll threw std::out_of_range, not ember::Error), and numbers
// past int64 cast to int64 (undefined behaviour).
TEST(OptimBadInput, EditedOptionsAndHostileStateDicts) {
  Tensor p = randn({3}).requires_grad_();
  p.set_grad(ones({3}));
  optim::Adam adam({p});
  adam.param_groups()[0].options.set("betas", std::vector<double>{});
  EXPECT_ERROR_HAS(adam.step(), "Adam.step", "betas", "got 0");

  using optim::OptimizerStateDict;
  EXPECT_ERROR_HAS(OptimizerStateDict::from_flat({}, std::string(100000, '[')), "json", "nested");
  EXPECT_ERROR_HAS(OptimizerStateDict::from_flat({{"state.99999999999999999999999.exp_avg", randn({3})}}, "[]"),
                   "from_flat", "state.99999999999999999999999.exp_avg");
  EXPECT_ERROR_HAS(OptimizerStateDict::from_flat({}, "[{\"lr\": 0.1, \"params\": [1e300]}]"), "from_flat",
                   "non-negative integers");
  EXPECT_ERROR_HAS((optim::Options{{"n", 1e300}}.get_int("n")), "'n'", "integer");
}

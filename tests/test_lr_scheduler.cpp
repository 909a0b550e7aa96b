// LR schedulers: sequences against PyTorch 1.13's (tests/interop/gen_lr_scheduler_reference.py
// prints them), state_dict round trips (a resumed schedule continues identically), bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>

#include <ember/ember.h>

#include "support/testing.h"

using namespace ember;
using namespace ember::optim;

namespace {

constexpr int64_t E = 16;
const std::vector<double> kMetrics = {1.0, 0.9, 0.91, 0.9, 0.95, 0.89, 0.9, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.84, 0.845, 0.9};

// PyTorch's sequences: for each epoch, the lr (or momentum) of every group in force during it.
const std::map<std::string, std::vector<double>> kTorch = {
    {"multi_step", {0.1, 0.1, 0.03, 0.03, 0.03, 0.0026999999999999997, 0.0026999999999999997, 0.0026999999999999997, 0.0026999999999999997, 0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998, 0.0008099999999999998}},
    {"linear_warmup_2groups", {0.025, 0.05, 0.043750000000000004, 0.08750000000000001, 0.06250000000000001, 0.12500000000000003, 0.08125000000000002, 0.16250000000000003, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004, 0.10000000000000002, 0.20000000000000004}},
    {"linear_decay", {0.1, 0.085, 0.07, 0.05500000000000001, 0.04000000000000001, 0.025000000000000005, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002}},
    {"lambda_2groups", {0.1, 0.2, 0.095, 0.1, 0.09025, 0.06666666666666667, 0.0857375, 0.05, 0.081450625, 0.04000000000000001, 0.07737809374999999, 0.03333333333333333, 0.07350918906249998, 0.02857142857142857, 0.06983372960937498, 0.025, 0.06634204312890622, 0.022222222222222223, 0.0630249409724609, 0.020000000000000004, 0.05987369392383787, 0.018181818181818184, 0.05688000922764597, 0.016666666666666666, 0.05403600876626367, 0.015384615384615385, 0.051334208327950485, 0.014285714285714285, 0.04876749791155296, 0.013333333333333334, 0.046329123015975304, 0.0125}},
    {"cosine_tmax4", {0.1, 0.08681980515339464, 0.05500000000000001, 0.023180194846605363, 0.01, 0.023180194846605363, 0.05500000000000002, 0.08681980515339469, 0.10000000000000006, 0.0868198051533947, 0.05500000000000005, 0.023180194846605412, 0.01, 0.023180194846605363, 0.054999999999999924, 0.08681980515339449}},
    {"exponential_gamma07", {0.1, 0.06999999999999999, 0.048999999999999995, 0.0343, 0.024009999999999997, 0.016806999999999996, 0.011764899999999997, 0.008235429999999997, 0.005764800999999997, 0.004035360699999998, 0.0028247524899999983, 0.0019773267429999985, 0.0013841287200999988, 0.0009688901040699991, 0.0006782230728489993, 0.0004747561509942995}},
    {"one_cycle_cos_lr", {0.020000000000000018, 0.09745242280982214, 0.27981904291335974, 0.4493937222551344, 0.4996067053276391, 0.4859708886937616, 0.45389040167894606, 0.4058728269748815, 0.34567147540784005, 0.2779920070613508, 0.20812461168003923, 0.14153049910434962, 0.08341502185857698, 0.0383207969171282, 0.009772630431047072, 2e-06}},
    {"one_cycle_cos_momentum", {0.95, 0.9338640785812871, 0.8958710327263834, 0.8605429745301802, 0.8500786592491092, 0.8528058334845816, 0.8592219565520369, 0.8688255099070633, 0.8808658283817454, 0.8944017761948346, 0.9083753111652367, 0.9216941869558779, 0.9333173288976001, 0.9423362099614142, 0.9480458660972549, 0.95}},
    {"one_cycle_linear_three_phase_lr", {0.03, 0.12, 0.21, 0.30000000000000004, 0.21, 0.12, 0.02999999999999997, 0.026699999999999998, 0.0234, 0.0201, 0.016800000000000002, 0.013499999999999998, 0.0102, 0.0069, 0.0036000000000000025, 0.00030000000000000165}},
    {"one_cycle_linear_three_phase_beta1", {0.95, 0.9166666666666666, 0.8833333333333333, 0.85, 0.8833333333333333, 0.9166666666666666, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95}},
    {"sequential_linear_exponential", {0.010000000000000002, 0.04, 0.07, 0.1, 0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002, 0.05904900000000002, 0.05314410000000002, 0.04782969000000002, 0.043046721000000024, 0.03874204890000002, 0.03486784401000002, 0.03138105960900001}},
    {"sequential_three", {0.1, 0.05, 0.025, 0.1, 0.09045084971874738, 0.06545084971874737, 0.03454915028125263, 0.009549150281252633, 0.0, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125}},
    {"plateau_max_abs_cooldown", {0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.05, 0.1, 0.05, 0.1, 0.05, 0.1, 0.05, 0.1, 0.025, 0.06, 0.025, 0.06, 0.025, 0.06, 0.025, 0.06, 0.02, 0.06, 0.02, 0.06, 0.02, 0.06, 0.02, 0.06}},
    {"plateau_min_rel_eps", {0.1, 0.1, 0.1, 0.010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002, 0.0010000000000000002}},
};

// SGD over `groups` one-element parameters; group i has lr = lr * (i + 1), as the generator's.
std::unique_ptr<SGD> sgd(int groups = 1, double lr = 0.1, double momentum = 0.0) {
  std::vector<ParamGroup> gs;
  for (int i = 0; i < groups; ++i) gs.emplace_back(std::vector<Tensor>{zeros({1}).requires_grad_(true)}, Options{{"lr", lr * (i + 1)}});
  return std::make_unique<SGD>(std::move(gs), SGDOptions{.lr = lr, .momentum = momentum});
}

std::unique_ptr<Adam> adam(double lr = 0.1) {
  return std::make_unique<Adam>(std::vector<Tensor>{zeros({1}).requires_grad_(true)},
                                AdamOptions{.lr = lr, .betas = {0.9, 0.99}});
}

using Key = std::function<double(const ParamGroup&)>;
const Key kLr = [](const ParamGroup& g) { return g.lr(); };

// The value of `key` for every group during each of E epochs, calling step(e) after epoch e.
std::vector<double> run(Optimizer& opt, const std::function<void(int64_t)>& step, const Key& key = kLr) {
  std::vector<double> out;
  for (int64_t e = 0; e < E; ++e) {
    for (auto& g : opt.param_groups()) out.push_back(key(g));
    step(e);
  }
  return out;
}

// Learning rates are doubles computed with PyTorch's formulas in PyTorch's order: equal to
// the last bit or within an ulp where libm's cos may differ.
void expect_sequence(const std::string& name, const std::vector<double>& got) {
  const auto& want = kTorch.at(name);
  ASSERT_EQ(got.size(), want.size()) << name;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-15 + 1e-14 * std::fabs(want[i])) << name << " at " << i;
}

template <class S>
std::function<void(int64_t)> stepper(S& s) {
  return [&s](int64_t) { s.step(); };
}

}  // namespace

TEST(LRScheduler, MultiStepLR) {
  auto o = sgd();
  MultiStepLR s(*o, {2, 5, 5, 9}, 0.3);
  expect_sequence("multi_step", run(*o, stepper(s)));
}

TEST(LRScheduler, LinearLRWarmupTwoGroups) {
  auto o = sgd(2);
  LinearLR s(*o, 0.25, 1.0, 4);
  expect_sequence("linear_warmup_2groups", run(*o, stepper(s)));
  EXPECT_EQ(s.get_last_lr().size(), 2u);
}

TEST(LRScheduler, LinearLRDecay) {
  auto o = sgd();
  LinearLR s(*o, 1.0, 0.1, 6);
  expect_sequence("linear_decay", run(*o, stepper(s)));
}

TEST(LRScheduler, LambdaLRPerGroup) {
  auto o = sgd(2);
  LambdaLR s(*o, {[](int64_t e) { return std::pow(0.95, static_cast<double>(e)); },
                  [](int64_t e) { return 1.0 / (1 + static_cast<double>(e)); }});
  expect_sequence("lambda_2groups", run(*o, stepper(s)));
}

TEST(LRScheduler, CosineAnnealingBeyondTMax) {
  auto o = sgd();
  CosineAnnealingLR s(*o, 4, 0.01);
  expect_sequence("cosine_tmax4", run(*o, stepper(s)));
}

TEST(LRScheduler, ExponentialLR) {
  auto o = sgd();
  ExponentialLR s(*o, 0.7);
  expect_sequence("exponential_gamma07", run(*o, stepper(s)));
}

TEST(LRScheduler, OneCycleCosineCyclesMomentum) {
  auto o = sgd(1, 0.1, 0.9);
  OneCycleLR s(*o, 0.5, {.total_steps = E});
  EXPECT_EQ(s.total_steps(), E);
  std::vector<double> lr, mom;
  for (int64_t e = 0; e < E; ++e) {
    lr.push_back(o->param_groups()[0].lr());
    mom.push_back(o->param_groups()[0].options.get("momentum"));
    s.step();
  }
  expect_sequence("one_cycle_cos_lr", lr);
  expect_sequence("one_cycle_cos_momentum", mom);
  // PyTorch keeps the cycle's bounds in the group.
  EXPECT_EQ(o->param_groups()[0].options.get("max_lr"), 0.5);
  EXPECT_EQ(o->param_groups()[0].options.get("initial_lr"), 0.5 / 25);
  // One step too many is an error, as in PyTorch.
  EXPECT_THROW(s.step(), Error);
}

TEST(LRScheduler, OneCycleLinearThreePhaseCyclesBeta1) {
  auto o = adam();
  OneCycleOptions opts{.epochs = 4, .steps_per_epoch = 4, .pct_start = 0.25, .anneal_strategy = "linear",
                       .div_factor = 10.0, .final_div_factor = 100.0, .three_phase = true};
  OneCycleLR s(*o, 0.3, opts);
  std::vector<double> lr, beta1;
  for (int64_t e = 0; e < E; ++e) {
    lr.push_back(o->param_groups()[0].lr());
    beta1.push_back(o->param_groups()[0].options.get_list("betas")[0]);
    EXPECT_EQ(o->param_groups()[0].options.get_list("betas")[1], 0.99);
    s.step();
  }
  expect_sequence("one_cycle_linear_three_phase_lr", lr);
  expect_sequence("one_cycle_linear_three_phase_beta1", beta1);
}

TEST(LRScheduler, SequentialWarmupThenExponential) {
  auto o = sgd();
  auto warm = std::make_shared<LinearLR>(*o, 0.1, 1.0, 3);
  auto decay = std::make_shared<ExponentialLR>(*o, 0.9);
  SequentialLR s(*o, {warm, decay}, {4});
  expect_sequence("sequential_linear_exponential", run(*o, stepper(s)));
}

TEST(LRScheduler, SequentialOfThree) {
  auto o = sgd();
  auto a = std::make_shared<ExponentialLR>(*o, 0.5);
  auto b = std::make_shared<CosineAnnealingLR>(*o, 5);
  auto c = std::make_shared<StepLR>(*o, 2, 0.5);
  SequentialLR s(*o, {a, b, c}, {3, 9});
  expect_sequence("sequential_three", run(*o, stepper(s)));
}

TEST(LRScheduler, ReduceLROnPlateauMaxAbsCooldownPerGroupMinLr) {
  auto o = sgd(2);
  ReduceLROnPlateau s(*o, {.mode = "max", .factor = 0.5, .patience = 1, .threshold = 0.01, .threshold_mode = "abs",
                           .cooldown = 2, .min_lr = {0.02, 0.06}});
  expect_sequence("plateau_max_abs_cooldown", run(*o, [&](int64_t e) { s.step(-kMetrics[e]); }));
}

TEST(LRScheduler, ReduceLROnPlateauEpsSkipsTinyReductions) {
  auto o = sgd();
  ReduceLROnPlateau s(*o, {.factor = 0.1, .patience = 0, .eps = 2e-3});
  expect_sequence("plateau_min_rel_eps", run(*o, [&](int64_t e) { s.step(tensor({kMetrics[e]})); }));  // as a tensor
  EXPECT_EQ(s.best(), 0.84);
}

// Resuming: a scheduler (and its optimizer's groups) restored from state_dicts after 7 steps
// gives the same remaining sequence as the uninterrupted run.
template <class Make, class Step>
void check_resume(const char* name, Make make, Step step) {
  SCOPED_TRACE(name);
  auto [o1, s1] = make();
  std::vector<double> full;
  OptimizerStateDict opt_sd;
  Options sched_sd;
  for (int64_t e = 0; e < E; ++e) {
    if (e == 7) {
      opt_sd = o1->state_dict();
      sched_sd = s1->state_dict();
    }
    full.push_back(o1->param_groups()[0].lr());
    step(*s1, e);
  }
  auto [o2, s2] = make();
  // Through JSON, as a checkpoint stores them.
  o2->load_state_dict(OptimizerStateDict::from_flat(opt_sd.flat_tensors(), opt_sd.param_groups_json()));
  s2->load_state_dict(Options::from_json(sched_sd.to_json()));
  EXPECT_EQ(s2->state_dict(), sched_sd);
  for (int64_t e = 7; e < E; ++e) {
    EXPECT_EQ(o2->param_groups()[0].lr(), full[static_cast<size_t>(e)]) << "epoch " << e;
    step(*s2, e);
  }
}

TEST(LRScheduler, StateDictResume) {
  auto plain = [](auto& s, int64_t) { s.step(); };
  check_resume("StepLR", [] { auto o = sgd(); auto s = std::make_unique<StepLR>(*o, 3, 0.5); return std::pair(std::move(o), std::move(s)); }, plain);
  check_resume("MultiStepLR", [] { auto o = sgd(); auto s = std::make_unique<MultiStepLR>(*o, std::vector<int64_t>{2, 8, 8}, 0.5); return std::pair(std::move(o), std::move(s)); }, plain);
  check_resume("CosineAnnealingLR", [] { auto o = sgd(); auto s = std::make_unique<CosineAnnealingLR>(*o, 5, 0.01); return std::pair(std::move(o), std::move(s)); }, plain);
  check_resume("LinearLR", [] { auto o = sgd(); auto s = std::make_unique<LinearLR>(*o, 0.2, 1.0, 10); return std::pair(std::move(o), std::move(s)); }, plain);
  check_resume("OneCycleLR", [] { auto o = sgd(1, 0.1, 0.9); auto s = std::make_unique<OneCycleLR>(*o, 0.5, OneCycleOptions{.total_steps = E}); return std::pair(std::move(o), std::move(s)); }, plain);
  check_resume("SequentialLR", [] {
    auto o = sgd();
    auto a = std::make_shared<LinearLR>(*o, 0.1, 1.0, 3);
    auto b = std::make_shared<CosineAnnealingLR>(*o, 6);
    auto s = std::make_unique<SequentialLR>(*o, std::vector<std::shared_ptr<LRScheduler>>{a, b}, std::vector<int64_t>{5});
    return std::pair(std::move(o), std::move(s));
  }, plain);
  check_resume("ReduceLROnPlateau", [] { auto o = sgd(); auto s = std::make_unique<ReduceLROnPlateau>(*o, ReduceLROnPlateauOptions{.factor = 0.5, .patience = 1, .cooldown = 1}); return std::pair(std::move(o), std::move(s)); },
               [](auto& s, int64_t e) { s.step(kMetrics[static_cast<size_t>(e)]); });
}

TEST(LRScheduler, StateDictHasPyTorchKeys) {
  auto o = sgd();
  StepLR s(*o, 3, 0.5);
  s.step();
  Options sd = s.state_dict();
  for (const char* k : {"last_epoch", "base_lrs", "_last_lr", "_step_count", "step_size", "gamma"}) EXPECT_TRUE(sd.has(k)) << k;
  EXPECT_EQ(sd.get("last_epoch"), 1);
  EXPECT_EQ(sd.get("_step_count"), 2);  // the constructor's step counts, as in PyTorch
  EXPECT_EQ(o->param_groups()[0].options.get("initial_lr"), 0.1);
  EXPECT_EQ(s.name(), "StepLR");
}

TEST(LRScheduler, BadArgumentsAndStatesThrow) {
  auto o = sgd();
  EXPECT_THROW(StepLR(*o, 0), Error);
  EXPECT_THROW(CosineAnnealingLR(*o, 0), Error);
  EXPECT_THROW(LinearLR(*o, 1.5), Error);
  EXPECT_THROW(LambdaLR(*o, std::vector<LambdaLR::Lambda>{}), Error);
  EXPECT_THROW(OneCycleLR(*o, 0.1, {}), Error);  // neither total_steps nor epochs
  EXPECT_THROW(OneCycleLR(*o, 0.1, {.total_steps = 10, .anneal_strategy = "cubic"}), Error);
  EXPECT_THROW(ReduceLROnPlateau(*o, {.factor = 1.5}), Error);
  EXPECT_THROW(ReduceLROnPlateau(*o, {.mode = "maximum"}), Error);
  EXPECT_THROW(ReduceLROnPlateau(*o, {.min_lr = {0.1, 0.2}}), Error);  // two min_lrs, one group
  auto other = sgd();
  auto foreign = std::make_shared<ExponentialLR>(*other, 0.9);
  EXPECT_THROW(SequentialLR(*o, {foreign}, {}), Error);
  auto mine = std::make_shared<ExponentialLR>(*o, 0.9);
  EXPECT_THROW(SequentialLR(*o, {mine}, {3}), Error);  // one milestone too many
  // Resuming without initial_lr in the groups.
  auto fresh = sgd();
  EXPECT_THROW(StepLR(*fresh, 3, 0.1, /*last_epoch=*/5), Error);

  // A state dict with a wrong value changes nothing.
  StepLR s(*o, 3, 0.5);
  s.step();
  Options before = s.state_dict();
  Options bad = before;
  bad.set("base_lrs", std::vector<double>{0.1, 0.2});
  EXPECT_THROW(s.load_state_dict(bad), Error);
  bad = before;
  bad.set("step_size", 0);
  EXPECT_THROW(s.load_state_dict(bad), Error);
  bad = before;
  bad.set("last_epoch", "three");
  EXPECT_THROW(s.load_state_dict(bad), Error);
  EXPECT_EQ(s.state_dict(), before);

  ReduceLROnPlateau p(*o);
  p.step(1.0);
  Options pb = p.state_dict();
  Options pbad = pb;
  pbad.set("threshold_mode", "relative");
  EXPECT_THROW(p.load_state_dict(pbad), Error);
  pbad = pb;
  pbad.erase("best");
  EXPECT_THROW(p.load_state_dict(pbad), Error);
  EXPECT_EQ(p.state_dict(), pb);
}

// Saved scheduler states with numbers that are not int64s: NaN or 1e300 milestones were cast
// to int64 (undefined behaviour), a 23-digit child index made std::stoul throw std::out_of_range.
TEST(SchedulerBadInput, NonIntegerMilestonesAndHugeIndicesInLoadedStates) {
  Tensor p = randn({2}).requires_grad_();
  optim::SGD opt({p}, {.lr = 0.1});
  MultiStepLR ms(opt, {1, 2});
  Options st = ms.state_dict();
  st.set("milestones", std::vector<double>{NAN, 1e300});
  EXPECT_ERROR_HAS(ms.load_state_dict(st), "MultiStepLR.load_state_dict", "milestones", "integers");

  auto a = std::make_shared<StepLR>(opt, 2);
  auto b = std::make_shared<StepLR>(opt, 3);
  SequentialLR seq(opt, {a, b}, {2});
  Options s2 = seq.state_dict();
  s2.set("_milestones", std::vector<double>{1e300});
  EXPECT_ERROR_HAS(seq.load_state_dict(s2), "SequentialLR.load_state_dict", "_milestones");
  Options s3 = seq.state_dict();
  s3.set("_schedulers.99999999999999999999999.last_epoch", 1.0);
  EXPECT_ERROR_HAS(seq.load_state_dict(s3), "SequentialLR.load_state_dict", "_schedulers.99999999999999999999999");
}

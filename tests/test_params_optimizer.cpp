// params.json's optimizer and lr_scheduler keys: the optimizer and scheduler they build, with
// PyTorch's option names, and errors that name the params file and the option.
#include <gtest/gtest.h>

#include <cmath>

#include <ember/ember.h>
#include <ember/train/optimizer_factory.h>

#include "test_cli_util.h"

using namespace ember;
using namespace ember::train;
using ember::testing::error_of;

namespace {

Params params(const std::string& extra) {
  return Params::parse(R"({"model": "toy", "learning_rate": 0.1)" + extra + "}", "exp/params.json",
                       [](const std::string&) { return Params::common_specs(); });
}

std::vector<Tensor> weights() { return {ones({3}, requires_grad())}; }

double lr_of(const optim::Optimizer& o) { return o.param_groups()[0].lr(); }

}  // namespace

TEST(MakeOptimizer, EveryNameWithItsOptions) {
  auto w = weights();
  auto sgd = make_optimizer(params(R"(, "optimizer": "SGD", "optimizer_options": {"momentum": 0.9, "nesterov": true})"), w);
  EXPECT_EQ(sgd->name(), "SGD");
  EXPECT_DOUBLE_EQ(lr_of(*sgd), 0.1);
  EXPECT_DOUBLE_EQ(sgd->param_groups()[0].options.get("momentum"), 0.9);
  EXPECT_TRUE(sgd->param_groups()[0].options.get_bool("nesterov"));
  auto adam = make_optimizer(params(R"(, "optimizer": "adam", "optimizer_options": {"betas": [0.8, 0.99]},
                                       "weight_decay": 0.01)"), weights());
  EXPECT_EQ(adam->name(), "Adam");
  EXPECT_EQ(adam->param_groups()[0].options.get_list("betas"), (std::vector<double>{0.8, 0.99}));
  EXPECT_DOUBLE_EQ(adam->param_groups()[0].options.get("weight_decay"), 0.01);
  // AdamW keeps PyTorch's default weight_decay (0.01) unless params.json sets one.
  EXPECT_DOUBLE_EQ(make_optimizer(params(R"(, "optimizer": "AdamW")"), weights())->param_groups()[0].options.get("weight_decay"), 0.01);
  EXPECT_DOUBLE_EQ(make_optimizer(params(R"(, "optimizer": "AdamW", "weight_decay": 0)"), weights())
                       ->param_groups()[0].options.get("weight_decay"), 0.0);
  EXPECT_EQ(make_optimizer(params(R"(, "optimizer": "RMSprop")"), weights())->name(), "RMSprop");
  EXPECT_EQ(make_optimizer(params(R"(, "optimizer": "Adagrad")"), weights())->name(), "Adagrad");
}

TEST(MakeOptimizer, BadOptionsNameTheFile) {
  std::string msg = error_of([] { make_optimizer(params(R"(, "optimizer": "Adam", "optimizer_options": {"momentum": 0.9})"), weights()); });
  EXPECT_HAS(msg, "exp/params.json: optimizer_options");
  EXPECT_HAS(msg, "unknown option 'momentum' for Adam");
  msg = error_of([] { make_optimizer(params(R"(, "optimizer_options": {"lr": 0.5})"), weights()); });
  EXPECT_HAS(msg, "top-level keys learning_rate and weight_decay");
  msg = error_of([] { make_optimizer(params(R"(, "optimizer": "SGD", "optimizer_options": {"momentum": -1})"), weights()); });
  EXPECT_HAS(msg, "exp/params.json: optimizer_options");
  EXPECT_HAS(msg, "momentum");
}

// lr after each epoch, with torch.optim.lr_scheduler's formulas.
TEST(TrainScheduler, EpochwiseSchedulers) {
  auto w = weights();
  Params p = params(R"(, "lr_scheduler": "StepLR", "lr_scheduler_options": {"step_size": 2, "gamma": 0.5})");
  auto opt = make_optimizer(p, w);
  TrainScheduler s(p, *opt, 10, true);
  EXPECT_EQ(s.name(), "StepLR");
  std::vector<double> lrs;
  for (int e = 0; e < 4; ++e) {
    for (int b = 0; b < 10; ++b) s.after_batch();  // epoch-wise: batches change nothing
    s.after_epoch(0.5);
    lrs.push_back(lr_of(*opt));
  }
  EXPECT_DOUBLE_EQ(lrs[0], 0.1);
  EXPECT_DOUBLE_EQ(lrs[1], 0.05);
  EXPECT_DOUBLE_EQ(lrs[3], 0.025);

  Params c = params(R"(, "num_epochs": 4, "lr_scheduler": "CosineAnnealingLR")");  // T_max defaults to num_epochs
  auto opt2 = make_optimizer(c, weights());
  TrainScheduler cos(c, *opt2, 10, true);
  cos.after_epoch(0);
  cos.after_epoch(0);
  EXPECT_NEAR(lr_of(*opt2), 0.05, 1e-12);  // 0.1 * (1 + cos(pi * 2/4)) / 2

  Params none = params("");
  auto opt3 = make_optimizer(none, weights());
  TrainScheduler n(none, *opt3, 10, true);
  EXPECT_FALSE(n.active());
  n.after_epoch(0);
  EXPECT_DOUBLE_EQ(lr_of(*opt3), 0.1);
  EXPECT_TRUE(n.state_dict().empty());
}

TEST(TrainScheduler, PlateauFollowsTheMetricDirection) {
  Params p = params(R"(, "lr_scheduler": "ReduceLROnPlateau", "lr_scheduler_options": {"patience": 0, "factor": 0.5})");
  auto opt = make_optimizer(p, weights());
  TrainScheduler s(p, *opt, 10, /*higher_is_better=*/true);  // accuracy: mode "max"
  s.after_epoch(0.5);
  s.after_epoch(0.6);  // better: no change
  EXPECT_DOUBLE_EQ(lr_of(*opt), 0.1);
  s.after_epoch(0.55);  // worse, patience 0: halve
  EXPECT_DOUBLE_EQ(lr_of(*opt), 0.05);
  EXPECT_EQ(s.state_dict().get_string("mode"), "max");
}

TEST(TrainScheduler, OneCycleStepsEveryBatch) {
  Params p = params(R"(, "num_epochs": 2, "lr_scheduler": "OneCycleLR", "optimizer": "SGD",
                       "optimizer_options": {"momentum": 0.9})");
  auto opt = make_optimizer(p, weights());
  TrainScheduler s(p, *opt, 5, true);
  // PyTorch 1.13, OneCycleLR(SGD(lr=0.1, momentum=0.9), max_lr=0.1, total_steps=10): lr after
  // 0..3 steps = 0.004, 0.052, 0.1, 0.09504846320134738.
  EXPECT_NEAR(lr_of(*opt), 0.004, 1e-12);
  s.after_batch();
  EXPECT_NEAR(lr_of(*opt), 0.052, 1e-12);
  s.after_batch();
  s.after_batch();
  EXPECT_NEAR(lr_of(*opt), 0.09504846320134738, 1e-12);
  s.after_epoch(0);  // per-batch: epochs change nothing
  EXPECT_NEAR(lr_of(*opt), 0.09504846320134738, 1e-12);
  EXPECT_EQ(s.state_dict().get_int("total_steps"), 10);
}

TEST(TrainScheduler, BadOptionsNameTheFile) {
  auto w = weights();
  auto err = [&](const std::string& extra) {
    Params p = params(extra);
    auto opt = make_optimizer(p, weights());
    return error_of([&] { TrainScheduler(p, *opt, 10, true); });
  };
  EXPECT_HAS(err(R"(, "lr_scheduler": "StepLR")"), "exp/params.json: lr_scheduler_options: StepLR needs option 'step_size'");
  EXPECT_HAS(err(R"(, "lr_scheduler": "StepLR", "lr_scheduler_options": {"step_size": 2, "gama": 0.5})"),
             "unknown option 'gama' for StepLR (options: step_size, gamma)");
  EXPECT_HAS(err(R"(, "lr_scheduler_options": {"gamma": 0.5})"), "unknown option 'gamma' for none");
  EXPECT_HAS(err(R"(, "lr_scheduler": "MultiStepLR", "lr_scheduler_options": {"milestones": 3})"),
             "exp/params.json: lr_scheduler_options");
}

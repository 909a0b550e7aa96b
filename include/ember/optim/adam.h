#pragma once
// Adam and AdamW with torch.optim's update rules (torch 1.13):
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;  (amsgrad: vmax = max(vmax, v), used for v)
//   p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
// Adam adds weight_decay*p to g (L2); AdamW multiplies p by (1 - lr*weight_decay) first (decoupled).
#include <utility>
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
  Options to_options() const;
};

struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;
  Options to_options() const;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  Adam(std::vector<ParamGroup> groups, AdamOptions options = {});

 protected:
  Adam(std::string name, Options defaults) : Optimizer(std::move(name), std::move(defaults)) {}
  void update(ParamGroup& group) override;
  void check_options(const Options& o) const override;
  bool decoupled_weight_decay_ = false;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  AdamW(std::vector<ParamGroup> groups, AdamWOptions options = {});
};

}  // namespace ember::optim

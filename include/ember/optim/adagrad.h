#pragma once
// Adagrad with torch.optim.Adagrad's update rule (torch 1.13):
//   g (+ weight_decay*p);  clr = lr / (1 + (t-1)*lr_decay);  sum += g*g;  p -= clr * g/(sqrt(sum) + eps)
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
  Options to_options() const;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  Adagrad(std::vector<ParamGroup> groups, AdagradOptions options = {});

 protected:
  void update(ParamGroup& group) override;
  void check_options(const Options& o) const override;
};

}  // namespace ember::optim

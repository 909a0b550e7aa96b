#pragma once
// RMSprop with torch.optim.RMSprop's update rule (torch 1.13):
//   g (+ weight_decay*p);  sq = alpha*sq + (1-alpha)*g*g;  avg = sqrt(sq) + eps
//   (centered: ga = alpha*ga + (1-alpha)*g;  avg = sqrt(sq - ga*ga) + eps)
//   momentum > 0: buf = momentum*buf + g/avg;  p -= lr*buf.   Otherwise p -= lr * g/avg.
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
  Options to_options() const;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions options = {});

 protected:
  void update(ParamGroup& group) override;
  void check_options(const Options& o) const override;
};

}  // namespace ember::optim

#pragma once
// SGD with momentum, dampening, Nesterov and weight decay; torch.optim.SGD's update rule:
//   g = grad (+ weight_decay * p);  buf = momentum * buf + (1 - dampening) * g  (buf = g at first)
//   g = nesterov ? g + momentum * buf : buf;  p -= lr * g
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
  Options to_options() const;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options = {});
  SGD(std::vector<ParamGroup> groups, SGDOptions options = {});

 protected:
  void update(ParamGroup& group) override;
  void check_options(const Options& o) const override;
};

}  // namespace ember::optim

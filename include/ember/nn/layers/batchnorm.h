#pragma once
// nn.BatchNorm1d and nn.BatchNorm2d. Parameters weight (ones) and bias (zeros) when affine;
// buffers running_mean (zeros), running_var (ones) and num_batches_tracked (int64 0) when
// track_running_stats. Training normalises with the batch statistics and updates the running
// ones (unbiased variance); eval uses the running statistics. momentum = nullopt gives the
// cumulative average (factor 1/num_batches_tracked), as PyTorch's momentum=None.
#include <optional>

#include "ember/nn/module.h"

namespace ember::nn {

class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;
  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 protected:
  BatchNormBase(const char* type_name, int64_t num_features, double eps, std::optional<double> momentum, bool affine,
                bool track_running_stats);
  virtual void check_input_dim(const Tensor& x) const = 0;
};

// x:(N,C) or (N,C,L)
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNormBase("BatchNorm1d", num_features, eps, momentum, affine, track_running_stats) {}

 protected:
  void check_input_dim(const Tensor& x) const override;
};

// x:(N,C,H,W)
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNormBase("BatchNorm2d", num_features, eps, momentum, affine, track_running_stats) {}

 protected:
  void check_input_dim(const Tensor& x) const override;
};

}  // namespace ember::nn

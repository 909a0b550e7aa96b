#pragma once
// The optimizer and LR scheduler that params.json names:
//   "optimizer": "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad"   (+ "optimizer_options": {...})
//   "learning_rate", "weight_decay"                                   (the group's lr and weight_decay)
//   "lr_scheduler": "none" | "StepLR" | "MultiStepLR" | "ExponentialLR" | "CosineAnnealingLR" |
//                   "LinearLR" | "OneCycleLR" | "ReduceLROnPlateau"  (+ "lr_scheduler_options": {...})
// Options take PyTorch's argument names; an unknown or ill-typed option is an ember::Error
// naming the params file and the option.
#include <memory>
#include <string>
#include <vector>

#include "ember/optim/lr_scheduler.h"
#include "ember/optim/optimizer.h"
#include "ember/train/params.h"

namespace ember::train {

std::unique_ptr<optim::Optimizer> make_optimizer(const Params& params, std::vector<Tensor> parameters);

// The scheduler a training loop drives: epoch-wise ones step after each epoch, OneCycleLR after
// each batch, ReduceLROnPlateau after each epoch with the validation metric.
class TrainScheduler {
 public:
  // steps_per_epoch: batches per epoch (OneCycleLR's default total_steps is num_epochs times it).
  // higher_is_better: the direction of the metric given to ReduceLROnPlateau (its default mode).
  TrainScheduler(const Params& params, optim::Optimizer& optimizer, int64_t steps_per_epoch, bool higher_is_better);
  void after_batch();
  void after_epoch(double val_metric);
  bool active() const { return scheduler_ != nullptr; }
  optim::Scheduler* get() const { return scheduler_.get(); }  // null without a scheduler
  std::string name() const;  // "none" without a scheduler
  // The scheduler's state (empty without one), for checkpoints.
  optim::Options state_dict() const;
  void load_state_dict(const optim::Options& state);

 private:
  std::unique_ptr<optim::Scheduler> scheduler_;
  bool per_batch_ = false;
};

}  // namespace ember::train

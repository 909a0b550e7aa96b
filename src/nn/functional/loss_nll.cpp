// nll_loss and cross_entropy (class indices or class probabilities, class weights, ignore_index,
// label smoothing), composed from log_softmax, gather and reductions.
#include <algorithm>
#include <string>

#include "backend/cpu/kernels.h"
#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"
#include "nn/functional/loss_util.h"

namespace ember::nn::functional {

using namespace loss_detail;

namespace {

int64_t class_dim_of(const Tensor& input) { return input.dim() == 1 ? 0 : 1; }

// Class-index targets, flattened to match `rows`: input viewed as (M, C) with the class dim last.
struct Targets {
  Tensor rows;   // (M, C) input rows
  Tensor index;  // (M) int64, ignored positions replaced by 0
  Tensor valid;  // (M) bool: not ignore_index
};

// Checks target against input (shapes, dtype, range) as PyTorch's nll_loss does.
Targets flatten_targets(const char* op, const Tensor& input, const Tensor& target, const Tensor& weight,
                        int64_t ignore_index) {
  check_floating(op, input, "input");
  EMBER_CHECK(target.defined(), op, ": target is undefined");
  EMBER_CHECK(target.dtype() == kInt64 || target.dtype() == kInt32 || target.dtype() == kUInt8, op,
              ": expected class indices of scalar type Long but found ", dtype_name(target.dtype()));
  EMBER_CHECK(input.dim() >= 1, op, ": input must have a class dim, got a 0-d tensor");
  const int64_t cd = class_dim_of(input), C = input.size(cd);
  if (input.dim() == 1) {
    EMBER_CHECK(target.dim() == 0, op, ": an unbatched input (C) takes a 0-d target, got target of size ",
                shape_str(target.sizes()));
  } else {
    EMBER_CHECK(target.dim() >= 1 && target.size(0) == input.size(0), op, ": Expected input batch_size (",
                input.size(0), ") to match target batch_size (", target.dim() >= 1 ? target.size(0) : 0, ").");
    Shape expected{input.size(0)};
    for (int64_t d = 2; d < input.dim(); ++d) expected.push_back(input.size(d));
    EMBER_CHECK(target.sizes() == expected, op, ": Expected target size ", shape_str(expected), ", got ",
                shape_str(target.sizes()), " (input ", shape_str(input.sizes()), ")");
  }
  if (weight.defined()) {
    check_floating(op, weight, "weight");
    EMBER_CHECK(weight.dim() == 1 && weight.numel() == C, op, ": weight tensor should be defined either for all ", C,
                " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  }
  Targets t;
  Tensor idx = cpu::contiguous(cpu::convert(target, kInt64)).reshape({-1});
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i)
    EMBER_CHECK(p[i] == ignore_index || (p[i] >= 0 && p[i] < C), op, ": Target ", p[i], " is out of bounds (", C,
                " classes", ignore_index != -100 ? ", ignore_index " + std::to_string(ignore_index) : std::string(),
                ")");
  t.valid = ne(idx, Scalar(ignore_index));
  t.index = where(t.valid, idx, Scalar(int64_t{0}));
  // (N,C,d1,...) -> (N,d1,...,C) -> (M,C)
  Tensor x = input;
  if (input.dim() == 1) {
    x = input.unsqueeze(0);
  } else if (input.dim() > 2) {
    std::vector<int64_t> perm{0};
    for (int64_t d = 2; d < input.dim(); ++d) perm.push_back(d);
    perm.push_back(1);
    x = input.permute(perm);
  }
  t.rows = x.reshape({-1, C});
  return t;
}

// Weight of each target (0 where ignored): (M).
Tensor target_weights(const Targets& t, const Tensor& weight, DType dt) {
  Tensor valid = t.valid.to(dt);
  return weight.defined() ? weight.detach().index_select(0, t.index) * valid : valid;
}

// weight:(C) viewed to broadcast along input's class dim.
Tensor class_weight_view(const Tensor& weight, const Tensor& input) {
  Shape s(input.dim(), 1);
  s[class_dim_of(input)] = weight.numel();
  return weight.detach().reshape(s);
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& o) {
  const char* op = "nll_loss";
  Targets t = flatten_targets(op, input, target, o.weight, o.ignore_index);
  Tensor picked = t.rows.gather(1, t.index.unsqueeze(1)).squeeze(1);  // (M)
  Tensor w = target_weights(t, o.weight, input.dtype());
  Tensor l = -picked * w;
  switch (o.reduction.kind) {
    case Reduction::None:
      return l.reshape(target.sizes());
    case Reduction::Sum:
      return l.sum();
    case Reduction::Mean:
      return l.sum() / w.sum();  // all ignored: 0/0 = nan, as torch
    case Reduction::BatchMean:
      break;
  }
  EMBER_THROW(op, ": reduction 'batchmean' is only valid for kl_div");
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& o) {
  const char* op = "cross_entropy";
  check_floating(op, input, "input");
  EMBER_CHECK(target.defined(), op, ": target is undefined");
  EMBER_CHECK(o.label_smoothing >= 0.0 && o.label_smoothing <= 1.0, op,
              ": label_smoothing must be between 0.0 and 1.0. Got: ", o.label_smoothing);
  EMBER_CHECK(input.dim() >= 1, op, ": input must have a class dim, got a 0-d tensor");
  const int64_t cd = class_dim_of(input), C = input.size(cd);
  const double ls = o.label_smoothing;
  if (target.is_floating_point()) {  // class probabilities
    EMBER_CHECK(target.sizes() == input.sizes(), op, ": class-probability target ", shape_str(target.sizes()),
                " must have the input's shape ", shape_str(input.sizes()));
    EMBER_CHECK(o.ignore_index == -100, op, ": ignore_index is not supported for floating point target");
    Tensor logp = log_softmax(input, cd);
    Tensor p = ls > 0 ? target * (1 - ls) + ls / static_cast<double>(C) : target;
    Tensor prod = logp * p;
    if (o.weight.defined()) {
      EMBER_CHECK(o.weight.dim() == 1 && o.weight.numel() == C, op, ": weight tensor should be defined either for all ",
                  C, " classes or no classes but got weight tensor of shape: ", shape_str(o.weight.sizes()));
      prod = prod * class_weight_view(o.weight, input);
    }
    switch (o.reduction.kind) {
      case Reduction::None:
        return -prod.sum({cd});
      case Reduction::Sum:
        return -prod.sum();
      case Reduction::Mean:
        return -prod.sum() / static_cast<double>(input.numel() / std::max<int64_t>(C, 1));
      case Reduction::BatchMean:
        break;
    }
    EMBER_THROW(op, ": reduction 'batchmean' is only valid for kl_div");
  }

  Tensor logp = log_softmax(input, cd);
  Tensor nll = nll_loss(logp, target, {o.weight, o.ignore_index, o.reduction});
  if (ls == 0.0) return nll;
  // Label smoothing: (1 - ls) nll + ls/C * sum over classes of -w_c logp_c (ignored targets add 0).
  Tensor smooth = o.weight.defined() ? -(logp * class_weight_view(o.weight, input)).sum({cd}) : -logp.sum({cd});
  Tensor ignored = eq(target, Scalar(o.ignore_index));
  smooth = where(ignored, 0.0, smooth);
  Tensor ret;
  switch (o.reduction.kind) {
    case Reduction::None:
      ret = smooth;
      break;
    case Reduction::Sum:
      ret = smooth.sum();
      break;
    case Reduction::Mean: {
      Targets t = flatten_targets(op, logp, target, o.weight, o.ignore_index);
      ret = smooth.sum() / target_weights(t, o.weight, input.dtype()).sum();
      break;
    }
    case Reduction::BatchMean:
      EMBER_THROW(op, ": reduction 'batchmean' is only valid for kl_div");
  }
  return nll * (1 - ls) + ret * (ls / static_cast<double>(C));
}

}  // namespace ember::nn::functional

// Collate functions (include/ember/data/collate.h).
#include "ember/data/collate.h"

#include "ember/tensor/factory.h"
#include "ember/tensor/ops.h"

namespace ember::data {

namespace {

// Stacks field `what` of every sample; all must be defined or all undefined.
Tensor stack_field(const std::vector<Tensor>& ts, const char* what) {
  if (!ts[0].defined()) {
    for (size_t i = 1; i < ts.size(); ++i)
      EMBER_CHECK(!ts[i].defined(), "default_collate: sample 0 has no ", what, " but sample ", i, " has one");
    return Tensor();
  }
  for (size_t i = 1; i < ts.size(); ++i) {
    EMBER_CHECK(ts[i].defined(), "default_collate: sample ", i, " has no ", what, " but sample 0 has one");
    EMBER_CHECK(ts[i].shape() == ts[0].shape(), "default_collate: sample ", i, " ", what, " has shape ",
                shape_str(ts[i].shape()), " but sample 0 has ", shape_str(ts[0].shape()),
                "; use PadCollate for variable-length samples");
    EMBER_CHECK(ts[i].dtype() == ts[0].dtype(), "default_collate: sample ", i, " ", what, " is ",
                dtype_name(ts[i].dtype()), " but sample 0 is ", dtype_name(ts[0].dtype()));
  }
  return stack(ts, 0);
}

void split_fields(std::vector<Example>& samples, std::vector<Tensor>& data, std::vector<Tensor>& target) {
  EMBER_CHECK(!samples.empty(), "collate: no samples");
  data.reserve(samples.size());
  target.reserve(samples.size());
  for (auto& s : samples) {
    data.push_back(std::move(s.data));
    target.push_back(std::move(s.target));
  }
}

}  // namespace

Example default_collate(std::vector<Example> samples) {
  std::vector<Tensor> data, target;
  split_fields(samples, data, target);
  return {stack_field(data, "data"), stack_field(target, "target")};
}

Tensor pad_sequence(const std::vector<Tensor>& seqs, bool batch_first, Scalar padding_value) {
  EMBER_CHECK(!seqs.empty(), "pad_sequence: no sequences");
  int64_t max_len = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    EMBER_CHECK(seqs[i].defined() && seqs[i].dim() >= 1, "pad_sequence: sequence ", i,
                " must have a length dimension, got ", seqs[i].defined() ? shape_str(seqs[i].shape()) : "undefined");
    EMBER_CHECK(Shape(seqs[i].shape().begin() + 1, seqs[i].shape().end()) ==
                    Shape(seqs[0].shape().begin() + 1, seqs[0].shape().end()),
                "pad_sequence: sequence ", i, " has shape ", shape_str(seqs[i].shape()), " but sequence 0 has ",
                shape_str(seqs[0].shape()), " (only the first dimension may differ)");
    EMBER_CHECK(seqs[i].dtype() == seqs[0].dtype(), "pad_sequence: sequence ", i, " is ",
                dtype_name(seqs[i].dtype()), " but sequence 0 is ", dtype_name(seqs[0].dtype()));
    max_len = std::max(max_len, seqs[i].size(0));
  }
  const auto n = static_cast<int64_t>(seqs.size());
  Shape shape = seqs[0].shape();
  shape[0] = max_len;
  shape.insert(shape.begin() + (batch_first ? 0 : 1), n);
  Tensor out = full(shape, padding_value, seqs[0].dtype());
  for (int64_t i = 0; i < n; ++i) {
    const Tensor& s = seqs[static_cast<size_t>(i)];
    Tensor dst = batch_first ? out.select(0, i).narrow(0, 0, s.size(0)) : out.narrow(0, 0, s.size(0)).select(1, i);
    dst.copy_(s.detach());
  }
  return out;
}

Example PadCollate::operator()(std::vector<Example> samples) const {
  std::vector<Tensor> data, target;
  split_fields(samples, data, target);
  Example out{pad_sequence(data, true, data_pad), Tensor()};
  if (target[0].defined()) {
    if (target[0].dim() == 0) {
      out.target = stack_field(target, "target");
    } else {
      for (size_t i = 0; i < target.size(); ++i)
        EMBER_CHECK(target[i].defined(), "PadCollate: sample ", i, " has no target but sample 0 has one");
      out.target = pad_sequence(target, true, target_pad);
    }
  }
  return out;
}

}  // namespace ember::data

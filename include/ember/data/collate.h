#pragma once
// Collate functions: how a DataLoader turns a list of samples into a batch.
#include <vector>

#include "ember/core/scalar.h"
#include "ember/data/dataset.h"

namespace ember::data {

// Stacks the samples' data into (B, ...) and their targets into (B, ...) (undefined targets
// stay undefined). Every sample must have the same shapes.
Example default_collate(std::vector<Example> samples);

// torch.nn.utils.rnn.pad_sequence: sequences (L_i, ...) -> (B, max L, ...) if batch_first,
// else (max L, B, ...), with `padding_value` after each sequence's end.
Tensor pad_sequence(const std::vector<Tensor>& sequences, bool batch_first = true, Scalar padding_value = 0);

// The collate for variable-length samples (sentences and their tags): data padded with
// data_pad to (B, max L, ...), targets with target_pad (the CS230 NER loader pads labels with -1
// so that the loss can mask them). Zero-dim targets are stacked.
struct PadCollate {
  Scalar data_pad = 0;
  Scalar target_pad = -1;
  Example operator()(std::vector<Example> samples) const;
};

}  // namespace ember::data

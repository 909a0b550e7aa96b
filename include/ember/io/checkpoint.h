#pragma once
// Checkpoints, as safetensors files that PyTorch users can read.
//
// A module's weights: its state_dict under PyTorch's key names ("fc1.weight", "bn1.running_mean"),
// so a file written from PyTorch loads here without renaming and PyTorch loads what ember writes:
//
//   ember::save(*model, "model.safetensors");
//   ember::load(*model, "model.safetensors");        // strict: every key, shape and dtype must fit
//
// A training checkpoint: model, optimizer state, scheduler state, epoch, best metric, the random
// generators and user metadata in ONE file. Tensors are "model.<key>" and
// "optimizer.state.<index>.<name>" (e.g. "optimizer.state.0.exp_avg"); the rest is JSON text in
// the header's __metadata__. Restoring it continues training bit-identically:
//
//   ember::Checkpoint ckpt(*model, &optimizer, &scheduler);
//   ckpt.epoch = epoch;  ckpt.best_metric = best_accuracy;  ckpt.metadata["params"] = params_json;
//   ckpt.save("experiment/last.safetensors");
//   ...
//   ckpt.load("experiment/last.safetensors");  // then resume at ckpt.epoch + 1
//
// Every write is atomic (a temporary file in the same directory, fsync, rename, fsync of the
// directory): a process killed at any moment leaves the previous file intact. Every load checks the
// whole file (structure, a checksum of the data and metadata when ember wrote it, every key, shape,
// dtype and option) before it assigns anything: a corrupt, truncated or mismatched file throws ember::Error
// naming the file and the problem and changes nothing.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/rng.h"
#include "ember/nn/module.h"

namespace ember {

namespace optim {
class Optimizer;
class Scheduler;
}  // namespace optim

// Writes module.state_dict() to `path` as safetensors; `metadata` goes into __metadata__ (with
// "format": "pt", as Hugging Face's safetensors.torch writes, and ember's checksum of the data and
// metadata, "ember.checksum").
void save(const nn::Module& module, const std::string& path, const std::map<std::string, std::string>& metadata = {});

// Loads a safetensors state_dict (or the model of a training checkpoint) into `module`. strict:
// missing keys, unexpected keys and shape mismatches throw one ember::Error listing them all;
// otherwise what matches is loaded and the rest returned. A dtype that cannot be converted
// (float into an integer buffer, F16) always throws. Nothing changes when it throws.
nn::LoadResult load(nn::Module& module, const std::string& path, bool strict = true);

// A training checkpoint: what to save from and restore into, plus the values it carries.
class Checkpoint {
 public:
  // optimizer and scheduler may be null (then they are neither saved nor restored); they must
  // outlive the Checkpoint, as must the model.
  explicit Checkpoint(nn::Module& model, optim::Optimizer* optimizer = nullptr, optim::Scheduler* scheduler = nullptr);

  int64_t epoch = 0;
  std::optional<double> best_metric;
  std::map<std::string, std::string> metadata;  // the user's (params.json text, git hash, ...)
  // Random generators saved and restored by name (seed and offset); the default generator
  // unless changed. Add a DataLoader's generator here to resume its shuffling too.
  std::map<std::string, Generator*> generators{{"default", &default_generator()}};

  void save(const std::string& path) const;
  // Restores model, optimizer, scheduler, generators and the fields above. The optimizer and
  // scheduler must be of the kinds saved, over the same parameters.
  void load(const std::string& path);

  // epoch, best_metric and metadata of a checkpoint, read from its header alone.
  struct Info {
    int64_t epoch = 0;
    std::optional<double> best_metric;
    std::map<std::string, std::string> metadata;
  };
  static Info read_info(const std::string& path);

 private:
  nn::Module* model_;
  optim::Optimizer* optimizer_;
  optim::Scheduler* scheduler_;
};

// Keeps the last `max_to_keep` checkpoints of a run and its best one, like TensorFlow's
// CheckpointManager(max_to_keep=...): files <directory>/<prefix>-<step>.safetensors, and
// <prefix>-best.safetensors for the best metric so far. A Saver made over an existing directory
// picks up its checkpoints and best metric (and removes temporary files a killed writer left).
class Saver {
 public:
  // mode "max": a higher metric is better (accuracy); "min": lower is better (loss).
  // max_to_keep 0 keeps every checkpoint.
  explicit Saver(std::string directory, int max_to_keep = 5, std::string mode = "max", std::string prefix = "ckpt");

  // Writes the checkpoint for `step`, deletes the oldest beyond max_to_keep, and when `metric` is
  // given and better than the best so far also makes it the best checkpoint. Returns its path.
  std::string save(const Checkpoint& checkpoint, int64_t step, std::optional<double> metric = std::nullopt);

  std::optional<std::string> latest_checkpoint() const;
  std::optional<std::string> best_checkpoint() const;
  std::optional<double> best_metric() const { return best_metric_; }
  // The kept checkpoints, oldest first.
  const std::vector<std::string>& checkpoints() const { return kept_; }
  const std::string& directory() const { return directory_; }

 private:
  std::string path_for(int64_t step) const;
  std::string best_path() const;
  std::string directory_, mode_, prefix_;
  int max_to_keep_;
  std::vector<std::string> kept_;
  std::optional<double> best_metric_;
};

}  // namespace ember

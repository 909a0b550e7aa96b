#pragma once
// TensorBoard event files, written the way torch.utils.tensorboard.SummaryWriter writes them
// (format: ../shared/FORMATS.md §1), so `tensorboard --logdir runs` shows them.
//
//   ember::tensorboard::SummaryWriter w("runs/exp1");          // runs/exp1/events.out.tfevents.<t>.<host>.<pid>.<n>
//   for (int64_t step = 0; step < 100; ++step) {
//     w.add_scalar("loss/train", loss, step);
//     w.add_scalars("loss", {{"train", tl}, {"val", vl}}, step); // runs/exp1/loss_train, runs/exp1/loss_val
//   }
//   w.add_image("input", img);                                  // img:(C,H,W) float in [0,1] or (H,W,C) uint8 + "HWC"
//   w.add_images("batch", x);                                   // x:(N,C,H,W) -> one grid, 8 per row
//   w.add_histogram("fc1.weight", fc1->weight, epoch);
//   w.add_text("notes", "lr 0.1, **batch** 64");
//   w.add_hparams({{"lr", 0.1}, {"optimizer", "adam"}}, {{"hparam/accuracy", 0.93}});
//   w.add_graph(model, example_input);
//   w.close();                                                  // also done by the destructor
//
// Every file starts with Event{wall_time, file_version "brain.Event:2"}; each record is framed
// as TFRecord (length, masked CRC32C of the length, payload, masked CRC32C of the payload).
// Records are buffered: they reach the disk after `max_queue` events, every `flush_secs`
// seconds (a background thread flushes pending events), on flush(), close() and destruction.
// The writer is safe to use from several threads.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/tensor/tensor.h"

namespace ember::nn {
class Module;
}

namespace ember::tensorboard {

using Step = std::optional<int64_t>;     // a global step; nullopt writes no step (PyTorch's None)
using WallTime = std::optional<double>;  // seconds since the epoch; nullopt = now

// A hyperparameter value: a number, a string or a bool.
class HParamValue {
 public:
  enum class Kind { Number, String, Bool };
  HParamValue(double v) : kind_(Kind::Number), number_(v) {}
  HParamValue(float v) : kind_(Kind::Number), number_(v) {}
  HParamValue(int v) : kind_(Kind::Number), number_(v) {}
  HParamValue(long v) : kind_(Kind::Number), number_(static_cast<double>(v)) {}
  HParamValue(long long v) : kind_(Kind::Number), number_(static_cast<double>(v)) {}
  HParamValue(bool v) : kind_(Kind::Bool), bool_(v) {}
  HParamValue(const char* v) : kind_(Kind::String), string_(v) {}
  HParamValue(std::string v) : kind_(Kind::String), string_(std::move(v)) {}
  Kind kind() const { return kind_; }
  double number() const { return number_; }
  const std::string& string() const { return string_; }
  bool boolean() const { return bool_; }

 private:
  Kind kind_;
  double number_ = 0;
  bool bool_ = false;
  std::string string_;
};

// Ordered like a Python dict (insertion order); a repeated key is an error.
using HParams = std::vector<std::pair<std::string, HParamValue>>;
using ScalarDict = std::vector<std::pair<std::string, double>>;
using HParamDomains = std::vector<std::pair<std::string, std::vector<HParamValue>>>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;  // e.g. Module::named_parameters()

// How add_histogram bins values:
//   "tensorflow" (default): TensorBoard's exponential buckets 0, ±1e-12·1.1^k (k while < 1e20),
//                           as PyTorch's SummaryWriter.default_bins;
//   an integer n:           n equal-width bins over [min, max] (numpy.histogram(values, n));
//   explicit edges:         ascending bin edges (numpy.histogram(values, edges)).
class HistogramBins {
 public:
  HistogramBins(const char* name) : name_(name) {}
  HistogramBins(std::string name) : name_(std::move(name)) {}
  HistogramBins(int count) : count_(count) {}
  HistogramBins(int64_t count) : count_(count) {}
  HistogramBins(std::vector<double> edges) : edges_(std::move(edges)) {}
  const std::string& name() const { return name_; }
  int64_t count() const { return count_; }
  const std::vector<double>& edges() const { return edges_; }

 private:
  std::string name_;
  int64_t count_ = 0;
  std::vector<double> edges_;
};

struct SummaryWriterOptions {
  std::string comment;                // appended to the default log_dir (ignored when one is given)
  std::optional<int64_t> purge_step;  // on resume: TensorBoard hides this run's events with step >= purge_step
  int max_queue = 10;                 // pending events before a write
  double flush_secs = 120;            // pending events reach the disk at least this often
  std::string filename_suffix;        // appended to every event file name
};

class SummaryWriter {
 public:
  // An empty log_dir means runs/<Mon DD_HH-MM-SS>_<hostname><comment>, as PyTorch. The directory
  // and the event file are created now; failures throw ember::Error naming the path.
  explicit SummaryWriter(const std::string& log_dir = "", const SummaryWriterOptions& options = {});
  ~SummaryWriter();  // close(); never throws
  SummaryWriter(SummaryWriter&&) noexcept;
  SummaryWriter& operator=(SummaryWriter&&) noexcept;
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  const std::string& get_logdir() const;
  // The path of this writer's current (or, after close(), last) event file; the first add_*
  // after close() opens a new one.
  std::string event_file() const;

  // Value{tag, simple_value=float(value)} (new_style: a rank-0 DT_FLOAT tensor with the
  // "scalars" plugin; double_precision: DT_DOUBLE).
  void add_scalar(const std::string& tag, double value, Step global_step = std::nullopt,
                  WallTime walltime = std::nullopt, bool new_style = false, bool double_precision = false);
  // A one-element tensor.
  void add_scalar(const std::string& tag, const Tensor& value, Step global_step = std::nullopt,
                  WallTime walltime = std::nullopt, bool new_style = false, bool double_precision = false);
  // One run per key: <logdir>/<main_tag with '/' -> '_'>_<key>, each holding tag main_tag, so
  // TensorBoard draws them in one chart.
  void add_scalars(const std::string& main_tag, const ScalarDict& tag_scalar_dict, Step global_step = std::nullopt,
                   WallTime walltime = std::nullopt);

  // values: any shape, real dtype, all finite. max_bins merges neighbouring bins like PyTorch.
  void add_histogram(const std::string& tag, const Tensor& values, Step global_step = std::nullopt,
                     const HistogramBins& bins = "tensorflow", WallTime walltime = std::nullopt,
                     std::optional<int64_t> max_bins = std::nullopt);
  // A histogram computed elsewhere: bucket_counts[i] counts values in (bucket_limits[i-1], bucket_limits[i]].
  void add_histogram_raw(const std::string& tag, double min, double max, double num, double sum,
                         double sum_squares, const std::vector<double>& bucket_limits,
                         const std::vector<double>& bucket_counts, Step global_step = std::nullopt,
                         WallTime walltime = std::nullopt);

  // img: float (values in [0,1], scaled by 255 and clipped) or uint8 (as is). dataformats names
  // the dims: "CHW" (default), "HWC", "HW"; C is 1 (shown as RGB), 3 (RGB) or 4 (RGBA). Stored as PNG.
  void add_image(const std::string& tag, const Tensor& img, Step global_step = std::nullopt,
                 WallTime walltime = std::nullopt, const std::string& dataformats = "CHW");
  // imgs: a batch ("NCHW" default, or "NHWC"), tiled into one grid of at most 8 columns, no padding.
  void add_images(const std::string& tag, const Tensor& imgs, Step global_step = std::nullopt,
                  WallTime walltime = std::nullopt, const std::string& dataformats = "NCHW");

  // Markdown text, shown by the text plugin under <tag>/text_summary.
  void add_text(const std::string& tag, const std::string& text, Step global_step = std::nullopt,
                WallTime walltime = std::nullopt);

  // The hparams plugin's experiment / session_start_info / session_end_info (status success),
  // then one scalar per metric, in the sub-run <logdir>/<run_name> (default: the current time in
  // seconds, as PyTorch). Numbers are float64, strings strings, bools bools. domains lists the
  // discrete values a hyperparameter takes (same kind as its value).
  void add_hparams(const HParams& hparams, const ScalarDict& metrics, const HParamDomains& domains = {},
                   const std::string& run_name = "", Step global_step = std::nullopt);

  // The autograd graph behind `output` as a TensorBoard GraphDef: one node per autograd op
  // (op = the forward op, e.g. "Addmm" for AddmmBackward0) with its output shape, one per leaf
  // (parameters named by `params`, '.' becoming '/', so "fc1.weight" sits in the "fc1" group;
  // ops whose parameters all share a module are placed in that module's group), and an "output" node.
  void add_graph(const Tensor& output, const NamedTensors& params = {});
  // Runs model(input) with gradients enabled and records the graph with model's parameter names.
  void add_graph(nn::Module& model, const Tensor& input);

  // Writes pending events of this writer and of its add_scalars runs to disk.
  void flush();
  // Flushes and closes every event file. A later add_* opens a new event file (PyTorch's reopen).
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Impl& impl() const;
};

}  // namespace ember::tensorboard

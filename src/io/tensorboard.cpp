// SummaryWriter: torch.utils.tensorboard.SummaryWriter's behaviour over EventFileWriter and the
// Summary builders (tensorboard_summary.cpp, tensorboard_image.cpp, tensorboard_graph.cpp).
#include "ember/io/tensorboard.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "ember/autograd/grad_mode.h"
#include "ember/io/image.h"
#include "ember/nn/module.h"
#include "io/protobuf_writer.h"
#include "io/tensorboard_event_file.h"
#include "io/tensorboard_graph.h"
#include "io/tensorboard_image.h"
#include "io/tensorboard_summary.h"

namespace ember::tensorboard {

namespace {

constexpr uint32_t kEventFileVersion = 3, kEventGraphDef = 4, kEventSummary = 5, kEventSessionLog = 7;

// runs/<%b%d_%H-%M-%S>_<hostname><comment>, as PyTorch (C locale month names).
std::string default_logdir(const std::string& comment) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%s%02d_%02d-%02d-%02d", kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return (std::filesystem::path("runs") / (std::string(stamp) + "_" + host_name() + comment)).string();
}

// Python's str(float): the shortest text that reads back as the same double.
std::string python_float_str(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::vector<double> values_of(const Tensor& t, const std::string& what) {
  EMBER_CHECK(t.defined(), what, ": the tensor is undefined");
  EMBER_CHECK(t.dtype() != kBool, what, ": needs a numeric tensor, got bool");
  Tensor c = t.detach().to(kFloat64).contiguous();
  const double* p = c.data_ptr<double>();
  return std::vector<double>(p, p + c.numel());
}

// The Summary of one (H,W,C) uint8 picture, PNG-encoded.
std::string image_summary(const std::string& tag, const Tensor& hwc) {
  std::vector<uint8_t> png = io::encode_png(hwc);
  return summary::image(tag, hwc.size(0), hwc.size(1), hwc.size(2), std::string(png.begin(), png.end()));
}

}  // namespace

struct SummaryWriter::Impl {
  std::string log_dir;
  SummaryWriterOptions opts;
  std::mutex mu;
  std::unique_ptr<EventFileWriter> main;                          // null until opened / after close()
  std::string last_path;                                          // main's file, kept after close()
  std::map<std::string, std::unique_ptr<EventFileWriter>> runs;  // add_scalars runs, by directory

  // The main event file, (re)opened on demand; the first one carries the purge_step events.
  EventFileWriter& file_writer() {
    if (!main) {
      main = std::make_unique<EventFileWriter>(log_dir, opts.max_queue, opts.flush_secs, opts.filename_suffix);
      last_path = main->path();
      if (opts.purge_step) {
        const int64_t step = *opts.purge_step;
        main->add_event(make_event(now_seconds(), step, kEventFileVersion, "brain.Event:2"));
        io::ProtoWriter session_log;  // SessionLog{status=START}
        session_log.set_int(1, 1);
        main->add_event(make_event(now_seconds(), step, kEventSessionLog, session_log.str()));
        opts.purge_step.reset();
      }
    }
    return *main;
  }

  void add_summary(const std::string& summary, Step step, WallTime walltime) {
    std::lock_guard<std::mutex> lock(mu);
    file_writer().add_event(make_event(walltime ? *walltime : now_seconds(), step, kEventSummary, summary));
  }
};

SummaryWriter::SummaryWriter(const std::string& log_dir, const SummaryWriterOptions& options)
    : impl_(std::make_unique<Impl>()) {
  EMBER_CHECK(options.max_queue >= 1, "SummaryWriter: max_queue must be at least 1, got ", options.max_queue);
  EMBER_CHECK(options.flush_secs > 0, "SummaryWriter: flush_secs must be positive, got ", options.flush_secs);
  impl_->log_dir = log_dir.empty() ? default_logdir(options.comment) : log_dir;
  impl_->opts = options;
  impl_->file_writer();
}

SummaryWriter::~SummaryWriter() {
  try {
    if (impl_) close();
  } catch (...) {  // never throw from a destructor
  }
}

SummaryWriter::SummaryWriter(SummaryWriter&&) noexcept = default;
SummaryWriter& SummaryWriter::operator=(SummaryWriter&& o) noexcept {
  if (this != &o) {
    try {
      if (impl_) close();
    } catch (...) {
    }
    impl_ = std::move(o.impl_);
  }
  return *this;
}

SummaryWriter::Impl& SummaryWriter::impl() const {
  EMBER_CHECK(impl_ != nullptr, "SummaryWriter: used after being moved from");
  return *impl_;
}

const std::string& SummaryWriter::get_logdir() const { return impl().log_dir; }

std::string SummaryWriter::event_file() const {
  Impl& m = impl();
  std::lock_guard<std::mutex> lock(m.mu);
  return m.last_path;
}

void SummaryWriter::add_scalar(const std::string& tag, double value, Step global_step, WallTime walltime,
                               bool new_style, bool double_precision) {
  impl().add_summary(summary::scalar(tag, value, new_style, double_precision), global_step, walltime);
}

void SummaryWriter::add_scalar(const std::string& tag, const Tensor& value, Step global_step, WallTime walltime,
                               bool new_style, bool double_precision) {
  EMBER_CHECK(value.defined() && value.numel() == 1, "add_scalar('", tag, "'): needs a one-element tensor, got ",
              value.defined() ? shape_str(value.sizes()) : std::string("an undefined tensor"));
  add_scalar(tag, values_of(value, "add_scalar('" + tag + "')")[0], global_step, walltime, new_style,
             double_precision);
}

void SummaryWriter::add_scalars(const std::string& main_tag, const ScalarDict& tag_scalar_dict, Step global_step,
                                WallTime walltime) {
  Impl& m = impl();
  const double wt = walltime ? *walltime : now_seconds();
  std::string run_prefix = main_tag;
  for (char& c : run_prefix)
    if (c == '/') c = '_';
  std::lock_guard<std::mutex> lock(m.mu);
  const std::string base = m.file_writer().logdir();
  for (auto& [tag, value] : tag_scalar_dict) {
    const std::string dir = base + "/" + run_prefix + "_" + tag;
    auto& fw = m.runs[dir];
    if (!fw) fw = std::make_unique<EventFileWriter>(dir, m.opts.max_queue, m.opts.flush_secs, m.opts.filename_suffix);
    fw->add_event(make_event(wt, global_step, kEventSummary, summary::scalar(main_tag, value)));
  }
}

void SummaryWriter::add_histogram(const std::string& tag, const Tensor& values, Step global_step,
                                  const HistogramBins& bins, WallTime walltime, std::optional<int64_t> max_bins) {
  const std::string what = "add_histogram('" + tag + "')";
  std::vector<double> v = values_of(values, what);
  EMBER_CHECK(!v.empty(), what, ": the input has no element");
  for (size_t i = 0; i < v.size(); ++i)
    EMBER_CHECK(std::isfinite(v[i]), what, ": element ", i, " is ", v[i], " (histograms need finite values)");
  std::vector<double> edges;
  if (!bins.edges().empty()) {
    edges = bins.edges();
  } else if (bins.count() != 0) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    edges = summary::uniform_bins(*lo, *hi, bins.count());
  } else {
    EMBER_CHECK(bins.name() == "tensorflow", what, ": unknown bins '", bins.name(),
                "' (use \"tensorflow\", a bin count or a list of edges)");
    edges = summary::default_bins();
  }
  impl().add_summary(summary::histogram(tag, summary::make_histogram(v, edges, max_bins, what)), global_step,
                     walltime);
}

void SummaryWriter::add_histogram_raw(const std::string& tag, double min, double max, double num, double sum,
                                      double sum_squares, const std::vector<double>& bucket_limits,
                                      const std::vector<double>& bucket_counts, Step global_step, WallTime walltime) {
  EMBER_CHECK(bucket_limits.size() == bucket_counts.size(), "add_histogram_raw('", tag, "'): ", bucket_limits.size(),
              " bucket limits but ", bucket_counts.size(), " bucket counts (they must pair up)");
  EMBER_CHECK(!bucket_limits.empty(), "add_histogram_raw('", tag, "'): no buckets");
  summary::Histogram h{min, max, num, sum, sum_squares, bucket_limits, bucket_counts};
  impl().add_summary(summary::histogram(tag, h), global_step, walltime);
}

void SummaryWriter::add_image(const std::string& tag, const Tensor& img, Step global_step, WallTime walltime,
                              const std::string& dataformats) {
  EMBER_CHECK(dataformats.size() != 4, "add_image('", tag, "'): dataformats '", dataformats,
              "' has a batch dim; use add_images for a batch");
  impl().add_summary(image_summary(tag, to_hwc_uint8(img, dataformats, "add_image('" + tag + "')")), global_step,
                     walltime);
}

void SummaryWriter::add_images(const std::string& tag, const Tensor& imgs, Step global_step, WallTime walltime,
                               const std::string& dataformats) {
  EMBER_CHECK(dataformats.size() == 4, "add_images('", tag, "'): dataformats '", dataformats,
              "' must have 4 letters (NCHW, NHWC, ...)");
  impl().add_summary(image_summary(tag, to_hwc_uint8(imgs, dataformats, "add_images('" + tag + "')")), global_step,
                     walltime);
}

void SummaryWriter::add_text(const std::string& tag, const std::string& text, Step global_step, WallTime walltime) {
  impl().add_summary(summary::text(tag, text), global_step, walltime);
}

void SummaryWriter::add_hparams(const HParams& hparams, const ScalarDict& metrics, const HParamDomains& domains,
                                const std::string& run_name, Step global_step) {
  summary::HParamsSummaries s = summary::hparams(hparams, metrics, domains);
  const std::string run = run_name.empty() ? python_float_str(now_seconds()) : run_name;
  SummaryWriterOptions sub = impl().opts;
  sub.purge_step.reset();
  SummaryWriter w((std::filesystem::path(get_logdir()) / run).string(), sub);
  w.impl().add_summary(s.experiment, global_step, std::nullopt);
  w.impl().add_summary(s.session_start_info, global_step, std::nullopt);
  w.impl().add_summary(s.session_end_info, global_step, std::nullopt);
  for (auto& [k, v] : metrics) w.add_scalar(k, v, global_step);
  w.close();
}

void SummaryWriter::add_graph(const Tensor& output, const NamedTensors& params) {
  std::string graph = graph_def(output, params);
  Impl& m = impl();
  std::lock_guard<std::mutex> lock(m.mu);
  m.file_writer().add_event(make_event(now_seconds(), std::nullopt, kEventGraphDef, graph));
}

void SummaryWriter::add_graph(nn::Module& model, const Tensor& input) {
  Tensor out;
  {
    EnableGradGuard grad;
    out = model(input);
  }
  add_graph(out, model.named_parameters());
}

void SummaryWriter::flush() {
  Impl& m = impl();
  std::lock_guard<std::mutex> lock(m.mu);
  if (m.main) m.main->flush();
  for (auto& [dir, fw] : m.runs) fw->flush();
}

void SummaryWriter::close() {
  Impl& m = impl();
  std::lock_guard<std::mutex> lock(m.mu);
  std::unique_ptr<EventFileWriter> main = std::move(m.main);
  auto runs = std::move(m.runs);
  m.runs.clear();
  if (main) main->close();  // throws on a write error; the others still close in their destructors
  for (auto& [dir, fw] : runs) fw->close();
}

}  // namespace ember::tensorboard

// Saver: the last N checkpoints of a run plus its best one (TensorFlow's CheckpointManager).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "ember/io/checkpoint.h"
#include "optim/json_lite.h"

namespace ember {

namespace fs = std::filesystem;

namespace {

constexpr const char* kExt = ".safetensors";
constexpr const char* kMetricKey = "saver.metric";  // in the checkpoint's user metadata

// The step of "<prefix>-<digits>.safetensors", or -1.
int64_t step_of(const std::string& name, const std::string& prefix) {
  const std::string head = prefix + "-", ext = kExt;
  if (name.size() <= head.size() + ext.size() || name.rfind(head, 0) != 0 ||
      name.compare(name.size() - ext.size(), ext.size(), ext) != 0)
    return -1;
  const std::string digits = name.substr(head.size(), name.size() - head.size() - ext.size());
  if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(digits);
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Saver::Saver(std::string directory, int max_to_keep, std::string mode, std::string prefix)
    : directory_(std::move(directory)), mode_(std::move(mode)), prefix_(std::move(prefix)), max_to_keep_(max_to_keep) {
  EMBER_CHECK(mode_ == "min" || mode_ == "max", "Saver: mode must be \"min\" or \"max\", got \"", mode_, "\"");
  EMBER_CHECK(max_to_keep_ >= 0, "Saver: max_to_keep must be >= 0 (0 keeps all), got ", max_to_keep_);
  EMBER_CHECK(!prefix_.empty() && prefix_.find('/') == std::string::npos, "Saver: bad prefix \"", prefix_, "\"");
  std::error_code ec;
  fs::create_directories(directory_, ec);
  EMBER_CHECK(!ec && fs::is_directory(directory_), "Saver: cannot create the directory ", directory_, ": ", ec.message());
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& entry : fs::directory_iterator(directory_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix_ + "-", 0) == 0 && name.find(std::string(kExt) + ".tmp.") != std::string::npos) {
      fs::remove(entry.path(), ec);  // left by a writer that was killed mid-write
      continue;
    }
    const int64_t step = step_of(name, prefix_);
    if (step >= 0) found.emplace_back(step, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  for (auto& [step, path] : found) kept_.push_back(path);
  if (fs::exists(best_path())) {
    Checkpoint::Info info = Checkpoint::read_info(best_path());
    auto it = info.metadata.find(kMetricKey);
    if (it != info.metadata.end()) {  // strictly: std::strtod took a damaged value as 0 and "nan" as a best
      char* end = nullptr;                // that no metric could beat
      const double v = std::strtod(it->second.c_str(), &end);
      EMBER_CHECK(!it->second.empty() && *end == '\0', "Saver: ", best_path(), ": metadata \"user.", kMetricKey,
                  "\" is not a number: \"", it->second, "\"");
      if (!std::isnan(v)) best_metric_ = v;
    }
  }
}

std::string Saver::path_for(int64_t step) const {
  return (fs::path(directory_) / (prefix_ + "-" + std::to_string(step) + kExt)).string();
}

std::string Saver::best_path() const { return (fs::path(directory_) / (prefix_ + "-best" + kExt)).string(); }

std::string Saver::save(const Checkpoint& checkpoint, int64_t step, std::optional<double> metric) {
  EMBER_CHECK(step >= 0, "Saver.save: step must be non-negative, got ", step);
  const std::string path = path_for(step);
  Checkpoint ckpt = checkpoint;
  if (metric) ckpt.metadata[kMetricKey] = optim::json::number_str(*metric);
  ckpt.save(path);

  kept_.erase(std::remove(kept_.begin(), kept_.end(), path), kept_.end());
  kept_.push_back(path);
  while (max_to_keep_ > 0 && kept_.size() > static_cast<size_t>(max_to_keep_)) {
    std::error_code ec;
    fs::remove(kept_.front(), ec);
    kept_.erase(kept_.begin());
  }

  const bool better = metric && !std::isnan(*metric) &&
                      (!best_metric_ || (mode_ == "max" ? *metric > *best_metric_ : *metric < *best_metric_));
  if (better) {
    // The best file is a second name for the checkpoint just written (a hard link moved into
    // place atomically), or a second write where the file system has no hard links.
    const std::string tmp = best_path() + ".tmp." + std::to_string(::getpid());
    std::error_code ec;
    fs::remove(tmp, ec);
    fs::create_hard_link(path, tmp, ec);
    if (!ec) {
      if (::rename(tmp.c_str(), best_path().c_str()) != 0) {
        const std::string why = std::strerror(errno);
        fs::remove(tmp, ec);
        EMBER_THROW("Saver.save: cannot rename ", tmp, " to ", best_path(), ": ", why);
      }
      fsync_dir(directory_);
    } else {
      ckpt.save(best_path());
    }
    best_metric_ = metric;
  }
  return path;
}

std::optional<std::string> Saver::latest_checkpoint() const {
  if (kept_.empty()) return std::nullopt;
  return kept_.back();
}

std::optional<std::string> Saver::best_checkpoint() const {
  if (!fs::exists(best_path())) return std::nullopt;
  return best_path();
}

}  // namespace ember

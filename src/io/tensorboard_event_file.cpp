// EventFileWriter: the file-level half of TensorBoard logging (../shared/FORMATS.md §1.1-1.3).
#include "io/tensorboard_event_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ember/core/error.h"
#include "io/crc32c.h"
#include "io/protobuf_writer.h"

namespace ember::tensorboard {

namespace {

std::atomic<int64_t> g_file_counter{0};  // the per-process <n> in event file names, as PyTorch's _global_uid

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

std::string host_name() {
  char buf[256] = {};
  return gethostname(buf, sizeof(buf) - 1) == 0 ? std::string(buf) : std::string("localhost");
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string make_event(double wall_time, std::optional<int64_t> step, uint32_t what_field,
                       const std::string& what_payload) {
  io::ProtoWriter ev;
  ev.set_double(1, wall_time);
  if (step) ev.set_int(2, *step);
  ev.add_bytes(what_field, what_payload);
  return ev.release();
}

std::string frame_record(const std::string& payload) {
  std::string out;
  out.reserve(payload.size() + 16);
  put_le(out, payload.size(), 8);
  put_le(out, io::masked_crc32c(out.data(), 8), 4);
  out += payload;
  put_le(out, io::masked_crc32c(payload.data(), payload.size()), 4);
  return out;
}

EventFileWriter::EventFileWriter(const std::string& logdir, int max_queue, double flush_secs,
                                 const std::string& filename_suffix)
    : logdir_(logdir), max_queue_(max_queue < 1 ? 1 : max_queue), flush_every_(flush_secs) {
  EMBER_CHECK(!logdir.empty(), "SummaryWriter: empty log directory");
  EMBER_CHECK(flush_secs > 0, "SummaryWriter: flush_secs must be positive, got ", flush_secs);
  std::error_code ec;
  std::filesystem::create_directories(logdir, ec);
  EMBER_CHECK(!ec && std::filesystem::is_directory(logdir), "SummaryWriter: cannot create log directory '", logdir,
              "': ", ec ? ec.message() : "a file of that name exists");
  const double now = now_seconds();
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%010lld", static_cast<long long>(now));
  path_ = (std::filesystem::path(logdir) / ("events.out.tfevents." + std::string(stamp) + "." + host_name() + "." +
                                            std::to_string(getpid()) + "." + std::to_string(g_file_counter++) +
                                            filename_suffix))
              .string();
  file_ = std::fopen(path_.c_str(), "wb");
  EMBER_CHECK(file_ != nullptr, "SummaryWriter: cannot create event file '", path_, "': ", std::strerror(errno));
  try {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = frame_record(make_event(now, std::nullopt, 3, "brain.Event:2"));
    write_pending_locked();
  } catch (...) {  // the destructor will not run: close the file here
    std::fclose(file_);
    file_ = nullptr;
    throw;
  }
  flusher_ = std::thread([this] { flusher_loop(); });
}

EventFileWriter::~EventFileWriter() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; close() already reported what it could
  }
}

void EventFileWriter::write_pending_locked() {
  if (!file_) return;
  if (!pending_.empty()) {
    const size_t want = pending_.size();
    const size_t n = std::fwrite(pending_.data(), 1, want, file_);
    pending_.clear();
    pending_events_ = 0;
    EMBER_CHECK(n == want, "SummaryWriter: writing '", path_, "' failed (", n, " of ", want,
                " bytes): ", std::strerror(errno));
  }
  EMBER_CHECK(std::fflush(file_) == 0, "SummaryWriter: flushing '", path_, "' failed: ", std::strerror(errno));
}

void EventFileWriter::add_event(const std::string& event) {
  std::string record = frame_record(event);
  std::lock_guard<std::mutex> lock(mu_);
  EMBER_CHECK(!closed_, "SummaryWriter: event file '", path_, "' is closed");
  pending_ += record;
  if (++pending_events_ >= max_queue_) write_pending_locked();
}

void EventFileWriter::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  write_pending_locked();
}

void EventFileWriter::close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
  }
  wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  std::lock_guard<std::mutex> lock(mu_);
  std::FILE* f = file_;
  try {
    write_pending_locked();
  } catch (...) {
    file_ = nullptr;
    std::fclose(f);
    throw;
  }
  file_ = nullptr;
  EMBER_CHECK(std::fclose(f) == 0, "SummaryWriter: closing '", path_, "' failed: ", std::strerror(errno));
}

void EventFileWriter::flusher_loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    if (wake_.wait_for(lock, flush_every_, [this] { return closed_; })) break;
    if (pending_events_ > 0) {
      try {
        write_pending_locked();
      } catch (...) {  // the next add_event/flush/close reports the failing file
      }
    }
  }
}

}  // namespace ember::tensorboard

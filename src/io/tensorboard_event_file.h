#pragma once
// One TensorBoard event file: TFRecord framing, PyTorch's file name, buffered writes with a
// background flush every flush_secs. Internal to SummaryWriter.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ember::io {
class ProtoWriter;
}

namespace ember::tensorboard {

// gethostname(), "localhost" if that fails.
std::string host_name();

// Seconds since the Unix epoch, as Python's time.time().
double now_seconds();

// An Event message: wall_time=1, step=2 (omitted when absent or 0), then the one `what`
// member given as (field number, serialized payload): 3 file_version, 4 graph_def, 5 summary,
// 7 session_log.
std::string make_event(double wall_time, std::optional<int64_t> step, uint32_t what_field,
                       const std::string& what_payload);

// The TFRecord frame around one payload: u64 length, masked CRC of those 8 bytes, payload,
// masked CRC of the payload (all little-endian).
std::string frame_record(const std::string& payload);

class EventFileWriter {
 public:
  // Creates `logdir` if needed and the file events.out.tfevents.<%010d now>.<host>.<pid>.<n><suffix>,
  // then writes and flushes the file_version event.
  EventFileWriter(const std::string& logdir, int max_queue, double flush_secs, const std::string& filename_suffix);
  ~EventFileWriter();  // close(); never throws
  EventFileWriter(const EventFileWriter&) = delete;
  EventFileWriter& operator=(const EventFileWriter&) = delete;

  // Frames one serialized Event and queues it.
  void add_event(const std::string& event);
  void flush();
  void close();
  const std::string& logdir() const { return logdir_; }
  const std::string& path() const { return path_; }

 private:
  void write_pending_locked();  // pending_ -> file, fflush
  void flusher_loop();

  std::string logdir_, path_;
  int max_queue_;
  std::chrono::duration<double> flush_every_;
  std::FILE* file_ = nullptr;
  std::string pending_;
  int pending_events_ = 0;
  bool closed_ = false;
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread flusher_;
};

}  // namespace ember::tensorboard

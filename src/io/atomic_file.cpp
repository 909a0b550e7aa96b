#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ember/core/error.h"

namespace ember::io::detail {

void write_file_atomic(const std::string& path, const void* data, size_t n, const std::string& what) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  EMBER_CHECK(fd >= 0, what, ": cannot create ", tmp, " (to write ", path, "): ", std::strerror(errno));
  auto fail = [&](const char* step) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    EMBER_THROW(what, ": ", step, " ", tmp, " (to write ", path, "): ", err);
  };
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail("write to");
    p += w;
    n -= static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0) fail("fsync of");
  if (::close(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    EMBER_THROW(what, ": cannot close ", tmp, " (to write ", path, "): ", err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    EMBER_THROW(what, ": cannot rename ", tmp, " over ", path, ": ", err);
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {  // make the rename durable (best effort)
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace ember::io::detail

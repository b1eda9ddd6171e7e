#include "appliance/state/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cairn::state {

Result<FileLock> FileLock::acquire(const std::string& path, Wait wait) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return makeError(errno == EACCES ? ErrorCode::kPermission : ErrorCode::kIo,
                     "cannot open lock file " + path + ": " + std::strerror(errno));
  }
  int operation = LOCK_EX | (wait == Wait::kFailAtOnce ? LOCK_NB : 0);
  while (::flock(fd, operation) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      char holder[32] = {};
      ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
      std::string pid = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "unknown";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      ::close(fd);
      return makeError(ErrorCode::kConflict, "another cairnctl (pid " + pid + ") holds " + path +
                                                 "; try again when it has finished, or drop --no-wait to wait");
    }
    std::string message = std::strerror(errno);
    ::close(fd);
    return makeError(ErrorCode::kIo, "cannot lock " + path + ": " + message);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t ignored = ::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace cairn::state

#include "monitoring/exporter/proc_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cairn::exporter {

namespace {

std::optional<std::string> readAll(int fd) {
  if (fd < 0) return std::nullopt;
  std::string content;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

}  // namespace

std::optional<std::string> readProcFile(const std::string& path) {
  return readAll(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
}

OpenDirectory::OpenDirectory(const std::string& path)
    : fd_(path.empty() ? -1 : ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {}

OpenDirectory::~OpenDirectory() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> OpenDirectory::read(const char* name) const {
  if (fd_ < 0) return std::nullopt;
  return readAll(::openat(fd_, name, O_RDONLY | O_CLOEXEC));
}

bool isDirectory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

}  // namespace cairn::exporter

#include "monitoring/exporter/proc_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace cairn::exporter {
namespace {

// Reads from offset 0 to the end with pread, so that the same descriptor can be read again
// (and by several threads at once). `singleRecord`: a short read is the end. On failure
// `error` holds errno.
std::optional<std::string> readFrom(int fd, bool singleRecord, int& error) {
  error = 0;
  if (fd < 0) return std::nullopt;
  std::string content;
  char buffer[16384];
  off_t offset = 0;
  while (true) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = errno;
      return std::nullopt;
    }
    if (n == 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    offset += n;
    if (singleRecord && static_cast<std::size_t>(n) < sizeof buffer) break;
  }
  return content;
}

}  // namespace

struct ProcFileReader::OpenFile {
  explicit OpenFile(int descriptor) : fd(descriptor) {}
  ~OpenFile() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
  std::atomic<bool> used{true};
};

std::optional<std::string> readProcFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  int error = 0;
  auto content = readFrom(fd, false, error);
  if (fd >= 0) ::close(fd);
  return content;
}

std::optional<std::string> readDescriptor(int fd) {
  int error = 0;
  return readFrom(fd, false, error);
}

bool isDirectory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

ProcFileReader::ProcFileReader(std::chrono::seconds idleClose)
    : idleClose_(idleClose), lastSweep_(std::chrono::steady_clock::now()) {}

ProcFileReader::~ProcFileReader() = default;

std::shared_ptr<ProcFileReader::OpenFile> ProcFileReader::open(const std::string& path, bool reopen) {
  std::lock_guard<std::mutex> lock(mutex_);
  closeIdle(std::chrono::steady_clock::now());
  auto found = files_.find(path);
  if (found != files_.end() && !reopen) {
    found->second->used = true;
    return found->second;
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    files_.erase(path);
    return nullptr;
  }
  auto file = std::make_shared<OpenFile>(fd);
  files_[path] = file;
  return file;
}

void ProcFileReader::closeIdle(std::chrono::steady_clock::time_point now) {
  if (now - lastSweep_ < idleClose_) return;
  lastSweep_ = now;
  for (auto it = files_.begin(); it != files_.end();) {
    if (!it->second->used.exchange(false)) it = files_.erase(it);
    else ++it;
  }
}

std::optional<std::string> ProcFileReader::read(const std::string& path) { return read(path, false); }

std::optional<std::string> ProcFileReader::readSingleRecord(const std::string& path) { return read(path, true); }

std::optional<std::string> ProcFileReader::read(const std::string& path, bool singleRecord) {
  auto file = open(path, false);
  if (!file) return std::nullopt;
  int error = 0;
  if (auto content = readFrom(file->fd, singleRecord, error)) return content;
  if (error == EINVAL) return std::nullopt;
  file = open(path, true);
  return file ? readFrom(file->fd, singleRecord, error) : std::nullopt;
}

std::size_t ProcFileReader::openFiles() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_.size();
}

}  // namespace cairn::exporter

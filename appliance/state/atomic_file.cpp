#include "appliance/state/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "appliance/host/files.hpp"

namespace cairn::state {
namespace {

Error ioError(const std::string& what, const std::string& path) {
  int error = errno;
  return makeError(error == EACCES || error == EPERM ? ErrorCode::kPermission : ErrorCode::kIo,
                   what + " " + path + ": " + std::strerror(error));
}

Status syncDirectory(const std::string& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot open directory", directory);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ioError("cannot sync directory", directory);
  return {};
}

std::string fileName(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The names PendingFile gives its temporaries of `path`: ".<name>.tmp-" and six random characters.
std::string temporaryPrefix(const std::string& path) { return "." + fileName(path) + ".tmp-"; }

}  // namespace

PendingFile::PendingFile(std::string path, std::string temporary, int fd)
    : path_(std::move(path)), temporary_(std::move(temporary)), fd_(fd) {}

PendingFile::PendingFile(PendingFile&& other) noexcept
    : path_(std::move(other.path_)), temporary_(std::move(other.temporary_)), fd_(other.fd_),
      committed_(other.committed_) {
  other.fd_ = -1;
  other.committed_ = true;
}

PendingFile::~PendingFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temporary_.empty()) ::unlink(temporary_.c_str());
}

Result<PendingFile> PendingFile::create(const std::string& path, mode_t mode) {
  std::string directory = host::parentDirectory(path);
  std::string pattern = directory + "/" + temporaryPrefix(path) + "XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return ioError("cannot create a temporary file for", path);
  if (::fchmod(fd, mode) != 0) {
    Error error = ioError("cannot set the mode of", name.data());
    ::close(fd);
    ::unlink(name.data());
    return error;
  }
  return PendingFile(path, std::string(name.data()), fd);
}

Status PendingFile::write(const std::string& content) {
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd_, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ioError("cannot write", temporary_);
    written += static_cast<std::size_t>(n);
  }
  return {};
}

Status PendingFile::commit() {
  if (::fsync(fd_) != 0) return ioError("cannot sync", temporary_);
  ::close(fd_);
  fd_ = -1;
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) return ioError("cannot replace", path_);
  committed_ = true;
  return syncDirectory(host::parentDirectory(path_));
}

Status writeFileAtomic(const std::string& path, const std::string& content, mode_t mode) {
  auto pending = PendingFile::create(path, mode);
  if (!pending) return pending.error();
  if (auto written = pending.value().write(content); !written) return written;
  return pending.value().commit();
}

Status removeFileDurably(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return ioError("cannot remove", path);
  }
  return syncDirectory(host::parentDirectory(path));
}

std::size_t removeLeftoverTemporaries(const std::string& path) {
  const std::string directory = host::parentDirectory(path);
  const std::string prefix = temporaryPrefix(path);
  std::size_t removed = 0;
  DIR* handle = ::opendir(directory.c_str());
  if (!handle) return 0;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) == 0 && ::unlink((directory + "/" + name).c_str()) == 0) ++removed;
  }
  ::closedir(handle);
  return removed;
}

}  // namespace cairn::state

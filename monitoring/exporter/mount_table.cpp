#include "monitoring/exporter/mount_table.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "monitoring/exporter/proc_files.hpp"

namespace cairn::exporter {

MountTable::MountTable(std::vector<std::string> candidates) : candidates_(std::move(candidates)) {}

MountTable::~MountTable() { close(); }

void MountTable::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  cached_.reset();
}

bool MountTable::changedSinceLastRead() {
  if (!cached_ || !signalsChanges_) return true;
  pollfd watched{fd_, POLLPRI, 0};
  int ready = ::poll(&watched, 1, 0);
  // An error of poll itself: read again rather than trust the cache.
  return ready != 0;
}

std::shared_ptr<const MountTableSnapshot> MountTable::current() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<std::string> content;
  if (fd_ >= 0) {
    if (!changedSinceLastRead()) return cached_;
    content = readDescriptor(fd_);
    if (!content) close();
  }
  // A candidate counts only when it also reads: /proc/1/mountinfo opens but may not read
  // without privileges, and /proc/self/mountinfo is then the next best.
  for (auto path = candidates_.begin(); !content && path != candidates_.end(); ++path) {
    fd_ = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) continue;
    struct statfs info {};
    signalsChanges_ = ::fstatfs(fd_, &info) == 0 && info.f_type == PROC_SUPER_MAGIC;
    content = readDescriptor(fd_);
    if (!content) close();
  }
  if (!content) return nullptr;
  auto snapshot = std::make_shared<MountTableSnapshot>();
  snapshot->reported = reportedMounts(parseMountinfo(*content, snapshot->complete));
  cached_ = std::move(snapshot);
  return cached_;
}

}  // namespace cairn::exporter

#include "monitoring/logship/file_tailer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace cairn::logship {
namespace {

constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::size_t kHeadBytes = 256;

std::int64_t mtimeOf(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
}

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isCompressed(const std::string& name) {
  for (const char* suffix : {".gz", ".bz2", ".xz", ".zst", ".zip", ".lz4"}) {
    if (endsWith(name, suffix)) return true;
  }
  return false;
}

std::string readAt(int fd, std::uint64_t offset, std::size_t size) {
  std::string out(size, '\0');
  const ssize_t n = ::pread(fd, out.data(), size, static_cast<off_t>(offset));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

// Whether the file at `path` still starts with the bytes a saved position remembers.
bool sameHead(const std::string& path, const FilePosition& saved) {
  if (saved.headBytes == 0) return true;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const std::string head = readAt(fd, 0, saved.headBytes);
  ::close(fd);
  return head.size() == saved.headBytes && headHashOf(head) == saved.headHash;
}

}  // namespace

std::uint64_t headHashOf(const std::string& bytes) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::vector<SiblingFile> listRotatedSiblings(const std::string& path) {
  std::vector<SiblingFile> siblings;
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  DIR* handle = ::opendir(dir.c_str());
  if (!handle) return siblings;
  while (const dirent* entry = ::readdir(handle)) {
    const std::string name = entry->d_name;
    if (name.size() <= base.size() + 1 || name.compare(0, base.size(), base) != 0) continue;
    const char separator = name[base.size()];
    if (separator != '.' && separator != '-') continue;
    if (isCompressed(name)) continue;
    const std::string full = dir + "/" + name;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    siblings.push_back({full, static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                        static_cast<std::uint64_t>(st.st_size), mtimeOf(st)});
  }
  ::closedir(handle);
  std::sort(siblings.begin(), siblings.end(), [](const SiblingFile& a, const SiblingFile& b) {
    return a.mtimeNs != b.mtimeNs ? a.mtimeNs < b.mtimeNs : a.path > b.path;
  });
  return siblings;
}

FileTailer::FileTailer(std::string path, std::size_t maxLineBytes)
    : path_(std::move(path)), maxLineBytes_(maxLineBytes), splitter_(maxLineBytes), chunk_(kChunkBytes) {}

FileTailer::~FileTailer() { closeCurrent(); }

void FileTailer::resume(const std::optional<FilePosition>& saved, bool withRotatedHistory) {
  queue_.clear();
  closeCurrent();
  if (!saved) {
    if (withRotatedHistory) {
      for (const auto& sibling : listRotatedSiblings(path_)) queue_.push_back({sibling.path, sibling.inode, 0, true});
    }
    queue_.push_back({path_, 0, 0, false});
    return;
  }
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_ino) == saved->inode &&
      static_cast<std::uint64_t>(st.st_dev) == saved->device && sameHead(path_, *saved)) {
    queue_.push_back({path_, saved->inode, saved->offset, false});
    return;
  }
  const auto siblings = listRotatedSiblings(path_);
  const auto found = std::find_if(siblings.begin(), siblings.end(), [&](const SiblingFile& s) {
    return s.inode == saved->inode && s.device == saved->device && sameHead(s.path, *saved);
  });
  if (found != siblings.end()) {
    queue_.push_back({found->path, found->inode, saved->offset, true});
    for (auto it = found + 1; it != siblings.end(); ++it) queue_.push_back({it->path, it->inode, 0, true});
  } else {
    ++events_.lostFiles;
    for (const auto& sibling : siblings) {
      if (sibling.mtimeNs > saved->mtimeNs) queue_.push_back({sibling.path, sibling.inode, 0, true});
    }
  }
  queue_.push_back({path_, 0, 0, false});
}

bool FileTailer::next(SplitLine& line, FilePosition& after) {
  for (;;) {
    if (fd_ < 0 && !openNext()) return false;
    if (splitter_.next(line) || (finishing_ && splitter_.takeRest(line))) {
      consumedOffset_ += line.consumedBytes;
      after = {device_, inode_, consumedOffset_, mtimeNs_, static_cast<std::uint32_t>(head_.size()), headHash_};
      return true;
    }
    if (finishing_) {
      closeCurrent();
      continue;
    }
    const ssize_t n = ::pread(fd_, chunk_.data(), chunk_.size(), static_cast<off_t>(readOffset_));
    if (n > 0) {
      splitter_.append(chunk_.data(), static_cast<std::size_t>(n));
      readOffset_ += static_cast<std::uint64_t>(n);
      continue;
    }
    switch (onEndOfFile()) {
      case EofOutcome::kWait: return false;
      case EofOutcome::kContinue: continue;
      case EofOutcome::kFinished: finishing_ = true; continue;
    }
  }
}

bool FileTailer::openNext() {
  while (true) {
    if (queue_.empty()) {
      // The live path after a deletion: it may come back.
      queue_.push_back({path_, 0, 0, false});
    }
    Planned planned = queue_.front();
    const bool live = planned.path == path_ && !planned.rotated;
    int fd = ::open(planned.path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) != 0) {
      ::close(fd);
      fd = -1;
    }
    if (fd >= 0 && planned.inode != 0 && static_cast<std::uint64_t>(st.st_ino) != planned.inode) {
      // Renamed since it was planned: follow the inode.
      ::close(fd);
      fd = -1;
      const auto siblings = listRotatedSiblings(path_);
      const auto found = std::find_if(siblings.begin(), siblings.end(),
                                      [&](const SiblingFile& s) { return s.inode == planned.inode; });
      if (found != siblings.end()) {
        if (live) {
          queue_.front().inode = 0;
          queue_.front().startOffset = 0;
          queue_.push_front({found->path, found->inode, planned.startOffset, true});
        } else {
          queue_.front().path = found->path;
        }
        continue;
      }
      ++events_.lostFiles;
      if (!live) {
        queue_.pop_front();
        continue;
      }
      queue_.front().inode = 0;
      queue_.front().startOffset = 0;
      continue;
    }
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        if (!live) {
          ++events_.lostFiles;
          queue_.pop_front();
          continue;
        }
        missing_ = true;
        queue_.pop_front();
        return false;
      }
      if (!reportedUnreadable_) {
        ++events_.unreadable;
        reportedUnreadable_ = true;
      }
      return false;
    }
    queue_.pop_front();
    reportedUnreadable_ = false;
    missing_ = false;
    fd_ = fd;
    device_ = static_cast<std::uint64_t>(st.st_dev);
    inode_ = static_cast<std::uint64_t>(st.st_ino);
    mtimeNs_ = mtimeOf(st);
    currentRotated_ = planned.rotated;
    finishing_ = false;
    std::uint64_t start = planned.startOffset;
    if (start > static_cast<std::uint64_t>(st.st_size)) {
      ++events_.truncations;
      start = 0;
    }
    readOffset_ = consumedOffset_ = start;
    splitter_.clear();
    setHead(readAt(fd_, 0, kHeadBytes));
    return true;
  }
}

bool FileTailer::refreshHead() {
  const std::string current = readAt(fd_, 0, kHeadBytes);
  if (current.compare(0, head_.size(), head_) != 0) return false;
  if (current.size() != head_.size()) setHead(current);
  return true;
}

void FileTailer::setHead(std::string head) {
  head_ = std::move(head);
  headHash_ = headHashOf(head_);
}

std::optional<SiblingFile> FileTailer::findCopyOfTruncated() const {
  if (head_.empty()) return std::nullopt;
  for (const auto& sibling : listRotatedSiblings(path_)) {
    if (sibling.inode == inode_ || sibling.size <= consumedOffset_) continue;
    const int fd = ::open(sibling.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const std::string head = readAt(fd, 0, head_.size());
    ::close(fd);
    if (head == head_) return sibling;
  }
  return std::nullopt;
}

FileTailer::EofOutcome FileTailer::onEndOfFile() {
  if (currentRotated_) return EofOutcome::kFinished;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return EofOutcome::kFinished;
  if (static_cast<std::uint64_t>(st.st_size) < readOffset_ || !refreshHead()) {
    // copytruncate (or the file was rewritten in place): the copy holds what we had not read.
    if (auto copy = findCopyOfTruncated()) {
      ++events_.recoveredCopies;
      queue_.push_front({path_, 0, 0, false});
      queue_.push_front({copy->path, copy->inode, consumedOffset_, true});
      closeCurrent();
      return EofOutcome::kContinue;
    }
    ++events_.truncations;
    splitter_.clear();
    readOffset_ = consumedOffset_ = 0;
    setHead(readAt(fd_, 0, kHeadBytes));
    return EofOutcome::kContinue;
  }
  mtimeNs_ = mtimeOf(st);
  struct stat live {};
  const bool present = ::stat(path_.c_str(), &live) == 0;
  if (present && live.st_ino == st.st_ino && live.st_dev == st.st_dev) return EofOutcome::kWait;
  // Rotated away or deleted. Writes that raced the rename are before EOF now.
  char probe[1];
  if (::pread(fd_, probe, 1, static_cast<off_t>(readOffset_)) > 0) return EofOutcome::kContinue;
  planAfterRotation();
  return EofOutcome::kFinished;
}

void FileTailer::planAfterRotation() {
  const auto siblings = listRotatedSiblings(path_);
  const auto self = std::find_if(siblings.begin(), siblings.end(),
                                 [&](const SiblingFile& s) { return s.inode == inode_ && s.device == device_; });
  queue_.clear();
  if (self != siblings.end()) {
    for (auto it = self + 1; it != siblings.end(); ++it) queue_.push_back({it->path, it->inode, 0, true});
  } else {
    for (const auto& sibling : siblings) {
      if (sibling.mtimeNs > mtimeNs_) queue_.push_back({sibling.path, sibling.inode, 0, true});
    }
  }
  struct stat live {};
  if (::stat(path_.c_str(), &live) == 0) {
    queue_.push_back({path_, static_cast<std::uint64_t>(live.st_ino), 0, false});
  } else {
    queue_.push_back({path_, 0, 0, false});
  }
  ++events_.rotations;
}

void FileTailer::closeCurrent() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  finishing_ = false;
  splitter_.clear();
}

std::uint64_t FileTailer::unreadBytes() const {
  if (fd_ < 0) return 0;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return 0;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  return size > consumedOffset_ ? size - consumedOffset_ : 0;
}

}  // namespace cairn::logship

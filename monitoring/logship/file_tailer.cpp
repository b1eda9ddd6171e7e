#include "monitoring/logship/file_tailer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

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

FileTailer::FileTailer(std::string path, std::size_t maxLineBytes, RotateWait rotateWait)
    : path_(std::move(path)),
      maxLineBytes_(maxLineBytes),
      splitter_(maxLineBytes),
      rotateWait_(std::move(rotateWait)),
      chunk_(kChunkBytes) {}

FileTailer::~FileTailer() { closeCurrent(); }

std::int64_t FileTailer::wallNow() const {
  if (rotateWait_.wallNowNs) return rotateWait_.wallNowNs();
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000LL + now.tv_nsec;
}

void FileTailer::noteLoss(const std::string& file, const std::string& reason, std::uint64_t from,
                          std::optional<std::uint64_t> to) {
  if (to && *to <= from) return;
  notices_.push_back({TailerNotice::Kind::kLoss, file, reason, from, to});
}

void FileTailer::noteUnreadable(const std::string& file, const std::string& why) {
  if (reportedUnreadable_) return;
  reportedUnreadable_ = true;
  ++events_.unreadable;
  notices_.push_back({TailerNotice::Kind::kUnreadable, file, why, 0, std::nullopt});
}

static std::vector<std::uint64_t> inodesOf(const std::vector<SiblingFile>& siblings) {
  std::vector<std::uint64_t> inodes;
  for (const auto& sibling : siblings) inodes.push_back(sibling.inode);
  return inodes;
}

void FileTailer::planLive() {
  Planned live{path_, 0, 0, false, true, 0, {}, {}};
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  struct stat st {};
  if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    live.inode = static_cast<std::uint64_t>(st.st_ino);
    live.size = static_cast<std::uint64_t>(st.st_size);
    live.head = readAt(fd, 0, kHeadBytes);
  }
  if (fd >= 0) ::close(fd);
  if (live.head.empty()) live.siblingsWhenEmpty = inodesOf(listRotatedSiblings(path_));
  queue_.push_back(std::move(live));
}

// The sibling whose first bytes are `head` (a copytruncate copy), with at least minSize bytes.
std::optional<std::size_t> FileTailer::findCopy(const std::vector<SiblingFile>& siblings, const std::string& head,
                                                std::uint64_t minSize) const {
  if (head.empty()) return std::nullopt;
  for (std::size_t i = 0; i < siblings.size(); ++i) {
    if (siblings[i].size < minSize || siblings[i].size < head.size()) continue;
    const int fd = ::open(siblings[i].path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const std::string start = readAt(fd, 0, head.size());
    ::close(fd);
    if (start == head) return i;
  }
  return std::nullopt;
}

// The copy from startOffset, the siblings rotated after it (copies of later generations), then
// the live file.
void FileTailer::planCopyChain(const std::vector<SiblingFile>& siblings, std::size_t copy, std::uint64_t startOffset) {
  ++events_.recoveredCopies;
  queue_.clear();
  queue_.push_back({siblings[copy].path, siblings[copy].inode, startOffset, true, false, siblings[copy].size, {}, {}});
  for (std::size_t i = copy + 1; i < siblings.size(); ++i) {
    queue_.push_back({siblings[i].path, siblings[i].inode, 0, true, false, siblings[i].size, {}, {}});
  }
  planLive();
}

// siblings[index] from startOffset, every sibling newer than it, then the live file.
void FileTailer::planFromSibling(const std::vector<SiblingFile>& siblings, std::size_t index, std::uint64_t startOffset) {
  queue_.push_back({siblings[index].path, siblings[index].inode, startOffset, true, true, siblings[index].size, {}, {}});
  for (std::size_t i = index + 1; i < siblings.size(); ++i) {
    queue_.push_back({siblings[i].path, siblings[i].inode, 0, true, true, siblings[i].size, {}, {}});
  }
  planLive();
}

void FileTailer::resume(const std::optional<FilePosition>& saved, bool withRotatedHistory) {
  queue_.clear();
  closeCurrent();
  if (!saved) {
    if (withRotatedHistory) {
      for (const auto& sibling : listRotatedSiblings(path_)) {
        queue_.push_back({sibling.path, sibling.inode, 0, true, true, sibling.size, {}, {}});
      }
    }
    planLive();
    return;
  }
  struct stat st {};
  const bool livePresent = ::stat(path_.c_str(), &st) == 0;
  const bool liveIsSaved = livePresent && static_cast<std::uint64_t>(st.st_ino) == saved->inode &&
                           static_cast<std::uint64_t>(st.st_dev) == saved->device;
  if (liveIsSaved && sameHead(path_, *saved) && static_cast<std::uint64_t>(st.st_size) >= saved->offset) {
    // With its first bytes: copied away and truncated before it is opened, it is found in the copy.
    std::string head;
    if (const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
      head = readAt(fd, 0, saved->headBytes);
      ::close(fd);
    }
    if (headHashOf(head) != saved->headHash) head.clear();
    queue_.push_back({path_, saved->inode, saved->offset, false, true, static_cast<std::uint64_t>(st.st_size), head, {}});
    return;
  }
  const auto siblings = listRotatedSiblings(path_);
  for (std::size_t i = 0; i < siblings.size(); ++i) {
    const auto& s = siblings[i];
    if (s.inode == saved->inode && s.device == saved->device && sameHead(s.path, *saved) && s.size >= saved->offset) {
      planFromSibling(siblings, i, saved->offset);
      return;
    }
  }
  if (saved->headBytes > 0) {
    // The saved file was copied away and truncated (copytruncate) while we were not running.
    for (std::size_t i = 0; i < siblings.size(); ++i) {
      if (siblings[i].inode != saved->inode && siblings[i].size >= saved->offset && sameHead(siblings[i].path, *saved)) {
        planCopyChain(siblings, i, saved->offset);
        return;
      }
    }
  }
  ++events_.lostFiles;
  noteLoss(path_, liveIsSaved ? "truncated" : "deleted", saved->offset, std::nullopt);
  for (const auto& sibling : siblings) {
    if (sibling.mtimeNs > saved->mtimeNs) queue_.push_back({sibling.path, sibling.inode, 0, true, true, sibling.size, {}, {}});
  }
  planLive();
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
      // Checked after the read: if the file was rewritten before it, its first bytes differ now,
      // so what was read is not taken for the continuation of the old file.
      if (!currentRotated_ && copiedWhileEmpty()) continue;
      if (!currentRotated_ && !refreshHead()) {
        onRewritten();
        continue;
      }
      splitter_.append(chunk_.data(), static_cast<std::size_t>(n));
      readOffset_ += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && errno != EINTR) {
      noteUnreadable(path_, std::string("read: ") + std::strerror(errno));
      return false;
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
    if (queue_.empty()) planLive();  // the live path after a deletion: it may come back
    Planned planned = queue_.front();
    const bool live = planned.path == path_ && !planned.rotated;
    int fd = ::open(planned.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    const int openErrno = errno;
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) != 0) {
      ::close(fd);
      fd = -1;
    }
    const bool elsewhere = planned.inode != 0 &&
                           ((fd >= 0 && static_cast<std::uint64_t>(st.st_ino) != planned.inode) ||
                            (fd < 0 && (openErrno == ENOENT || openErrno == ENOTDIR)));
    if (elsewhere) {
      // Renamed since it was planned: follow the inode.
      if (fd >= 0) ::close(fd);
      fd = -1;
      const auto siblings = listRotatedSiblings(path_);
      const auto found = std::find_if(siblings.begin(), siblings.end(),
                                      [&](const SiblingFile& s) { return s.inode == planned.inode; });
      if (found != siblings.end()) {
        if (live) {
          queue_.clear();
          planFromSibling(siblings, static_cast<std::size_t>(found - siblings.begin()), planned.startOffset);
        } else {
          queue_.front().path = found->path;
        }
        continue;
      }
      ++events_.lostFiles;
      noteLoss(planned.path, "deleted", planned.startOffset,
               planned.size > planned.startOffset ? std::optional<std::uint64_t>(planned.size) : std::nullopt);
      queue_.pop_front();
      if (live) planLive();
      continue;
    }
    if (fd < 0) {
      if (openErrno == ENOENT || openErrno == ENOTDIR) {
        if (!live) {
          ++events_.lostFiles;
          noteLoss(planned.path, "deleted", planned.startOffset, std::nullopt);
          queue_.pop_front();
          continue;
        }
        missing_ = true;
        queue_.pop_front();
        return false;
      }
      noteUnreadable(planned.path, std::string("open: ") + std::strerror(openErrno));
      return false;
    }
    if (live && !planned.head.empty() && S_ISREG(st.st_mode) &&
        readAt(fd, 0, planned.head.size()) != planned.head) {
      // Copied and truncated since it was planned: that generation is in a copy now.
      ::close(fd);
      const auto siblings = listRotatedSiblings(path_);
      if (const auto copy = findCopy(siblings, planned.head, planned.startOffset)) {
        planCopyChain(siblings, *copy, planned.startOffset);
      } else {
        ++events_.lostFiles;
        noteLoss(planned.path, "truncated", planned.startOffset,
                 planned.size > planned.startOffset ? std::optional<std::uint64_t>(planned.size) : std::nullopt);
        queue_.pop_front();
        planLive();
      }
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      noteUnreadable(planned.path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
      if (!live) {
        queue_.pop_front();
        continue;
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
    currentMayGrow_ = planned.mayStillGrow;
    rotatedSeenNs_ = 0;
    knownSize_ = static_cast<std::uint64_t>(st.st_size);
    finishing_ = false;
    std::uint64_t start = planned.startOffset;
    if (start > static_cast<std::uint64_t>(st.st_size)) {
      ++events_.truncations;
      // What the old generation held past the saved offset is gone; its end is not known.
      noteLoss(planned.path, "truncated", start, std::nullopt);
      start = 0;
    }
    readOffset_ = consumedOffset_ = start;
    splitter_.clear();
    setHead(readAt(fd_, 0, kHeadBytes));
    siblingsWhenEmpty_.reset();
    if (live && start == 0 && (planned.head.empty() || head_.empty())) {
      siblingsWhenEmpty_ = planned.head.empty() && planned.siblingsWhenEmpty ? *planned.siblingsWhenEmpty
                                                                             : inodesOf(listRotatedSiblings(path_));
    }
    return true;
  }
}

// At the first bytes of a live file that was empty: were copies made since (copytruncate)? They
// are read first, from 0, then the file again from 0.
bool FileTailer::copiedWhileEmpty() {
  if (!siblingsWhenEmpty_) return false;
  const std::vector<std::uint64_t> known = std::move(*siblingsWhenEmpty_);
  siblingsWhenEmpty_.reset();
  struct stat live {};
  if (::stat(path_.c_str(), &live) != 0 || static_cast<std::uint64_t>(live.st_ino) != inode_) return false;
  std::vector<SiblingFile> copies;
  for (const auto& sibling : listRotatedSiblings(path_)) {
    if (sibling.inode != inode_ && std::find(known.begin(), known.end(), sibling.inode) == known.end()) {
      copies.push_back(sibling);
    }
  }
  if (copies.empty()) return false;
  ++events_.recoveredCopies;
  queue_.clear();
  for (const auto& copy : copies) queue_.push_back({copy.path, copy.inode, 0, true, false, copy.size, {}, {}});
  planLive();
  closeCurrent();
  return true;
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

// copytruncate (or the file was rewritten in place): the copy holds what we had not read.
FileTailer::EofOutcome FileTailer::onRewritten() {
  const auto siblings = listRotatedSiblings(path_);
  std::optional<std::size_t> copy;
  for (std::size_t i = 0; i < siblings.size() && !copy; ++i) {
    if (siblings[i].inode == inode_) continue;
    if (findCopy({siblings[i]}, head_, consumedOffset_)) copy = i;
  }
  if (copy) {
    planCopyChain(siblings, *copy, consumedOffset_);
    closeCurrent();
    return EofOutcome::kContinue;
  }
  ++events_.truncations;
  noteLoss(path_, "truncated", consumedOffset_,
           knownSize_ > consumedOffset_ ? std::optional<std::uint64_t>(knownSize_) : std::nullopt);
  splitter_.clear();
  readOffset_ = consumedOffset_ = 0;
  knownSize_ = 0;
  setHead(readAt(fd_, 0, kHeadBytes));
  return EofOutcome::kContinue;
}

FileTailer::EofOutcome FileTailer::onEndOfFile() {
  if (currentRotated_) return onEndOfRotatedFile();
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return EofOutcome::kFinished;
  if (static_cast<std::uint64_t>(st.st_size) < readOffset_ || !refreshHead()) return onRewritten();
  knownSize_ = static_cast<std::uint64_t>(st.st_size);
  mtimeNs_ = mtimeOf(st);
  struct stat live {};
  const bool present = ::stat(path_.c_str(), &live) == 0;
  if (present && live.st_ino == st.st_ino && live.st_dev == st.st_dev) return EofOutcome::kWait;
  // Rotated away or deleted: plan what comes next, and keep reading this one while its writer
  // may still hold it open.
  planAfterRotation();
  currentRotated_ = true;
  currentMayGrow_ = true;
  return onEndOfRotatedFile();
}

FileTailer::EofOutcome FileTailer::onEndOfRotatedFile() {
  // Only the newest rotated file can still have a writer: older ones were rotated again since.
  if (!currentMayGrow_ || (!queue_.empty() && queue_.front().rotated)) return EofOutcome::kFinished;
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return EofOutcome::kFinished;
  if (static_cast<std::uint64_t>(st.st_size) > readOffset_) return EofOutcome::kContinue;
  knownSize_ = static_cast<std::uint64_t>(st.st_size);
  mtimeNs_ = mtimeOf(st);
  const std::int64_t now = wallNow();
  if (rotatedSeenNs_ == 0) rotatedSeenNs_ = now;
  if (now - mtimeNs_ >= rotateWait_.idleNs || now - rotatedSeenNs_ >= rotateWait_.maxNs) return EofOutcome::kFinished;
  return EofOutcome::kWait;
}

void FileTailer::planAfterRotation() {
  const auto siblings = listRotatedSiblings(path_);
  const auto self = std::find_if(siblings.begin(), siblings.end(),
                                 [&](const SiblingFile& s) { return s.inode == inode_ && s.device == device_; });
  queue_.clear();
  if (self != siblings.end()) {
    for (auto it = self + 1; it != siblings.end(); ++it) queue_.push_back({it->path, it->inode, 0, true, true, it->size, {}, {}});
  } else {
    for (const auto& sibling : siblings) {
      if (sibling.mtimeNs > mtimeNs_) queue_.push_back({sibling.path, sibling.inode, 0, true, true, sibling.size, {}, {}});
    }
  }
  planLive();
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

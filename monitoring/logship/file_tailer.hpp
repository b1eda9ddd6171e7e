#pragma once
// FileTailer: reads one log file line by line across rotations, truncations and deletion, and
// says for each line the exact position after it (device, inode, offset) so that a position
// acknowledged by Loki can be resumed after a crash.
//
// Every file is planned by its identity (device + inode), never as "whatever is at the path":
// - rename + create: the old file is read to its end (through the open descriptor, so a file
//   deleted while being read is finished) and kept open while its writer may still use it (until
//   it stayed idle for RotateWait::idleNs, at most RotateWait::maxNs: a logrotate `create` whose
//   postrotate reopen comes later), then every rotated sibling newer than it, then the new file.
//   A planned file renamed before it was reached is followed to its new name.
// - copytruncate: a shrunk file, or one whose first bytes changed (checked after every read, so
//   bytes of the rewritten file are never taken for the rest of the old one), is read again from
//   0; the rotated copy is read first from where we were when its first bytes match.
// - resume: the saved file is looked up at the path and among the rotated siblings
//   ("<name>.1", "<name>-20260101", ...; compressed ones are skipped) by inode and first bytes,
//   or as a copy by its first bytes. When it is gone, the siblings written after it are read and
//   the loss is reported (takeNotices()).
// Not thread-safe; one instance per source.

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "monitoring/logship/line_splitter.hpp"

namespace cairn::logship {

struct FilePosition {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;
  std::int64_t mtimeNs = 0;  // of the file when last read; orders rotated siblings
  // The first headBytes bytes of the file hash to headHash: tells a reused inode from the file.
  std::uint32_t headBytes = 0;
  std::uint64_t headHash = 0;
};

// FNV-1a of `bytes`.
std::uint64_t headHashOf(const std::string& bytes);

// Cumulative event counts; the owner turns their growth into metrics.
struct TailerEvents {
  std::uint64_t rotations = 0;      // switched to a newer file
  std::uint64_t truncations = 0;    // read again from 0 after a shrink
  std::uint64_t lostFiles = 0;      // a file we should have read was gone
  std::uint64_t unreadable = 0;     // open() failed for a reason other than absence
  std::uint64_t recoveredCopies = 0;  // copytruncate copies read to their end
};

// Something the owner must tell the operator about (the tailer itself does not log).
struct TailerNotice {
  enum class Kind { kLoss, kUnreadable };
  Kind kind = Kind::kLoss;
  std::string file;
  std::string reason;  // kLoss: "deleted" | "truncated"; kUnreadable: what open/read said
  std::uint64_t fromOffset = 0;              // kLoss: the first byte not read
  std::optional<std::uint64_t> toOffset;     // kLoss: the end, when known
};

// How long a file renamed away keeps being read: until it had no write for idleNs, and at most
// maxNs after the rename was seen. `wallNowNs` is the wall clock (compared with modification
// times); tests inject theirs.
struct RotateWait {
  std::int64_t idleNs = 5'000'000'000;
  std::int64_t maxNs = 60'000'000'000;
  std::function<std::int64_t()> wallNowNs;  // empty: the system clock
};

// Rotated siblings of `path` in its directory, oldest first (by modification time).
struct SiblingFile {
  std::string path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
};
std::vector<SiblingFile> listRotatedSiblings(const std::string& path);

class FileTailer {
 public:
  FileTailer(std::string path, std::size_t maxLineBytes, RotateWait rotateWait = {});
  ~FileTailer();
  FileTailer(const FileTailer&) = delete;
  FileTailer& operator=(const FileTailer&) = delete;

  // Plans where to start: the saved position when it can be found, else the beginning. With no
  // saved position, `withRotatedHistory` starts at the oldest rotated sibling instead: a Docker
  // container found after its log already rotated still has every line shipped.
  void resume(const std::optional<FilePosition>& saved, bool withRotatedHistory = false);
  // The next complete line and the position right after it; false when none is available now.
  bool next(SplitLine& line, FilePosition& after);
  // True when the file is gone and everything that could be read was read.
  bool drainedAndGone() const { return fd_ < 0 && queue_.empty() && missing_; }
  const TailerEvents& events() const { return events_; }
  // The notices since the last call, oldest first.
  std::vector<TailerNotice> takeNotices() { return std::exchange(notices_, {}); }
  const std::string& path() const { return path_; }
  // Bytes of the current file not read yet (a lag hint for metrics).
  std::uint64_t unreadBytes() const;

 private:
  struct Planned {
    std::string path;
    std::uint64_t inode = 0;  // 0: the live path had no file when planned
    std::uint64_t startOffset = 0;
    bool rotated = false;  // a rotated sibling: finished at its end
    bool mayStillGrow = true;  // false for a copytruncate copy: nobody writes to it
    std::uint64_t size = 0;    // when planned, to report a loss
    std::string head;          // first bytes when planned: a later copytruncate is recognised
    // When the file was empty when planned (nothing to recognise it by): the siblings then, so
    // that a copy made since is found.
    std::optional<std::vector<std::uint64_t>> siblingsWhenEmpty;
  };
  enum class EofOutcome { kWait, kContinue, kFinished };

  bool openNext();
  EofOutcome onEndOfFile();
  EofOutcome onEndOfRotatedFile();
  EofOutcome onRewritten();
  void closeCurrent();
  void planAfterRotation();
  void planFromSibling(const std::vector<SiblingFile>& siblings, std::size_t index, std::uint64_t startOffset);
  void planLive();
  void planCopyChain(const std::vector<SiblingFile>& siblings, std::size_t copy, std::uint64_t startOffset);
  std::optional<std::size_t> findCopy(const std::vector<SiblingFile>& siblings, const std::string& head,
                                      std::uint64_t minSize) const;
  bool refreshHead();
  bool copiedWhileEmpty();
  void setHead(std::string head);
  std::int64_t wallNow() const;
  void noteLoss(const std::string& file, const std::string& reason, std::uint64_t from, std::optional<std::uint64_t> to);
  void noteUnreadable(const std::string& file, const std::string& why);

  std::string path_;
  std::size_t maxLineBytes_;
  LineSplitter splitter_;
  std::deque<Planned> queue_;
  int fd_ = -1;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;
  std::int64_t mtimeNs_ = 0;
  bool currentRotated_ = false;
  bool currentMayGrow_ = false;
  std::int64_t rotatedSeenNs_ = 0;  // wall time the rename of the current file was seen
  std::uint64_t knownSize_ = 0;     // of the current file at the last end of file
  bool finishing_ = false;
  std::uint64_t readOffset_ = 0;
  std::uint64_t consumedOffset_ = 0;
  // Set while the current live file is read from 0 and had no bytes when planned or opened: the
  // siblings then. A copy made since holds bytes this file had (copytruncate of a file we could
  // not yet recognise by its first bytes).
  std::optional<std::vector<std::uint64_t>> siblingsWhenEmpty_;
  std::string head_;  // first bytes of the current file, to recognise copies and rewrites
  std::uint64_t headHash_ = 0;
  bool missing_ = false;
  bool reportedUnreadable_ = false;
  RotateWait rotateWait_;
  TailerEvents events_;
  std::vector<TailerNotice> notices_;
  std::vector<char> chunk_;
};

}  // namespace cairn::logship

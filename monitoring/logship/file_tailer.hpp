#pragma once
// FileTailer: reads one log file line by line across rotations, truncations and deletion, and
// says for each line the exact position after it (device, inode, offset) so that a position
// acknowledged by Loki can be resumed after a crash.
//
// - rename + create: the old file is read to its end (through the open descriptor, so a file
//   deleted while being read is finished), then every rotated sibling newer than it, then the
//   new file from 0.
// - copytruncate: a shrunk file (or one whose first bytes changed) is read again from 0; the
//   rotated copy is read first from where we were when its first bytes match.
// - resume: the saved inode is looked up at the path and among the rotated siblings
//   ("<name>.1", "<name>-20260101", ...; compressed ones are skipped). When it is gone, the
//   siblings written after it are read and the loss is counted.
// Not thread-safe; one instance per source.

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
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
  FileTailer(std::string path, std::size_t maxLineBytes);
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
  const std::string& path() const { return path_; }
  // Bytes of the current file not read yet (a lag hint for metrics).
  std::uint64_t unreadBytes() const;

 private:
  struct Planned {
    std::string path;
    std::uint64_t inode = 0;  // 0: whatever is at the path now
    std::uint64_t startOffset = 0;
    bool rotated = false;  // a rotated sibling: finished at its end
  };
  enum class EofOutcome { kWait, kContinue, kFinished };

  bool openNext();
  EofOutcome onEndOfFile();
  void closeCurrent();
  void planAfterRotation();
  bool refreshHead();
  std::optional<SiblingFile> findCopyOfTruncated() const;
  void setHead(std::string head);

  std::string path_;
  std::size_t maxLineBytes_;
  LineSplitter splitter_;
  std::deque<Planned> queue_;
  int fd_ = -1;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;
  std::int64_t mtimeNs_ = 0;
  bool currentRotated_ = false;
  bool finishing_ = false;
  std::uint64_t readOffset_ = 0;
  std::uint64_t consumedOffset_ = 0;
  std::string head_;  // first bytes of the current file, to recognise copies and rewrites
  std::uint64_t headHash_ = 0;
  bool missing_ = false;
  bool reportedUnreadable_ = false;
  TailerEvents events_;
  std::vector<char> chunk_;
};

}  // namespace cairn::logship

#pragma once
// Sources of log entries. A source yields entries one at a time, each with the position to
// persist once Loki has acknowledged it (and everything before it in that source). Sources are
// polled by one thread (the shipper's); none of them is thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "appliance/metrics/metrics.hpp"
#include "monitoring/logship/file_tailer.hpp"

namespace cairn::logship {

// Where a source resumes: a file position, or a journal cursor.
struct SourcePosition {
  std::optional<FilePosition> file;
  std::string cursor;
};

struct LogEntry {
  std::shared_ptr<const std::string> labels;  // the stream's label set as a JSON object text
  std::int64_t timestampNs = 0;
  // The line has no time of its own (plain and nginx error lines): the shipper stamps it so
  // that the same line read again after a crash gets the same time (see Shipper).
  bool stampedAtRead = false;
  std::string line;
  SourcePosition after;  // resume here once this entry is acknowledged
};

// The label set {"a":"b",...} as Loki expects it, names sorted, values escaped.
std::string labelsJson(const std::map<std::string, std::string>& labels);

// Live counters of one source, owned by a metrics::Registry.
struct SourceMetrics {
  metrics::Counter* linesRead = nullptr;
  metrics::Counter* bytesRead = nullptr;
  metrics::Counter* malformed = nullptr;   // shipped raw
  metrics::Counter* truncated = nullptr;   // cut to the maximum line size and marked
  metrics::Counter* rotations = nullptr;
  metrics::Counter* truncations = nullptr;
  metrics::Counter* lostFiles = nullptr;
  metrics::Counter* unreadable = nullptr;
  metrics::Counter* recoveredCopies = nullptr;
  metrics::Counter* dropped = nullptr;     // could not be shipped at all (reason "unparsable")
  // cairn_logship_losses_total and _bytes_lost_total{source,reason}, for each reason a tailer
  // reports ("deleted", "truncated").
  struct Loss {
    metrics::Counter* times = nullptr;
    metrics::Counter* bytes = nullptr;
  };
  std::map<std::string, Loss> losses;
};
SourceMetrics registerSourceMetrics(metrics::Registry& registry, const std::string& sourceName);

class Source {
 public:
  virtual ~Source() = default;
  // Key of this source's entry in the positions file.
  virtual const std::string& key() const = 0;
  // Short name for metrics and logs ("nginx_access", "container:cairn-postgres", "journal").
  virtual const std::string& name() const = 0;
  // The next entry ready to ship; false when there is none now. `nowNs` is wall time, used for
  // lines without a timestamp of their own and to flush joined lines that waited long enough.
  virtual bool next(LogEntry& entry, std::int64_t nowNs) = 0;
  // True once the source is gone for good and everything it had was returned.
  virtual bool finished() const { return false; }
};

enum class FileFormat { kDocker, kNginxAccess, kNginxError, kRaw };
std::optional<FileFormat> fileFormatFromName(const std::string& name);

struct FileSourceOptions {
  std::size_t maxLineBytes = 256 * 1024;
  bool joinContinuations = false;     // indented lines and Python tracebacks join the line before
  std::int64_t flushAfterNs = 1'000'000'000;  // a joined or partial line waits at most this long
  RotateWait rotateWait;  // for plain files; Docker reopens its json-file itself, at once
};

// A log file (Docker json-file, nginx JSON access log, nginx error log or plain lines). Docker
// records are split into the streams stdout and stderr (label "stream"); partial records (lines
// over 16 KiB) are joined. Lines that are not valid records are shipped raw and counted.
class FileSource final : public Source {
 public:
  FileSource(std::string key, std::string name, const std::string& path, FileFormat format,
             std::map<std::string, std::string> labels, FileSourceOptions options,
             const std::optional<FilePosition>& saved, SourceMetrics metrics);

  const std::string& key() const override { return key_; }
  const std::string& name() const override { return name_; }
  bool next(LogEntry& entry, std::int64_t nowNs) override;
  bool finished() const override;
  std::uint64_t unreadBytes() const { return tailer_.unreadBytes(); }

 private:
  struct Pending {
    bool active = false;
    std::string text;
    std::size_t originalBytes = 0;
    std::int64_t timestampNs = 0;
    bool stampedAtRead = false;
    std::int64_t sinceNs = 0;          // when it started waiting
    FilePosition start;                // position before its first line
    FilePosition after;                // position after its last line
    bool inTraceback = false;
  };
  struct StreamState {
    std::shared_ptr<const std::string> labels;
    Pending partial;   // Docker partial records not yet ended by '\n'
    Pending logical;   // a complete line waiting for continuation lines
  };

  void accept(SplitLine& line, const FilePosition& after, std::int64_t nowNs);
  void completeLine(std::size_t stream, Pending&& line);
  void emit(std::size_t stream, Pending&& pending);
  void flushStale(std::int64_t nowNs, bool all);
  void syncMetrics();
  void reportNotices();
  FilePosition safePosition(const FilePosition& after) const;

  std::string key_;
  std::string name_;
  FileFormat format_;
  FileSourceOptions options_;
  FileTailer tailer_;
  SourceMetrics metrics_;
  StreamState streams_[2];  // 0 stdout (or the only stream), 1 stderr
  std::deque<LogEntry> ready_;
  FilePosition lastAfter_;
  TailerEvents seenEvents_;
};

}  // namespace cairn::logship

#pragma once
// The journal entries of chosen units, read from `journalctl -o json --follow` and resumed from
// the cursor of the last acknowledged entry. The parsing and the command line are pure
// functions; JournalSource owns the child process.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "monitoring/logship/line_splitter.hpp"
#include "monitoring/logship/source.hpp"

namespace cairn::logship {

struct JournalEntry {
  std::string cursor;
  std::string unit;
  std::string message;
  std::int64_t timestampNs = 0;
};

// One line of `journalctl -o json`. MESSAGE may be a string, an array of bytes (binary data) or
// null; the unit comes from _SYSTEMD_UNIT, else UNIT, else SYSLOG_IDENTIFIER. nullopt when the
// line is not an object with a __CURSOR.
std::optional<JournalEntry> parseJournalEntry(std::string_view line);

// The command to run: `command` + output options + the cursor to start after (or, with no cursor,
// the last `sinceWhenNew`), + one -u per unit pattern.
std::vector<std::string> journalCommand(const std::vector<std::string>& command, const std::vector<std::string>& units,
                                        const std::string& cursor, const std::string& sinceWhenNew);

struct JournalOptions {
  std::vector<std::string> command = {"journalctl"};
  std::vector<std::string> units;
  std::string sinceWhenNew = "-1h";
  std::size_t maxLineBytes = 256 * 1024;
  std::int64_t restartAfterNs = 5'000'000'000;
};

class JournalSource final : public Source {
 public:
  JournalSource(JournalOptions options, std::map<std::string, std::string> labels, std::string savedCursor,
                SourceMetrics metrics, metrics::Counter* restarts);
  ~JournalSource() override;
  JournalSource(const JournalSource&) = delete;
  JournalSource& operator=(const JournalSource&) = delete;

  const std::string& key() const override { return key_; }
  const std::string& name() const override { return key_; }
  bool next(LogEntry& entry, std::int64_t nowNs) override;

 private:
  bool start();
  void stop();
  std::shared_ptr<const std::string> labelsFor(const std::string& unit);

  std::string key_ = "journal";
  JournalOptions options_;
  std::map<std::string, std::string> baseLabels_;
  std::map<std::string, std::shared_ptr<const std::string>> unitLabels_;
  std::string cursor_;  // of the last entry returned
  SourceMetrics metrics_;
  metrics::Counter* restarts_;
  LineSplitter splitter_;
  pid_t child_ = -1;
  int pipe_ = -1;
  std::int64_t nextStartNs_ = 0;
  bool warned_ = false;  // since the last entry read
  std::vector<char> chunk_;
};

}  // namespace cairn::logship

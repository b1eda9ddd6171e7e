#pragma once
// The positions file: per source, where shipping resumes (file identity and offset, or journal
// cursor). Written atomically (temporary file, fsync, rename) and only with positions Loki has
// acknowledged.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "appliance/core/result.hpp"
#include "monitoring/logship/source.hpp"

namespace cairn::logship {

using PositionMap = std::map<std::string, SourcePosition>;

// The time base of a batch not yet acknowledged, per source: its lines without a time of their
// own are stamped anchorNs + 0, 1, 2, ... in read order from `from` (where the run of lines
// starts; none for a source never acknowledged). Written before the push, so that after a crash
// the same lines get the same times and Loki drops them as exact duplicates. With several
// batches in flight a source has one segment per batch, oldest first.
struct BatchStamp {
  std::optional<SourcePosition> from;
  std::int64_t anchorNs = 0;
};
using StampMap = std::map<std::string, std::vector<BatchStamp>>;
bool samePosition(const std::optional<SourcePosition>& a, const std::optional<SourcePosition>& b);
// {"version":2,"stamps":{"<key>":[{"from":<position>|null,"anchor_ns":..},...]}}
std::string renderStamps(const StampMap& stamps);
Result<StampMap> parseStamps(const std::string& text);

// {"version":1,"positions":{"<key>":{"device":..,"inode":..,"offset":..,"mtime_ns":..}|{"cursor":".."}}}
std::string renderPositions(const PositionMap& positions);
// kInvalidInput naming what is wrong when the text is not such a document.
Result<PositionMap> parsePositions(const std::string& text);

class PositionStore {
 public:
  explicit PositionStore(std::string path) : path_(std::move(path)) {}
  // Reads the file. A missing file is an empty map; a corrupt one is kept aside as
  // "<path>.corrupt" and reported through the error (the caller starts from scratch).
  Result<PositionMap> load() const;
  Status save(const PositionMap& positions) const;
  // Removes the ".<name>.tmp-*" files a crash during save() left beside the file; returns how many.
  std::size_t removeLeftoverTemporaries() const;
  // "<path>.stamps", replaced atomically (mode 0600) like the positions. A missing or unreadable
  // file is an empty map: the worst case is then duplicates in Loki, never a lost line.
  StampMap loadStamps() const;
  Status saveStamps(const StampMap& stamps) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cairn::logship

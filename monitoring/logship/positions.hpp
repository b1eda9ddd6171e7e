#pragma once
// The positions file: per source, where shipping resumes (file identity and offset, or journal
// cursor). Written atomically (temporary file, fsync, rename) and only with positions Loki has
// acknowledged.

#include <map>
#include <string>

#include "appliance/core/result.hpp"
#include "monitoring/logship/source.hpp"

namespace cairn::logship {

using PositionMap = std::map<std::string, SourcePosition>;

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
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cairn::logship

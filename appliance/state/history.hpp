#pragma once
// The last applied bundles, newest last, kept under /var/lib/cairn/history (mode 0700, since
// bundles can hold secrets). `cairnctl apply --rollback` re-applies the one before the newest.

#include <optional>
#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/core/result.hpp"

namespace cairn::state {

class History {
 public:
  History(std::string directory, std::size_t keep) : directory_(std::move(directory)), keep_(keep) {}

  // Stores `bundle` as the newest entry and prunes all but the newest `keep` entries.
  Status record(const bundle::Bundle& bundle);
  // Entry numbers, oldest first.
  std::vector<long> entries() const;
  // The newest entry (the bundle now applied), or nullopt when nothing was ever applied.
  Result<std::optional<bundle::Bundle>> latest() const;
  Result<bundle::Bundle> load(long entry) const;
  // Forgets the newest entry (after a rollback made the one before it current).
  Status dropLatest();

 private:
  std::string fileOf(long entry) const;
  std::string directory_;
  std::size_t keep_;
};

}  // namespace cairn::state

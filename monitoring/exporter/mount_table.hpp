#pragma once
// The host's mount table for the filesystem collector. mountinfo grows with every container's
// overlay mount and is costly to generate and parse, yet changes rarely; procfs tells when it
// changed (a mountinfo descriptor polls POLLPRI|POLLERR after a mount or unmount in its
// namespace, proc(5)), so the table is parsed again only then.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "monitoring/exporter/node_parsers.hpp"

namespace cairn::exporter {

struct MountTableSnapshot {
  std::vector<Mount> reported;  // after node_exporter's exclusions (reportedMounts)
  bool complete = true;         // false when a line of mountinfo was malformed
};

// Thread-safe. Keeps the first of `candidates` that opens; a file that cannot signal changes
// (a fixture tree's regular file) is read and parsed on every call.
class MountTable {
 public:
  explicit MountTable(std::vector<std::string> candidates);
  ~MountTable();
  MountTable(const MountTable&) = delete;
  MountTable& operator=(const MountTable&) = delete;

  // The current table, or nullptr when no candidate can be read (then tried again next time).
  std::shared_ptr<const MountTableSnapshot> current();

 private:
  bool changedSinceLastRead();
  void close();

  std::vector<std::string> candidates_;
  std::mutex mutex_;
  int fd_ = -1;
  bool signalsChanges_ = false;
  std::shared_ptr<const MountTableSnapshot> cached_;
};

}  // namespace cairn::exporter

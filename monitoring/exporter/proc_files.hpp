#pragma once
// The exporter's one read path for /proc, /sys and cgroup files: a plain read(2) loop, because
// these files report size 0 and are read many times per scrape (iostreams cost more than the
// kernel does here).

#include <optional>
#include <string>

namespace cairn::exporter {

// The whole file, or nullopt when it is absent or unreadable.
std::optional<std::string> readProcFile(const std::string& path);
bool isDirectory(const std::string& path);

// A directory opened once so that reading several files in it costs one path lookup (cgroup
// paths are long and every lookup walks them). A directory that cannot be opened reads as empty.
class OpenDirectory {
 public:
  explicit OpenDirectory(const std::string& path);
  ~OpenDirectory();
  OpenDirectory(const OpenDirectory&) = delete;
  OpenDirectory& operator=(const OpenDirectory&) = delete;
  bool isOpen() const { return fd_ >= 0; }
  // The whole file `name` in this directory, or nullopt.
  std::optional<std::string> read(const char* name) const;

 private:
  int fd_ = -1;
};

}  // namespace cairn::exporter

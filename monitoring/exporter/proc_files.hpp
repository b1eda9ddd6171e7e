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

}  // namespace cairn::exporter

#pragma once
// node_exporter's default Linux collectors that cairn-exporter implements, reading files under a
// configurable /proc and /sys root (tests point them at recorded fixture trees).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "appliance/host/clock.hpp"
#include "monitoring/exporter/collector.hpp"
#include "monitoring/exporter/node_parsers.hpp"
#include "monitoring/exporter/proc_files.hpp"

namespace cairn::exporter {

struct NodeSources {
  std::string procRoot = "/proc";
  std::string sysRoot = "/sys";
  // statfs(2) of a mount point as the host sees it; nullopt when it fails.
  std::function<std::optional<FilesystemStats>(const std::string& mountPoint)> statFilesystem;
  std::function<Uname()> uname;
  // Local time zone name and offset from UTC in seconds at `unixSeconds`.
  std::function<std::pair<std::string, double>(double unixSeconds)> timeZone;
  const host::Clock* clock = nullptr;  // not owned; must outlive the collectors
  std::shared_ptr<ProcFileReader> files = std::make_shared<ProcFileReader>();
  // netclass from one rtnetlink dump (plus sysfs duplex/speed) instead of sysfs alone.
  bool netlinkForNetClass = false;
};

// statfs/uname/localtime of this machine, statfs below `rootfs` ("/" for the host itself).
NodeSources hostNodeSources(std::string procRoot, std::string sysRoot, const host::Clock& clock,
                            std::string rootfs = "/");

// conntrack, cpu, diskstats, filefd, filesystem, loadavg, meminfo, netclass, netdev, pressure,
// stat, time, uname, vmstat — in that order.
std::vector<std::unique_ptr<Collector>> makeNodeCollectors(const NodeSources& sources);

}  // namespace cairn::exporter

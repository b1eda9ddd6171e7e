#pragma once
// A container's cgroup: where its files are (cgroup v1 per controller, or the v2 unified tree;
// cgroupfs "/docker/<id>" and systemd "/system.slice/docker-<id>.scope" alike, since the path
// comes from /proc/<pid>/cgroup), and the statistics cAdvisor reads from them.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "monitoring/exporter/proc_files.hpp"

namespace cairn::exporter {

struct CgroupLocation {
  bool unified = false;  // cgroup v2
  std::string path;      // the cgroup path, cAdvisor's `id` label ("/docker/<id>")
  // v1: controller ("memory", "cpuacct", "cpu", "blkio", "pids") → directory; v2: "" → directory.
  std::map<std::string, std::string> directories;
  // "" when the controller is not mounted.
  const std::string& directory(const std::string& controller) const {
    static const std::string kNone;
    auto it = directories.find(unified ? kNone : controller);
    return it == directories.end() ? kNone : it->second;
  }
};

// From the content of /proc/<pid>/cgroup. A hierarchy's directory is the first of
// <sysRoot>/fs/cgroup/<controllers as listed> and <sysRoot>/fs/cgroup/<controller> that exists;
// v2 lives at <sysRoot>/fs/cgroup or, on hybrid hosts, <sysRoot>/fs/cgroup/unified.
// nullopt when no usable hierarchy is found.
std::optional<CgroupLocation> locateCgroup(std::string_view procPidCgroup, const std::string& sysRoot);

struct BlockIo {
  std::string device;  // "major:minor"
  double readBytes = 0, writeBytes = 0, reads = 0, writes = 0;
};

// Everything in seconds and bytes. Absent optionals are not exported.
struct CgroupStats {
  std::vector<std::pair<std::string, double>> cpuUsage;  // ("cpu00", s) per CPU on v1, ("total", s) on v2
  std::optional<double> cpuUser, cpuSystem;
  std::optional<double> cfsPeriods, cfsThrottledPeriods, cfsThrottledSeconds;  // only with a quota
  std::optional<double> memoryUsage, memoryMaxUsage, memoryWorkingSet, memoryRss, memoryCache, memoryMappedFile,
      memorySwap, memoryFailcnt, memoryLimit;
  std::vector<BlockIo> blockIo;
  std::optional<double> threads, threadsMax;
  bool complete = true;  // false when a file was missing or malformed
};

// Reads the statistics of one container; a vanished cgroup gives complete=false.
CgroupStats readCgroupStats(const CgroupLocation& location, ProcFileReader& reader);

// Pure parsers of the cgroup file formats (kernel Documentation/admin-guide/cgroup-v1 and -v2).
// "key value" lines (memory.stat, cpu.stat, cpuacct.stat).
std::map<std::string, double> parseFlatKeyed(std::string_view text, bool& complete);
// blkio.throttle.io_service_bytes_recursive / io_serviced_recursive ("8:0 Read 4096").
std::map<std::string, std::pair<double, double>> parseBlkio(std::string_view text, bool& complete);
// io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0").
std::vector<BlockIo> parseIoStat(std::string_view text, bool& complete);
// One number, or "max" (→ nullopt with ok=true); a memory limit above 2^62 counts as unlimited.
std::optional<double> parseLimit(std::string_view text, bool& ok);

}  // namespace cairn::exporter

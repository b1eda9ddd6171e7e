#pragma once
// Pure parsers for the /proc and /sys files node_exporter reads, producing families with
// node_exporter's names, types, labels and default exclusions
// (reference: node_exporter collector/*_linux.go). Each takes file content and returns what it
// understood; `complete` (or the bool result) is false when a line or field was malformed.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitoring/exporter/collector.hpp"

namespace cairn::exporter {

// One per-CPU line of /proc/stat, in seconds (ticks / USER_HZ).
struct CpuTimes {
  std::string cpu;  // "0", "1", ...
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  double guest = 0, guestNice = 0;
};

struct ProcStat {
  std::vector<CpuTimes> cpus;
  std::optional<double> bootTime, contextSwitches, forks, interrupts, procsRunning, procsBlocked;
  bool complete = true;
};

ProcStat parseProcStat(std::string_view text);
// node_cpu_seconds_total{cpu,mode} and node_cpu_guest_seconds_total{cpu,mode}.
std::vector<MetricFamily> cpuFamilies(const std::vector<CpuTimes>& cpus);
// node_boot_time_seconds, node_context_switches_total, node_forks_total, node_intr_total,
// node_procs_running, node_procs_blocked (each only when present).
std::vector<MetricFamily> statFamilies(const ProcStat& stat);

// Keeps node_cpu_seconds_total from going backwards, as node_exporter does: a lower value keeps
// the previous one, unless idle dropped by 3 s or more (CPU hotplug), which resets that CPU.
// Thread-safe.
class CpuCounterGuard {
 public:
  std::vector<CpuTimes> apply(const std::vector<CpuTimes>& current);

 private:
  std::mutex mutex_;
  std::vector<CpuTimes> last_;
};

// node_memory_<Field>_bytes from /proc/meminfo ("Active(anon)" → Active_anon; no unit → no _bytes).
bool parseMeminfo(std::string_view text, std::vector<MetricFamily>& out);
// node_load1/5/15.
bool parseLoadavg(std::string_view text, std::vector<MetricFamily>& out);
// node_vmstat_<key> (untyped) for keys matching ^(oom_kill|pgpg|pswp|pg.*fault).
bool parseVmstat(std::string_view text, std::vector<MetricFamily>& out);
// node_filefd_allocated / node_filefd_maximum from /proc/sys/fs/file-nr.
bool parseFileNr(std::string_view text, std::vector<MetricFamily>& out);

// node_nf_conntrack_entries / _entries_limit from nf_conntrack_count and nf_conntrack_max.
bool parseConntrack(std::string_view count, std::string_view max, std::vector<MetricFamily>& out);

// node_pressure_* from one /proc/pressure/<resource> file ("cpu", "io", "memory", "irq").
bool parsePressure(std::string_view resource, std::string_view text, std::vector<MetricFamily>& out);

// node_disk_* from /proc/diskstats, skipping devices node_exporter ignores by default
// (partitions, ram, zram, loop, fd).
bool parseDiskstats(std::string_view text, std::vector<MetricFamily>& out);
bool isIgnoredDisk(std::string_view device);
// "major:minor" → device name, for every line of /proc/diskstats.
std::vector<std::pair<std::string, std::string>> diskNamesByNumber(std::string_view diskstats);

// node_network_{receive,transmit}_*_total{device} from a /proc/net/dev table (nothing excluded).
bool parseNetDev(std::string_view text, std::vector<MetricFamily>& out);

// One row of a /proc/net/dev table.
struct InterfaceCounters {
  std::string device;
  std::vector<double> receive;   // bytes packets errs drop fifo frame compressed multicast
  std::vector<double> transmit;  // bytes packets errs drop fifo colls carrier compressed
};
std::vector<InterfaceCounters> parseNetDevTable(std::string_view text, bool& complete);

// One line of /proc/<pid>/mountinfo.
struct Mount {
  std::string device, major, minor, mountPoint, fsType, options;
};
std::vector<Mount> parseMountinfo(std::string_view text, bool& complete);
// node_exporter's default exclusions (mount points under /dev, /proc, /sys, /run/credentials,
// /var/lib/docker/..., pseudo file systems; tmpfs is kept) and one entry per mount point
// (the last one mounted there wins).
std::vector<Mount> reportedMounts(const std::vector<Mount>& mounts);

struct FilesystemStats {
  double size = 0, free = 0, avail = 0, files = 0, filesFree = 0;
};
// A mount with its statfs result, or nullopt when statfs failed (device_error=1).
struct MountStats {
  Mount mount;
  std::optional<FilesystemStats> stats;
};
std::vector<MetricFamily> filesystemFamilies(const std::vector<MountStats>& mounts);

// One /sys/class/net/<device>: attribute name → trimmed content, for the attributes that could
// be read (carrier and speed fail on a device that is down).
struct NetClassDevice {
  std::string device;
  std::map<std::string, std::string> attributes;
};
// The netclass attributes read per device.
const std::vector<const char*>& netClassAttributes();
// node_network_info{address,broadcast,device,duplex,ifalias,operstate}, node_network_up,
// node_network_mtu_bytes, node_network_carrier, node_network_carrier_changes_total,
// node_network_speed_bytes (Mbit/s × 125000) and node_network_transmit_queue_length.
std::vector<MetricFamily> netClassFamilies(const std::vector<NetClassDevice>& devices, bool& complete);

struct Uname {
  std::string sysname, release, version, machine, nodename, domainname;
};
std::vector<MetricFamily> unameFamilies(const Uname& uname);

// node_time_seconds and node_time_zone_offset_seconds{time_zone}.
std::vector<MetricFamily> timeFamilies(double unixSeconds, const std::string& zone, double offsetSeconds);

}  // namespace cairn::exporter

#include "monitoring/exporter/node_parsers.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>

namespace cairn::exporter {
namespace {

constexpr double kUserHz = 100.0;

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.substr(0, prefix.size()) == prefix;
}

// Undoes the octal escapes of /proc/*/mountinfo ("\040" for a space).
std::string unescapeOctal(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      std::string_view digits = text.substr(i + 1, 3);
      if (digits.size() == 3 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '7'; })) {
        out += static_cast<char>((digits[0] - '0') * 64 + (digits[1] - '0') * 8 + (digits[2] - '0'));
        i += 3;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace

ProcStat parseProcStat(std::string_view text) {
  ProcStat stat;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty()) continue;
    std::string_view key = fields[0];
    if (startsWith(key, "cpu")) {
      if (key == "cpu") continue;  // the aggregate line is not exported
      double values[10] = {};
      bool ok = fields.size() >= 5;
      for (std::size_t i = 1; ok && i < fields.size() && i <= 10; ++i) ok = parseNumber(fields[i], values[i - 1]);
      if (!ok) {
        stat.complete = false;
        continue;
      }
      CpuTimes cpu;
      cpu.cpu = std::string(key.substr(3));
      double* targets[] = {&cpu.user, &cpu.nice, &cpu.system, &cpu.idle, &cpu.iowait, &cpu.irq,
                           &cpu.softirq, &cpu.steal, &cpu.guest, &cpu.guestNice};
      for (int i = 0; i < 10; ++i) *targets[i] = values[i] / kUserHz;
      stat.cpus.push_back(std::move(cpu));
      continue;
    }
    std::optional<double>* target = nullptr;
    if (key == "btime") target = &stat.bootTime;
    else if (key == "ctxt") target = &stat.contextSwitches;
    else if (key == "processes") target = &stat.forks;
    else if (key == "intr") target = &stat.interrupts;
    else if (key == "procs_running") target = &stat.procsRunning;
    else if (key == "procs_blocked") target = &stat.procsBlocked;
    if (!target) continue;
    double value = 0;
    if (fields.size() < 2 || !parseNumber(fields[1], value)) {
      stat.complete = false;
      continue;
    }
    *target = value;
  }
  if (stat.cpus.empty()) stat.complete = false;
  return stat;
}

std::vector<MetricFamily> cpuFamilies(const std::vector<CpuTimes>& cpus) {
  MetricFamily seconds = makeFamily("node_cpu_seconds_total", "Seconds the CPUs spent in each mode.",
                                    MetricType::kCounter);
  MetricFamily guest = makeFamily("node_cpu_guest_seconds_total",
                                  "Seconds the CPUs spent in guests (VMs) for each mode.", MetricType::kCounter);
  for (const auto& cpu : cpus) {
    const std::pair<const char*, double> modes[] = {{"idle", cpu.idle},     {"iowait", cpu.iowait},
                                                    {"irq", cpu.irq},       {"nice", cpu.nice},
                                                    {"softirq", cpu.softirq}, {"steal", cpu.steal},
                                                    {"system", cpu.system}, {"user", cpu.user}};
    for (const auto& [mode, value] : modes) addSample(seconds, {{"cpu", cpu.cpu}, {"mode", mode}}, value);
    addSample(guest, {{"cpu", cpu.cpu}, {"mode", "nice"}}, cpu.guestNice);
    addSample(guest, {{"cpu", cpu.cpu}, {"mode", "user"}}, cpu.guest);
  }
  return {std::move(guest), std::move(seconds)};
}

std::vector<MetricFamily> statFamilies(const ProcStat& stat) {
  std::vector<MetricFamily> out;
  auto add = [&](const std::optional<double>& value, const char* name, const char* help, MetricType type) {
    if (!value) return;
    out.push_back(makeFamily(name, help, type));
    addSample(out.back(), {}, *value);
  };
  add(stat.bootTime, "node_boot_time_seconds", "Node boot time, in unixtime.", MetricType::kGauge);
  add(stat.contextSwitches, "node_context_switches_total", "Total number of context switches.",
      MetricType::kCounter);
  add(stat.forks, "node_forks_total", "Total number of forks.", MetricType::kCounter);
  add(stat.interrupts, "node_intr_total", "Total number of interrupts serviced.", MetricType::kCounter);
  add(stat.procsBlocked, "node_procs_blocked", "Number of processes blocked waiting for I/O to complete.",
      MetricType::kGauge);
  add(stat.procsRunning, "node_procs_running", "Number of processes in runnable state.", MetricType::kGauge);
  return out;
}

std::vector<CpuTimes> CpuCounterGuard::apply(const std::vector<CpuTimes>& current) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<CpuTimes> result = current;
  for (auto& cpu : result) {
    auto previous = std::find_if(last_.begin(), last_.end(), [&](const CpuTimes& c) { return c.cpu == cpu.cpu; });
    if (previous == last_.end()) continue;
    if (previous->idle - cpu.idle >= 3.0) continue;  // hotplug: start over from the new values
    double* now[] = {&cpu.user, &cpu.nice, &cpu.system, &cpu.idle, &cpu.iowait, &cpu.irq,
                     &cpu.softirq, &cpu.steal, &cpu.guest, &cpu.guestNice};
    const double before[] = {previous->user, previous->nice, previous->system, previous->idle,
                             previous->iowait, previous->irq, previous->softirq, previous->steal,
                             previous->guest, previous->guestNice};
    for (int i = 0; i < 10; ++i) *now[i] = std::max(*now[i], before[i]);
  }
  last_ = result;
  return result;
}

bool parseMeminfo(std::string_view text, std::vector<MetricFamily>& out) {
  bool complete = true;
  bool any = false;
  for (std::string_view line : splitLines(text)) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      if (!splitFields(line).empty()) complete = false;
      continue;
    }
    auto fields = splitFields(line.substr(colon + 1));
    double value = 0;
    if (fields.empty() || fields.size() > 2 || !parseNumber(fields[0], value)) {
      complete = false;
      continue;
    }
    std::string name;
    for (char c : line.substr(0, colon)) {
      if (c == '(') name += '_';
      else if (c != ')') name += c;
    }
    if (fields.size() == 2) {
      if (fields[1] != "kB") {
        complete = false;
        continue;
      }
      value *= 1024;
      name += "_bytes";
    }
    if (!metrics::isValidMetricName("node_memory_" + name)) {
      complete = false;
      continue;
    }
    MetricFamily family = makeFamily("node_memory_" + name, "Memory information field " + name + ".",
                                     MetricType::kGauge);
    addSample(family, {}, value);
    out.push_back(std::move(family));
    any = true;
  }
  return complete && any;
}

bool parseLoadavg(std::string_view text, std::vector<MetricFamily>& out) {
  auto fields = splitFields(text.substr(0, text.find('\n')));
  const char* names[] = {"node_load1", "node_load5", "node_load15"};
  const char* helps[] = {"1m load average.", "5m load average.", "15m load average."};
  if (fields.size() < 3) return false;
  double values[3];
  for (int i = 0; i < 3; ++i) {
    if (!parseNumber(fields[static_cast<std::size_t>(i)], values[i])) return false;
  }
  for (int i = 0; i < 3; ++i) {
    out.push_back(makeFamily(names[i], helps[i], MetricType::kGauge));
    addSample(out.back(), {}, values[i]);
  }
  return true;
}

bool parseVmstat(std::string_view text, std::vector<MetricFamily>& out) {
  bool complete = true;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty()) continue;
    std::string_view key = fields[0];
    bool wanted = startsWith(key, "oom_kill") || startsWith(key, "pgpg") || startsWith(key, "pswp") ||
                  (startsWith(key, "pg") && key.find("fault", 2) != std::string_view::npos);
    if (!wanted) continue;
    double value = 0;
    if (fields.size() != 2 || !parseNumber(fields[1], value)) {
      complete = false;
      continue;
    }
    std::string name(key);
    out.push_back(makeFamily("node_vmstat_" + name, "/proc/vmstat information field " + name + ".",
                             MetricType::kUntyped));
    addSample(out.back(), {}, value);
  }
  return complete;
}

bool parseFileNr(std::string_view text, std::vector<MetricFamily>& out) {
  auto fields = splitFields(text.substr(0, text.find('\n')));
  double allocated = 0, maximum = 0;
  if (fields.size() != 3 || !parseNumber(fields[0], allocated) || !parseNumber(fields[2], maximum)) return false;
  out.push_back(makeFamily("node_filefd_allocated", "File descriptor statistics: allocated.", MetricType::kGauge));
  addSample(out.back(), {}, allocated);
  out.push_back(makeFamily("node_filefd_maximum", "File descriptor statistics: maximum.", MetricType::kGauge));
  addSample(out.back(), {}, maximum);
  return true;
}

bool parseConntrack(std::string_view count, std::string_view max, std::vector<MetricFamily>& out) {
  auto countFields = splitFields(count.substr(0, count.find('\n')));
  auto maxFields = splitFields(max.substr(0, max.find('\n')));
  double entries = 0, limit = 0;
  if (countFields.size() != 1 || maxFields.size() != 1 || !parseNumber(countFields[0], entries) ||
      !parseNumber(maxFields[0], limit)) {
    return false;
  }
  out.push_back(makeFamily("node_nf_conntrack_entries",
                           "Number of currently allocated flow entries for connection tracking.", MetricType::kGauge));
  addSample(out.back(), {}, entries);
  out.push_back(makeFamily("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.",
                           MetricType::kGauge));
  addSample(out.back(), {}, limit);
  return true;
}

bool parsePressure(std::string_view resource, std::string_view text, std::vector<MetricFamily>& out) {
  bool complete = true;
  bool any = false;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty()) continue;
    std::string_view kind = fields[0];
    std::string name;
    std::string help;
    std::string what = resource == "cpu" ? "CPU time" : resource == "io" ? "I/O" : resource == "memory" ? "memory" : "IRQ";
    if (kind == "some" && resource != "irq") {
      name = "node_pressure_" + std::string(resource) + "_waiting_seconds_total";
      help = "Total time in seconds that processes have waited for " + what;
    } else if (kind == "full" && resource != "cpu") {
      name = "node_pressure_" + std::string(resource) + "_stalled_seconds_total";
      help = "Total time in seconds no process could make progress due to " + what;
    } else if (kind == "some" || kind == "full") {
      continue;
    } else {
      complete = false;
      continue;
    }
    double total = -1;
    for (std::string_view field : fields) {
      if (startsWith(field, "total=") && !parseNumber(field.substr(6), total)) total = -1;
    }
    if (total < 0) {
      complete = false;
      continue;
    }
    out.push_back(makeFamily(name, help, MetricType::kCounter));
    addSample(out.back(), {}, total / 1e6);
    any = true;
  }
  return complete && any;
}

bool isIgnoredDisk(std::string_view device) {
  static const std::regex kIgnored(R"(^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)");
  return std::regex_match(device.begin(), device.end(), kIgnored);
}

bool parseDiskstats(std::string_view text, std::vector<MetricFamily>& out) {
  struct Column {
    const char* name;
    const char* help;
    double scale;  // sectors → bytes, ms → seconds
    MetricType type;
  };
  // Columns after "major minor device", in /proc/diskstats order.
  static const Column kColumns[] = {
      {"node_disk_reads_completed_total", "The total number of reads completed successfully.", 1, MetricType::kCounter},
      {"node_disk_reads_merged_total", "The total number of reads merged.", 1, MetricType::kCounter},
      {"node_disk_read_bytes_total", "The total number of bytes read successfully.", 512, MetricType::kCounter},
      {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.", 0.001, MetricType::kCounter},
      {"node_disk_writes_completed_total", "The total number of writes completed successfully.", 1, MetricType::kCounter},
      {"node_disk_writes_merged_total", "The number of writes merged.", 1, MetricType::kCounter},
      {"node_disk_written_bytes_total", "The total number of bytes written successfully.", 512, MetricType::kCounter},
      {"node_disk_write_time_seconds_total", "This is the total number of seconds spent by all writes.", 0.001, MetricType::kCounter},
      {"node_disk_io_now", "The number of I/Os currently in progress.", 1, MetricType::kGauge},
      {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", 0.001, MetricType::kCounter},
      {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.", 0.001, MetricType::kCounter},
      {"node_disk_discards_completed_total", "The total number of discards completed successfully.", 1, MetricType::kCounter},
      {"node_disk_discards_merged_total", "The total number of discards merged.", 1, MetricType::kCounter},
      {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.", 1, MetricType::kCounter},
      {"node_disk_discard_time_seconds_total", "This is the total number of seconds spent by all discards.", 0.001, MetricType::kCounter},
      {"node_disk_flush_requests_total", "The total number of flush requests completed successfully", 1, MetricType::kCounter},
      {"node_disk_flush_requests_time_seconds_total", "This is the total number of seconds spent by all flush requests.", 0.001, MetricType::kCounter},
  };
  constexpr std::size_t kColumnCount = sizeof(kColumns) / sizeof(kColumns[0]);
  std::vector<MetricFamily> families;
  for (const auto& column : kColumns) families.push_back(makeFamily(column.name, column.help, column.type));
  MetricFamily info = makeFamily("node_disk_info", "Info of /sys/block/<block_device>.", MetricType::kGauge);
  bool complete = true;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty()) continue;
    if (fields.size() < 14) {
      complete = false;
      continue;
    }
    std::string device(fields[2]);
    if (isIgnoredDisk(device)) continue;
    std::size_t columns = std::min(fields.size() - 3, kColumnCount);
    std::vector<double> values(columns);
    bool ok = true;
    for (std::size_t i = 0; i < columns && ok; ++i) ok = parseNumber(fields[i + 3], values[i]);
    if (!ok) {
      complete = false;
      continue;
    }
    for (std::size_t i = 0; i < columns; ++i) addSample(families[i], {{"device", device}}, values[i] * kColumns[i].scale);
    addSample(info,
              {{"device", device}, {"major", std::string(fields[0])}, {"minor", std::string(fields[1])},
               {"model", ""}, {"path", ""}, {"revision", ""}, {"serial", ""}, {"wwn", ""}},
              1);
  }
  families.push_back(std::move(info));
  for (auto& family : families) {
    if (!family.samples.empty()) out.push_back(std::move(family));
  }
  return complete;
}

std::vector<std::pair<std::string, std::string>> diskNamesByNumber(std::string_view diskstats) {
  std::vector<std::pair<std::string, std::string>> names;
  for (std::string_view line : splitLines(diskstats)) {
    auto fields = splitFields(line);
    if (fields.size() < 3) continue;
    names.emplace_back(std::string(fields[0]) + ":" + std::string(fields[1]), std::string(fields[2]));
  }
  return names;
}

std::vector<InterfaceCounters> parseNetDevTable(std::string_view text, bool& complete) {
  std::vector<InterfaceCounters> rows;
  complete = true;
  for (std::string_view line : splitLines(text)) {
    auto colon = line.find(':');
    if (line.find('|') != std::string_view::npos) continue;  // the two header lines
    if (colon == std::string_view::npos) {
      if (!splitFields(line).empty()) complete = false;
      continue;
    }
    auto nameFields = splitFields(line.substr(0, colon));
    auto fields = splitFields(line.substr(colon + 1));
    if (nameFields.size() != 1 || fields.size() != 16) {
      complete = false;
      continue;
    }
    InterfaceCounters row;
    row.device = std::string(nameFields[0]);
    bool ok = true;
    for (std::size_t i = 0; i < 16 && ok; ++i) {
      double value = 0;
      ok = parseNumber(fields[i], value);
      (i < 8 ? row.receive : row.transmit).push_back(value);
    }
    if (!ok) {
      complete = false;
      continue;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

bool parseNetDev(std::string_view text, std::vector<MetricFamily>& out) {
  static const char* kReceive[] = {"bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"};
  static const char* kTransmit[] = {"bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"};
  bool complete = true;
  auto rows = parseNetDevTable(text, complete);
  std::vector<MetricFamily> families;
  for (int direction = 0; direction < 2; ++direction) {
    for (int i = 0; i < 8; ++i) {
      std::string stat = std::string(direction == 0 ? "receive_" : "transmit_") + (direction == 0 ? kReceive[i] : kTransmit[i]);
      families.push_back(makeFamily("node_network_" + stat + "_total", "Network device statistic " + stat + ".",
                                    MetricType::kCounter));
    }
  }
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < 8; ++i) {
      addSample(families[i], {{"device", row.device}}, row.receive[i]);
      addSample(families[8 + i], {{"device", row.device}}, row.transmit[i]);
    }
  }
  if (!rows.empty()) {
    for (auto& family : families) out.push_back(std::move(family));
  }
  return complete && !rows.empty();
}

std::vector<Mount> parseMountinfo(std::string_view text, bool& complete) {
  std::vector<Mount> mounts;
  complete = true;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty()) continue;
    auto separator = std::find(fields.begin(), fields.end(), std::string_view("-"));
    std::size_t dash = static_cast<std::size_t>(separator - fields.begin());
    auto colon = fields.size() > 2 ? fields[2].find(':') : std::string_view::npos;
    if (fields.size() < 10 || dash < 6 || dash + 2 >= fields.size() || colon == std::string_view::npos) {
      complete = false;
      continue;
    }
    Mount mount;
    mount.major = std::string(fields[2].substr(0, colon));
    mount.minor = std::string(fields[2].substr(colon + 1));
    mount.mountPoint = unescapeOctal(fields[4]);
    mount.options = std::string(fields[5]);
    mount.fsType = std::string(fields[dash + 1]);
    mount.device = unescapeOctal(fields[dash + 2]);
    mounts.push_back(std::move(mount));
  }
  return mounts;
}

std::vector<Mount> reportedMounts(const std::vector<Mount>& mounts) {
  static const std::regex kIgnoredMountPoints(
      R"(^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/))");
  static const std::set<std::string> kIgnoredTypes = {
      "autofs", "binfmt_misc", "bpf",       "cgroup",    "cgroup2",    "configfs", "debugfs", "devpts",
      "devtmpfs", "fusectl",   "hugetlbfs", "iso9660",   "mqueue",     "nsfs",     "overlay", "proc",
      "procfs", "pstore",      "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs",   "sysfs",
      "tracefs"};
  std::vector<Mount> kept;
  for (const auto& mount : mounts) {
    if (kIgnoredTypes.count(mount.fsType) || std::regex_search(mount.mountPoint, kIgnoredMountPoints)) continue;
    auto same = std::find_if(kept.begin(), kept.end(), [&](const Mount& m) { return m.mountPoint == mount.mountPoint; });
    if (same != kept.end()) kept.erase(same);
    kept.push_back(mount);
  }
  return kept;
}

std::vector<MetricFamily> filesystemFamilies(const std::vector<MountStats>& mounts) {
  MetricFamily avail = makeFamily("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", MetricType::kGauge);
  MetricFamily deviceError = makeFamily("node_filesystem_device_error", "Whether an error occurred while getting statistics for the given device.", MetricType::kGauge);
  MetricFamily files = makeFamily("node_filesystem_files", "Filesystem total file nodes.", MetricType::kGauge);
  MetricFamily filesFree = makeFamily("node_filesystem_files_free", "Filesystem total free file nodes.", MetricType::kGauge);
  MetricFamily free = makeFamily("node_filesystem_free_bytes", "Filesystem free space in bytes.", MetricType::kGauge);
  MetricFamily mountInfo = makeFamily("node_filesystem_mount_info", "Filesystem mount information.", MetricType::kGauge);
  MetricFamily readonly = makeFamily("node_filesystem_readonly", "Filesystem read-only status.", MetricType::kGauge);
  MetricFamily size = makeFamily("node_filesystem_size_bytes", "Filesystem size in bytes.", MetricType::kGauge);
  for (const auto& entry : mounts) {
    const Mount& m = entry.mount;
    Labels labels = {{"device", m.device}, {"device_error", ""}, {"fstype", m.fsType}, {"mountpoint", m.mountPoint}};
    addSample(mountInfo, {{"device", m.device}, {"major", m.major}, {"minor", m.minor}, {"mountpoint", m.mountPoint}}, 1);
    addSample(deviceError, labels, entry.stats ? 0 : 1);
    bool ro = false;
    for (std::string_view option : [&] {
           std::vector<std::string_view> parts;
           std::string_view rest = m.options;
           while (!rest.empty()) {
             auto comma = rest.find(',');
             parts.push_back(rest.substr(0, comma));
             rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
           }
           return parts;
         }()) {
      ro = ro || option == "ro";
    }
    addSample(readonly, labels, ro ? 1 : 0);
    if (!entry.stats) continue;
    addSample(size, labels, entry.stats->size);
    addSample(free, labels, entry.stats->free);
    addSample(avail, labels, entry.stats->avail);
    addSample(files, labels, entry.stats->files);
    addSample(filesFree, labels, entry.stats->filesFree);
  }
  std::vector<MetricFamily> out;
  for (auto* family : {&avail, &deviceError, &files, &filesFree, &free, &mountInfo, &readonly, &size}) {
    if (!family->samples.empty()) out.push_back(std::move(*family));
  }
  return out;
}

const std::vector<const char*>& netClassAttributes() {
  static const std::vector<const char*> kAttributes = {"address", "broadcast", "carrier", "carrier_changes", "duplex",
                                                       "ifalias", "mtu", "operstate", "speed", "tx_queue_len"};
  return kAttributes;
}

std::vector<MetricFamily> netClassFamilies(const std::vector<NetClassDevice>& devices, bool& complete) {
  MetricFamily carrier = makeFamily("node_network_carrier", "Network device property: carrier", MetricType::kGauge);
  MetricFamily carrierChanges = makeFamily("node_network_carrier_changes_total", "Network device property: carrier_changes_total",
                                           MetricType::kCounter);
  MetricFamily info = makeFamily("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                                 MetricType::kGauge);
  MetricFamily mtu = makeFamily("node_network_mtu_bytes", "Network device property: mtu_bytes", MetricType::kGauge);
  MetricFamily speed = makeFamily("node_network_speed_bytes", "Network device property: speed_bytes", MetricType::kGauge);
  MetricFamily queue = makeFamily("node_network_transmit_queue_length", "Network device property: transmit_queue_length",
                                  MetricType::kGauge);
  MetricFamily up = makeFamily("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", MetricType::kGauge);
  for (const auto& device : devices) {
    auto text = [&](const char* name) {
      auto it = device.attributes.find(name);
      return it == device.attributes.end() ? std::string() : it->second;
    };
    Labels labels = {{"device", device.device}};
    addSample(info,
              {{"address", text("address")}, {"broadcast", text("broadcast")}, {"device", device.device},
               {"duplex", text("duplex")}, {"ifalias", text("ifalias")}, {"operstate", text("operstate")}},
              1);
    addSample(up, labels, text("operstate") == "up" ? 1 : 0);
    auto number = [&](const char* name, MetricFamily& family, double scale) {
      auto it = device.attributes.find(name);
      if (it == device.attributes.end()) return;
      double value = 0;
      if (it->second.empty() || !parseNumber(it->second[0] == '-' ? std::string_view(it->second).substr(1) : it->second, value)) {
        complete = false;
        return;
      }
      addSample(family, labels, (it->second[0] == '-' ? -value : value) * scale);
    };
    number("carrier", carrier, 1);
    number("carrier_changes", carrierChanges, 1);
    number("mtu", mtu, 1);
    number("speed", speed, 1000.0 * 1000.0 / 8.0);
    number("tx_queue_len", queue, 1);
  }
  std::vector<MetricFamily> out;
  for (auto* family : {&carrier, &carrierChanges, &info, &mtu, &speed, &queue, &up}) {
    if (!family->samples.empty()) out.push_back(std::move(*family));
  }
  return out;
}

std::vector<MetricFamily> unameFamilies(const Uname& uname) {
  MetricFamily info = makeFamily("node_uname_info", "Labeled system information as provided by the uname system call.",
                                 MetricType::kGauge);
  addSample(info,
            {{"domainname", uname.domainname}, {"machine", uname.machine}, {"nodename", uname.nodename},
             {"release", uname.release}, {"sysname", uname.sysname}, {"version", uname.version}},
            1);
  return {std::move(info)};
}

std::vector<MetricFamily> timeFamilies(double unixSeconds, const std::string& zone, double offsetSeconds) {
  MetricFamily now = makeFamily("node_time_seconds", "System time in seconds since epoch (1970).", MetricType::kGauge);
  addSample(now, {}, unixSeconds);
  MetricFamily offset = makeFamily("node_time_zone_offset_seconds", "System time zone offset in seconds.",
                                   MetricType::kGauge);
  addSample(offset, {{"time_zone", zone}}, offsetSeconds);
  return {std::move(now), std::move(offset)};
}

}  // namespace cairn::exporter

#include "monitoring/exporter/cgroup.hpp"

#include <cmath>
#include <cstdio>

#include "monitoring/exporter/collector.hpp"
#include "monitoring/exporter/proc_files.hpp"

namespace cairn::exporter {
namespace {

constexpr double kUserHz = 100.0;
constexpr double kUnlimited = 4611686018427387904.0;  // 2^62: larger limits mean "no limit"

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return text;
}

// A cgroup directory read through the reader; an empty path (controller not mounted) reads as absent.
struct CgroupDirectory {
  ProcFileReader& reader;
  std::string path;
  std::optional<std::string> read(const char* name) const {
    if (path.empty()) return std::nullopt;
    return reader.read(path + "/" + name);
  }
  bool exists() const { return !path.empty(); }
};

std::optional<double> readNumber(const CgroupDirectory& directory, const char* name, bool& complete) {
  auto content = directory.read(name);
  double value = 0;
  if (!content || !parseNumber(trimmed(*content), value)) {
    complete = false;
    return std::nullopt;
  }
  return value;
}

std::optional<double> valueOf(const std::map<std::string, double>& values, const std::string& key) {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

void setWorkingSet(CgroupStats& stats, const std::optional<double>& inactiveFile) {
  if (!stats.memoryUsage) return;
  double workingSet = *stats.memoryUsage - inactiveFile.value_or(0);
  stats.memoryWorkingSet = workingSet < 0 ? 0 : workingSet;
}

void readV1(const CgroupLocation& location, ProcFileReader& reader, CgroupStats& stats) {
  CgroupDirectory cpuacct{reader, location.directory("cpuacct")};
  if (auto percpu = cpuacct.read("cpuacct.usage_percpu")) {
    auto fields = splitFields(trimmed(*percpu));
    for (std::size_t i = 0; i < fields.size(); ++i) {
      double nanoseconds = 0;
      if (!parseNumber(fields[i], nanoseconds)) {
        stats.complete = false;
        continue;
      }
      if (nanoseconds == 0) continue;  // cAdvisor skips CPUs the container never ran on
      char name[32];
      std::snprintf(name, sizeof name, "cpu%02zu", i);
      stats.cpuUsage.emplace_back(name, nanoseconds / 1e9);
    }
  } else {
    stats.complete = false;
  }
  if (auto cpuStat = cpuacct.read("cpuacct.stat")) {
    auto values = parseFlatKeyed(*cpuStat, stats.complete);
    if (auto user = valueOf(values, "user")) stats.cpuUser = *user / kUserHz;
    if (auto system = valueOf(values, "system")) stats.cpuSystem = *system / kUserHz;
  } else {
    stats.complete = false;
  }
  CgroupDirectory cpu{reader, location.directory("cpu")};
  auto quota = cpu.read("cpu.cfs_quota_us");
  if (quota && trimmed(*quota) != "-1") {
    if (auto cpuStat = cpu.read("cpu.stat")) {
      auto values = parseFlatKeyed(*cpuStat, stats.complete);
      stats.cfsPeriods = valueOf(values, "nr_periods");
      stats.cfsThrottledPeriods = valueOf(values, "nr_throttled");
      if (auto throttled = valueOf(values, "throttled_time")) stats.cfsThrottledSeconds = *throttled / 1e9;
    }
  }
  CgroupDirectory memory{reader, location.directory("memory")};
  stats.memoryUsage = readNumber(memory, "memory.usage_in_bytes", stats.complete);
  stats.memoryMaxUsage = readNumber(memory, "memory.max_usage_in_bytes", stats.complete);
  stats.memoryFailcnt = readNumber(memory, "memory.failcnt", stats.complete);
  if (auto limit = readNumber(memory, "memory.limit_in_bytes", stats.complete)) {
    stats.memoryLimit = *limit > kUnlimited ? 0 : *limit;
  }
  if (auto memoryStat = memory.read("memory.stat")) {
    auto values = parseFlatKeyed(*memoryStat, stats.complete);
    bool hierarchical = values.count("total_rss") > 0;
    auto field = [&](const std::string& key) { return valueOf(values, (hierarchical ? "total_" : "") + key); };
    stats.memoryRss = field("rss");
    stats.memoryCache = field("cache");
    stats.memoryMappedFile = field("mapped_file");
    stats.memorySwap = field("swap");
    setWorkingSet(stats, field("inactive_file"));
  } else {
    stats.complete = false;
  }
  CgroupDirectory blkio{reader, location.directory("blkio")};
  auto bytes = blkio.read("blkio.throttle.io_service_bytes_recursive");
  auto ops = blkio.read("blkio.throttle.io_serviced_recursive");
  if (bytes && ops) {
    auto byteCounts = parseBlkio(*bytes, stats.complete);
    auto opCounts = parseBlkio(*ops, stats.complete);
    for (const auto& [device, readWrite] : byteCounts) {
      BlockIo io{device, readWrite.first, readWrite.second, 0, 0};
      auto opsOfDevice = opCounts.find(device);
      if (opsOfDevice != opCounts.end()) {
        io.reads = opsOfDevice->second.first;
        io.writes = opsOfDevice->second.second;
      }
      stats.blockIo.push_back(io);
    }
  } else if (blkio.exists()) {
    stats.complete = false;
  }
  CgroupDirectory pids{reader, location.directory("pids")};
  if (pids.exists()) {
    stats.threads = readNumber(pids, "pids.current", stats.complete);
    if (auto max = pids.read("pids.max")) {
      bool ok = true;
      stats.threadsMax = parseLimit(*max, ok).value_or(0);
      if (!ok) stats.complete = false;
    }
  }
}

void readV2(const CgroupLocation& location, ProcFileReader& reader, CgroupStats& stats) {
  CgroupDirectory dir{reader, location.directory("")};
  if (auto cpuStat = dir.read("cpu.stat")) {
    auto values = parseFlatKeyed(*cpuStat, stats.complete);
    if (auto usage = valueOf(values, "usage_usec")) stats.cpuUsage.emplace_back("total", *usage / 1e6);
    if (auto user = valueOf(values, "user_usec")) stats.cpuUser = *user / 1e6;
    if (auto system = valueOf(values, "system_usec")) stats.cpuSystem = *system / 1e6;
    auto quota = dir.read("cpu.max");
    if (quota && trimmed(*quota).substr(0, 3) != "max") {
      stats.cfsPeriods = valueOf(values, "nr_periods");
      stats.cfsThrottledPeriods = valueOf(values, "nr_throttled");
      if (auto throttled = valueOf(values, "throttled_usec")) stats.cfsThrottledSeconds = *throttled / 1e6;
    }
  } else {
    stats.complete = false;
  }
  stats.memoryUsage = readNumber(dir, "memory.current", stats.complete);
  if (auto peak = dir.read("memory.peak")) {
    double value = 0;
    stats.memoryMaxUsage = parseNumber(trimmed(*peak), value) ? value : 0;
  } else {
    stats.memoryMaxUsage = 0;  // kernels before 5.19
  }
  if (auto max = dir.read("memory.max")) {
    bool ok = true;
    auto limit = parseLimit(*max, ok);
    stats.memoryLimit = limit && *limit <= kUnlimited ? *limit : 0;
    if (!ok) stats.complete = false;
  } else {
    stats.complete = false;
  }
  if (auto swap = dir.read("memory.swap.current")) {
    double value = 0;
    if (parseNumber(trimmed(*swap), value)) stats.memorySwap = value;
  }
  if (auto memoryStat = dir.read("memory.stat")) {
    auto values = parseFlatKeyed(*memoryStat, stats.complete);
    stats.memoryRss = valueOf(values, "anon");
    stats.memoryCache = valueOf(values, "file");
    stats.memoryMappedFile = valueOf(values, "file_mapped");
    setWorkingSet(stats, valueOf(values, "inactive_file"));
  } else {
    stats.complete = false;
  }
  if (auto io = dir.read("io.stat")) stats.blockIo = parseIoStat(*io, stats.complete);
  if (auto current = dir.read("pids.current")) {
    double value = 0;
    if (parseNumber(trimmed(*current), value)) stats.threads = value;
    else stats.complete = false;
    if (auto max = dir.read("pids.max")) {
      bool ok = true;
      stats.threadsMax = parseLimit(*max, ok).value_or(0);
      if (!ok) stats.complete = false;
    }
  }
}

}  // namespace

std::optional<CgroupLocation> locateCgroup(std::string_view procPidCgroup, const std::string& sysRoot) {
  const std::string base = sysRoot + "/fs/cgroup";
  CgroupLocation v1;
  std::optional<std::string> unifiedPath;
  for (std::string_view line : splitLines(procPidCgroup)) {
    auto first = line.find(':');
    auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    std::string controllers(line.substr(first + 1, second - first - 1));
    std::string path(line.substr(second + 1));
    if (controllers.empty()) {
      unifiedPath = path;
      continue;
    }
    std::vector<std::string> names;
    std::string_view rest = controllers;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string name(rest.substr(0, comma));
      if (name.rfind("name=", 0) == 0) name = name.substr(5);
      names.push_back(name);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    std::string joined;
    for (const auto& name : names) joined += (joined.empty() ? "" : ",") + name;
    std::string mount = isDirectory(base + "/" + joined) ? base + "/" + joined : std::string();
    for (const auto& name : names) {
      if (mount.empty() && isDirectory(base + "/" + name)) mount = base + "/" + name;
    }
    if (mount.empty()) continue;
    for (const auto& name : names) v1.directories[name] = mount + path;
    if (v1.path.empty() || names[0] == "memory") v1.path = path;
  }
  if (v1.directories.count("memory") || v1.directories.count("cpuacct")) return v1;
  if (!unifiedPath) return std::nullopt;
  CgroupLocation v2;
  v2.unified = true;
  v2.path = *unifiedPath;
  std::string root = readProcFile(base + "/cgroup.controllers") ? base : base + "/unified";
  v2.directories[""] = root + *unifiedPath;
  return v2;
}

CgroupStats readCgroupStats(const CgroupLocation& location, ProcFileReader& reader) {
  CgroupStats stats;
  if (location.unified) readV2(location, reader, stats);
  else readV1(location, reader, stats);
  return stats;
}

std::map<std::string, double> parseFlatKeyed(std::string_view text, bool& complete) {
  std::map<std::string, double> values;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty()) continue;
    double value = 0;
    if (fields.size() != 2 || !parseNumber(fields[1], value)) {
      complete = false;
      continue;
    }
    values[std::string(fields[0])] = value;
  }
  return values;
}

std::map<std::string, std::pair<double, double>> parseBlkio(std::string_view text, bool& complete) {
  std::map<std::string, std::pair<double, double>> devices;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty() || (fields.size() == 2 && fields[0] == "Total")) continue;
    double value = 0;
    if (fields.size() != 3 || fields[0].find(':') == std::string_view::npos || !parseNumber(fields[2], value)) {
      complete = false;
      continue;
    }
    auto& entry = devices[std::string(fields[0])];
    if (fields[1] == "Read") entry.first = value;
    else if (fields[1] == "Write") entry.second = value;
  }
  return devices;
}

std::vector<BlockIo> parseIoStat(std::string_view text, bool& complete) {
  std::vector<BlockIo> devices;
  for (std::string_view line : splitLines(text)) {
    auto fields = splitFields(line);
    if (fields.empty()) continue;
    if (fields[0].find(':') == std::string_view::npos) {
      complete = false;
      continue;
    }
    BlockIo io;
    io.device = std::string(fields[0]);
    bool ok = true;
    for (std::size_t i = 1; i < fields.size(); ++i) {
      auto equals = fields[i].find('=');
      double value = 0;
      if (equals == std::string_view::npos || !parseNumber(fields[i].substr(equals + 1), value)) {
        ok = false;
        continue;
      }
      std::string_view key = fields[i].substr(0, equals);
      if (key == "rbytes") io.readBytes = value;
      else if (key == "wbytes") io.writeBytes = value;
      else if (key == "rios") io.reads = value;
      else if (key == "wios") io.writes = value;
    }
    if (!ok) complete = false;
    devices.push_back(io);
  }
  return devices;
}

std::optional<double> parseLimit(std::string_view text, bool& ok) {
  text = trimmed(text);
  if (text == "max") return std::nullopt;
  double value = 0;
  if (!parseNumber(text, value)) {
    ok = false;
    return std::nullopt;
  }
  return value;
}

}  // namespace cairn::exporter

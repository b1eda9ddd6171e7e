#include "monitoring/exporter/cgroup.hpp"

#include <cmath>
#include <cstdio>
#include <initializer_list>

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
  const std::string& path;
  std::optional<std::string> read(const char* name) const {
    if (path.empty()) return std::nullopt;
    // Hundreds of reads per scrape: the path is assembled in a buffer that keeps its memory.
    thread_local std::string file;
    file.assign(path).append(1, '/').append(name);
    return reader.readSingleRecord(file);
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

// Calls visit(key, value) for every well-formed "key value" line; a malformed line sets
// complete=false. Fields are separated by blanks and tabs, as splitFields does.
template <typename Visit>
void forEachFlatKeyed(std::string_view text, bool& complete, Visit visit) {
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view fields[3];
    std::size_t count = 0;
    for (std::size_t i = start; i < end && count < 3;) {
      while (i < end && blank(text[i])) ++i;
      std::size_t from = i;
      while (i < end && !blank(text[i])) ++i;
      if (i > from) fields[count++] = text.substr(from, i - from);
    }
    start = end + 1;
    if (count == 0) continue;
    double value = 0;
    if (count != 2 || !parseNumber(fields[1], value)) {
      complete = false;
      continue;
    }
    visit(fields[0], value);
  }
}

// The values of `keys` (nullopt when absent), in the order of `keys`.
std::vector<std::optional<double>> flatKeyedValues(std::string_view text, std::initializer_list<std::string_view> keys,
                                                   bool& complete) {
  std::vector<std::optional<double>> values(keys.size());
  forEachFlatKeyed(text, complete, [&](std::string_view key, double value) {
    std::size_t i = 0;
    for (std::string_view wanted : keys) {
      if (wanted == key) values[i] = value;
      ++i;
    }
  });
  return values;
}

std::optional<double> scaled(const std::optional<double>& value, double divisor) {
  if (!value) return std::nullopt;
  return *value / divisor;
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
    auto values = flatKeyedValues(*cpuStat, {"user", "system"}, stats.complete);
    stats.cpuUser = scaled(values[0], kUserHz);
    stats.cpuSystem = scaled(values[1], kUserHz);
  } else {
    stats.complete = false;
  }
  CgroupDirectory cpu{reader, location.directory("cpu")};
  auto quota = cpu.read("cpu.cfs_quota_us");
  if (quota && trimmed(*quota) != "-1") {
    if (auto cpuStat = cpu.read("cpu.stat")) {
      auto values = flatKeyedValues(*cpuStat, {"nr_periods", "nr_throttled", "throttled_time"}, stats.complete);
      stats.cfsPeriods = values[0];
      stats.cfsThrottledPeriods = values[1];
      stats.cfsThrottledSeconds = scaled(values[2], 1e9);
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
    // The total_ fields include child cgroups; kernels without hierarchy support lack them.
    auto values = flatKeyedValues(*memoryStat,
                                  {"total_rss", "total_cache", "total_mapped_file", "total_swap", "total_inactive_file",
                                   "rss", "cache", "mapped_file", "swap", "inactive_file"},
                                  stats.complete);
    std::size_t first = values[0] ? 0 : 5;
    stats.memoryRss = values[first];
    stats.memoryCache = values[first + 1];
    stats.memoryMappedFile = values[first + 2];
    stats.memorySwap = values[first + 3];
    setWorkingSet(stats, values[first + 4]);
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
    auto values = flatKeyedValues(
        *cpuStat, {"usage_usec", "user_usec", "system_usec", "nr_periods", "nr_throttled", "throttled_usec"}, stats.complete);
    if (values[0]) stats.cpuUsage.emplace_back("total", *values[0] / 1e6);
    stats.cpuUser = scaled(values[1], 1e6);
    stats.cpuSystem = scaled(values[2], 1e6);
    auto quota = dir.read("cpu.max");
    if (quota && trimmed(*quota).substr(0, 3) != "max") {
      stats.cfsPeriods = values[3];
      stats.cfsThrottledPeriods = values[4];
      stats.cfsThrottledSeconds = scaled(values[5], 1e6);
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
    auto values = flatKeyedValues(*memoryStat, {"anon", "file", "file_mapped", "inactive_file"}, stats.complete);
    stats.memoryRss = values[0];
    stats.memoryCache = values[1];
    stats.memoryMappedFile = values[2];
    setWorkingSet(stats, values[3]);
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
  forEachFlatKeyed(text, complete, [&](std::string_view key, double value) { values[std::string(key)] = value; });
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

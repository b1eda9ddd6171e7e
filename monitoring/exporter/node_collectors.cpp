#include "monitoring/exporter/node_collectors.hpp"

#include <dirent.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "monitoring/exporter/mount_table.hpp"
#include "monitoring/exporter/netlink_links.hpp"
#include "monitoring/exporter/proc_files.hpp"

namespace cairn::exporter {
namespace {

// How the kernel prints a /proc file: in one piece (single_open: stat, meminfo, loadavg,
// pressure, sysctls), or as a table one page at a time (diskstats, net/dev, vmstat, mountinfo).
enum class ProcLayout { kSingleRecord, kTable };

std::optional<std::string> readProc(ProcFileReader& files, const std::string& path, ProcLayout layout) {
  return layout == ProcLayout::kSingleRecord ? files.readSingleRecord(path) : files.read(path);
}

// A collector that reads one file and hands its content to a parser.
class FileCollector final : public Collector {
 public:
  using Parse = std::function<bool(std::string_view, std::vector<MetricFamily>&)>;
  FileCollector(std::string name, std::string path, ProcLayout layout, Parse parse,
                std::shared_ptr<ProcFileReader> files)
      : name_(std::move(name)), path_(std::move(path)), layout_(layout), parse_(std::move(parse)),
        files_(std::move(files)) {}
  std::string name() const override { return name_; }
  bool collect(std::vector<MetricFamily>& out) override {
    auto content = readProc(*files_, path_, layout_);
    if (!content) return false;
    return parse_(*content, out);
  }

 private:
  std::string name_;
  std::string path_;
  ProcLayout layout_;
  Parse parse_;
  std::shared_ptr<ProcFileReader> files_;
};

class CpuCollector final : public Collector {
 public:
  CpuCollector(std::string procRoot, std::shared_ptr<ProcFileReader> files)
      : path_(procRoot + "/stat"), files_(std::move(files)) {}
  std::string name() const override { return "cpu"; }
  bool collect(std::vector<MetricFamily>& out) override {
    auto content = files_->readSingleRecord(path_);
    if (!content) return false;
    ProcStat stat = parseProcStat(*content);
    for (auto& family : cpuFamilies(guard_.apply(stat.cpus))) out.push_back(std::move(family));
    return stat.complete;
  }

 private:
  std::string path_;
  std::shared_ptr<ProcFileReader> files_;
  CpuCounterGuard guard_;
};

class StatCollector final : public Collector {
 public:
  StatCollector(std::string procRoot, std::shared_ptr<ProcFileReader> files)
      : path_(procRoot + "/stat"), files_(std::move(files)) {}
  std::string name() const override { return "stat"; }
  bool collect(std::vector<MetricFamily>& out) override {
    auto content = files_->readSingleRecord(path_);
    if (!content) return false;
    ProcStat stat = parseProcStat(*content);
    for (auto& family : statFamilies(stat)) out.push_back(std::move(family));
    return stat.complete && stat.bootTime && stat.contextSwitches && stat.forks && stat.interrupts;
  }

 private:
  std::string path_;
  std::shared_ptr<ProcFileReader> files_;
};

class FilesystemCollector final : public Collector {
 public:
  FilesystemCollector(const std::string& procRoot, std::function<std::optional<FilesystemStats>(const std::string&)> stat)
      : mounts_({procRoot + "/1/mountinfo", procRoot + "/self/mountinfo"}), stat_(std::move(stat)) {}
  std::string name() const override { return "filesystem"; }
  bool collect(std::vector<MetricFamily>& out) override {
    auto table = mounts_.current();
    if (!table) return false;
    std::vector<MountStats> stats;
    for (const auto& mount : table->reported) stats.push_back({mount, stat_(mount.mountPoint)});
    for (auto& family : filesystemFamilies(stats)) out.push_back(std::move(family));
    return table->complete;
  }

 private:
  MountTable mounts_;
  std::function<std::optional<FilesystemStats>(const std::string&)> stat_;
};

class PressureCollector final : public Collector {
 public:
  PressureCollector(std::string procRoot, std::shared_ptr<ProcFileReader> files)
      : procRoot_(std::move(procRoot)), files_(std::move(files)) {}
  std::string name() const override { return "pressure"; }
  bool collect(std::vector<MetricFamily>& out) override {
    bool complete = true;
    for (const char* resource : {"cpu", "io", "memory", "irq"}) {
      auto content = files_->readSingleRecord(procRoot_ + "/pressure/" + resource);
      // A kernel without PSI (or without irq PSI) has no file: no data, not a failure.
      if (!content) continue;
      complete = parsePressure(resource, *content, out) && complete;
    }
    return complete;
  }

 private:
  std::string procRoot_;
  std::shared_ptr<ProcFileReader> files_;
};

class ConntrackCollector final : public Collector {
 public:
  ConntrackCollector(std::string procRoot, std::shared_ptr<ProcFileReader> files)
      : directory_(procRoot + "/sys/net/netfilter/"), files_(std::move(files)) {}
  std::string name() const override { return "conntrack"; }
  bool collect(std::vector<MetricFamily>& out) override {
    auto count = files_->readSingleRecord(directory_ + "nf_conntrack_count");
    auto max = files_->readSingleRecord(directory_ + "nf_conntrack_max");
    if (!count && !max) return true;  // no conntrack module: no data, not a failure
    return count && max && parseConntrack(*count, *max, out);
  }

 private:
  std::string directory_;
  std::shared_ptr<ProcFileReader> files_;
};

class NetClassCollector final : public Collector {
 public:
  NetClassCollector(std::string sysRoot, std::shared_ptr<ProcFileReader> files, bool useNetlink)
      : directory_(sysRoot + "/class/net"), files_(std::move(files)),
        links_(useNetlink ? std::make_unique<LinkTable>() : nullptr) {}
  std::string name() const override { return "netclass"; }
  bool collect(std::vector<MetricFamily>& out) override {
    bool complete = true;
    std::vector<NetClassDevice> devices;
    if (links_) {
      auto links = links_->current();
      if (!links) return false;
      devices = links->devices;
      complete = links->complete;
      // Duplex and speed come from ethtool, which rtnetlink does not carry: sysfs has them.
      // The alias is read there too, because changing it is not always announced (not for a
      // device that is down), so the cached dump may hold an old one.
      for (auto& device : devices) {
        for (const char* attribute : {"duplex", "speed", "ifalias"}) readAttribute(device, attribute);
      }
    } else if (!readSysfs(devices)) {
      return false;
    }
    std::sort(devices.begin(), devices.end(),
              [](const NetClassDevice& a, const NetClassDevice& b) { return a.device < b.device; });
    for (auto& family : netClassFamilies(devices, complete)) out.push_back(std::move(family));
    return complete;
  }

 private:
  void readAttribute(NetClassDevice& device, const char* attribute) {
    // Attributes a device does not support fail to read; they are left out, as node_exporter does.
    auto content = files_->readSingleRecord(directory_ + "/" + device.device + "/" + attribute);
    if (!content) return;
    while (!content->empty() && (content->back() == '\n' || content->back() == ' ')) content->pop_back();
    device.attributes[attribute] = std::move(*content);
  }

  bool readSysfs(std::vector<NetClassDevice>& devices) {
    DIR* listing = ::opendir(directory_.c_str());
    if (!listing) return false;
    while (dirent* entry = ::readdir(listing)) {
      if (entry->d_name[0] == '.') continue;
      NetClassDevice device{entry->d_name, {}};
      for (const char* attribute : netClassAttributes()) readAttribute(device, attribute);
      devices.push_back(std::move(device));
    }
    ::closedir(listing);
    return true;
  }

  std::string directory_;
  std::shared_ptr<ProcFileReader> files_;
  std::unique_ptr<LinkTable> links_;  // null: sysfs only
};

class FunctionCollector final : public Collector {
 public:
  FunctionCollector(std::string name, std::function<std::vector<MetricFamily>()> produce)
      : name_(std::move(name)), produce_(std::move(produce)) {}
  std::string name() const override { return name_; }
  bool collect(std::vector<MetricFamily>& out) override {
    for (auto& family : produce_()) out.push_back(std::move(family));
    return true;
  }

 private:
  std::string name_;
  std::function<std::vector<MetricFamily>()> produce_;
};

}  // namespace

NodeSources hostNodeSources(std::string procRoot, std::string sysRoot, const host::Clock& clock, std::string rootfs) {
  NodeSources sources;
  sources.procRoot = std::move(procRoot);
  sources.sysRoot = std::move(sysRoot);
  sources.clock = &clock;
  // The devices of this process's network namespace are the host's only when /sys is the host's.
  sources.netlinkForNetClass = sources.sysRoot == "/sys";
  if (!rootfs.empty() && rootfs.back() == '/') rootfs.pop_back();
  sources.statFilesystem = [rootfs](const std::string& mountPoint) -> std::optional<FilesystemStats> {
    struct statvfs info {};
    if (::statvfs((rootfs + mountPoint).c_str(), &info) != 0) return std::nullopt;
    double blockSize = static_cast<double>(info.f_frsize ? info.f_frsize : info.f_bsize);
    return FilesystemStats{static_cast<double>(info.f_blocks) * blockSize, static_cast<double>(info.f_bfree) * blockSize,
                           static_cast<double>(info.f_bavail) * blockSize, static_cast<double>(info.f_files),
                           static_cast<double>(info.f_ffree)};
  };
  sources.uname = [] {
    struct utsname info {};
    ::uname(&info);
    return Uname{info.sysname, info.release, info.version, info.machine, info.nodename, info.domainname};
  };
  sources.timeZone = [](double unixSeconds) {
    std::time_t seconds = static_cast<std::time_t>(unixSeconds);
    std::tm local {};
    ::localtime_r(&seconds, &local);
    return std::make_pair(std::string(local.tm_zone ? local.tm_zone : "UTC"), static_cast<double>(local.tm_gmtoff));
  };
  return sources;
}

std::vector<std::unique_ptr<Collector>> makeNodeCollectors(const NodeSources& sources) {
  const std::string& proc = sources.procRoot;
  std::vector<std::unique_ptr<Collector>> collectors;
  const auto& files = sources.files;
  collectors.push_back(std::make_unique<ConntrackCollector>(proc, files));
  collectors.push_back(std::make_unique<CpuCollector>(proc, files));
  collectors.push_back(std::make_unique<FileCollector>("diskstats", proc + "/diskstats", ProcLayout::kTable, parseDiskstats, files));
  collectors.push_back(std::make_unique<FileCollector>("filefd", proc + "/sys/fs/file-nr", ProcLayout::kSingleRecord, parseFileNr, files));
  collectors.push_back(std::make_unique<FilesystemCollector>(proc, sources.statFilesystem));
  collectors.push_back(std::make_unique<FileCollector>("loadavg", proc + "/loadavg", ProcLayout::kSingleRecord, parseLoadavg, files));
  collectors.push_back(std::make_unique<FileCollector>("meminfo", proc + "/meminfo", ProcLayout::kSingleRecord, parseMeminfo, files));
  collectors.push_back(std::make_unique<NetClassCollector>(sources.sysRoot, files, sources.netlinkForNetClass));
  collectors.push_back(std::make_unique<FileCollector>("netdev", proc + "/net/dev", ProcLayout::kTable, parseNetDev, files));
  collectors.push_back(std::make_unique<PressureCollector>(proc, files));
  collectors.push_back(std::make_unique<StatCollector>(proc, files));
  const host::Clock* clock = sources.clock;
  auto timeZone = sources.timeZone;
  collectors.push_back(std::make_unique<FunctionCollector>("time", [clock, timeZone] {
    std::chrono::duration<double> sinceEpoch = clock->now().time_since_epoch();
    auto [zone, offset] = timeZone(sinceEpoch.count());
    return timeFamilies(sinceEpoch.count(), zone, offset);
  }));
  auto uname = sources.uname;
  collectors.push_back(std::make_unique<FunctionCollector>("uname", [uname] { return unameFamilies(uname()); }));
  collectors.push_back(std::make_unique<FileCollector>("vmstat", proc + "/vmstat", ProcLayout::kTable, parseVmstat, files));
  return collectors;
}

}  // namespace cairn::exporter

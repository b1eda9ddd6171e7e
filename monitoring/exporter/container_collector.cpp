#include "monitoring/exporter/container_collector.hpp"

#include <algorithm>
#include <set>

#include <Poco/Logger.h>

#include "monitoring/exporter/proc_files.hpp"

namespace cairn::exporter {
namespace {

// `base` (sorted) with one more label, still sorted.
Labels withLabel(const Labels& base, const char* name, const std::string& value) {
  Labels labels;
  labels.reserve(base.size() + 1);
  auto at = std::lower_bound(base.begin(), base.end(), name,
                             [](const std::pair<std::string, std::string>& label, const char* key) { return label.first < key; });
  labels.insert(labels.end(), base.begin(), at);
  labels.emplace_back(name, value);
  labels.insert(labels.end(), at, base.end());
  return labels;
}

// The families in order of first use. Names are string literals, and every container passes
// the same ones in the same order, so comparing addresses first finds a family without
// comparing its name against every other.
struct Families {
  std::vector<MetricFamily> list;
  std::vector<const char*> names;
  MetricFamily& get(const char* name, const char* help, MetricType type) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return list[i];
    }
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (list[i].name == name) return list[i];
    }
    names.push_back(name);
    list.push_back(makeFamily(name, help, type));
    return list.back();
  }
};

}  // namespace

bool isIgnoredContainerInterface(const std::string& name) {
  for (const char* prefix : {"lo", "veth", "docker", "nerdctl"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::vector<MetricFamily> containerFamilies(const std::vector<ContainerSample>& containers,
                                            const std::map<std::string, std::string>& deviceNames,
                                            double nowSeconds) {
  std::set<std::string> labelKeys;
  for (const auto& container : containers) {
    for (const auto& [key, value] : container.info.labels) labelKeys.insert("container_label_" + metrics::sanitizeLabelName(key));
  }
  Families f;
  constexpr auto kCounter = MetricType::kCounter;
  constexpr auto kGauge = MetricType::kGauge;
  for (const auto& container : containers) {
    const ContainerInfo& info = container.info;
    const CgroupStats& stats = container.stats;
    Labels base;
    for (const auto& key : labelKeys) base.emplace_back(key, "");
    for (const auto& [key, value] : info.labels) {
      std::string name = "container_label_" + metrics::sanitizeLabelName(key);
      for (auto& label : base) {
        if (label.first == name) label.second = value;
      }
    }
    base.emplace_back("id", info.cgroup ? info.cgroup->path : "/docker/" + info.id);
    base.emplace_back("image", info.image);
    base.emplace_back("name", info.name);
    std::sort(base.begin(), base.end());
    auto gauge = [&](const char* name, const char* help, const std::optional<double>& value, MetricType type = MetricType::kGauge) {
      if (value) addSample(f.get(name, help, type), base, *value);
    };

    for (const auto& [cpu, seconds] : stats.cpuUsage) {
      addSample(f.get("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", kCounter),
                withLabel(base, "cpu", cpu), seconds);
    }
    gauge("container_cpu_user_seconds_total", "Cumulative user cpu time consumed in seconds.", stats.cpuUser, kCounter);
    gauge("container_cpu_system_seconds_total", "Cumulative system cpu time consumed in seconds.", stats.cpuSystem, kCounter);
    gauge("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.", stats.cfsPeriods, kCounter);
    gauge("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.", stats.cfsThrottledPeriods, kCounter);
    gauge("container_cpu_cfs_throttled_seconds_total", "Total time duration the container has been throttled.",
          stats.cfsThrottledSeconds, kCounter);
    gauge("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed",
          stats.memoryUsage);
    gauge("container_memory_max_usage_bytes", "Maximum memory usage recorded in bytes", stats.memoryMaxUsage);
    gauge("container_memory_working_set_bytes", "Current working set in bytes.", stats.memoryWorkingSet);
    gauge("container_memory_rss", "Size of RSS in bytes.", stats.memoryRss);
    gauge("container_memory_cache", "Number of bytes of page cache memory.", stats.memoryCache);
    gauge("container_memory_mapped_file", "Size of memory mapped files in bytes.", stats.memoryMappedFile);
    gauge("container_memory_swap", "Container swap usage in bytes.", stats.memorySwap);
    gauge("container_memory_failcnt", "Number of memory usage hits limits", stats.memoryFailcnt, kCounter);
    gauge("container_spec_memory_limit_bytes", "Memory limit for the container.", stats.memoryLimit);
    gauge("container_threads", "Number of threads running inside the container", stats.threads);
    gauge("container_threads_max", "Maximum number of threads allowed inside the container, infinity if value is zero",
          stats.threadsMax);

    if (container.network) {
      struct Column {
        const char* name;
        const char* help;
        bool receive;
        std::size_t index;  // into InterfaceCounters::receive / transmit
      };
      static const Column kColumns[] = {
          {"container_network_receive_bytes_total", "Cumulative count of bytes received", true, 0},
          {"container_network_receive_packets_total", "Cumulative count of packets received", true, 1},
          {"container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", true, 2},
          {"container_network_receive_packets_dropped_total", "Cumulative count of packets dropped while receiving", true, 3},
          {"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", false, 0},
          {"container_network_transmit_packets_total", "Cumulative count of packets transmitted", false, 1},
          {"container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", false, 2},
          {"container_network_transmit_packets_dropped_total", "Cumulative count of packets dropped while transmitting", false, 3},
      };
      for (const auto& column : kColumns) {
        for (const auto& interface : *container.network) {
          if (isIgnoredContainerInterface(interface.device)) continue;
          const auto& values = column.receive ? interface.receive : interface.transmit;
          addSample(f.get(column.name, column.help, kCounter), withLabel(base, "interface", interface.device),
                    values[column.index]);
        }
      }
    }

    for (const auto& io : stats.blockIo) {
      auto name = deviceNames.find(io.device);
      Labels labels = withLabel(base, "device", name == deviceNames.end() ? io.device : "/dev/" + name->second);
      addSample(f.get("container_fs_reads_bytes_total", "Cumulative count of bytes read", kCounter), labels, io.readBytes);
      addSample(f.get("container_fs_writes_bytes_total", "Cumulative count of bytes written", kCounter), labels, io.writeBytes);
      addSample(f.get("container_fs_reads_total", "Cumulative count of reads completed", kCounter), labels, io.reads);
      addSample(f.get("container_fs_writes_total", "Cumulative count of writes completed", kCounter), labels, io.writes);
    }
    addSample(f.get("container_oom_events_total", "Count of out of memory events observed for the container", kCounter),
              base, info.oomEvents);
    addSample(f.get("container_start_time_seconds", "Start time of the container since unix epoch in seconds.", kGauge),
              base, info.startedAt);
    addSample(f.get("container_last_seen", "Last time a container was seen by the exporter", kGauge), base, nowSeconds);
  }
  return std::move(f.list);
}

ContainerCollector::ContainerCollector(const ContainerDirectory& directory, std::string procRoot,
                                       std::function<double()> now, std::shared_ptr<ProcFileReader> files)
    : directory_(directory), procRoot_(std::move(procRoot)), now_(std::move(now)), files_(std::move(files)) {}

void ContainerCollector::warnOnce(const std::string& id, const std::string& message) {
  std::lock_guard<std::mutex> lock(warnedMutex_);
  if (!warned_.insert(id).second) return;
  if (warned_.size() > 1000) warned_.clear();
  Poco::Logger::get("exporter.container").warning(message);
}

bool ContainerCollector::collect(std::vector<MetricFamily>& out) {
  bool complete = directory_.dockerReachable();
  std::vector<ContainerSample> samples;
  for (auto& info : directory_.snapshot()) {
    if (!info.cgroup) {
      complete = false;
      continue;
    }
    ContainerSample sample{std::move(info), {}, std::nullopt};
    sample.stats = readCgroupStats(*sample.info.cgroup, *files_);
    if (sample.stats.cpuUsage.empty() && !sample.stats.memoryUsage) {
      complete = false;  // the cgroup is gone: the container stopped since the last event
      warnOnce(sample.info.id, "container=" + sample.info.name + " cgroup=" + sample.info.cgroup->path +
                                   " unreadable (stopped mid-scrape?); skipped");
      continue;
    }
    complete = complete && sample.stats.complete;
    if (sample.info.networkMode.rfind("container:", 0) != 0) {
      if (auto netDev = files_->read(procRoot_ + "/" + std::to_string(sample.info.pid) + "/net/dev")) {
        bool parsed = true;
        sample.network = parseNetDevTable(*netDev, parsed);
        complete = complete && parsed;
      } else {
        complete = false;
      }
    }
    samples.push_back(std::move(sample));
  }
  std::map<std::string, std::string> deviceNames;
  if (auto diskstats = files_->read(procRoot_ + "/diskstats")) {
    for (auto& [number, name] : diskNamesByNumber(*diskstats)) deviceNames.emplace(number, name);
  }
  for (auto& family : containerFamilies(samples, deviceNames, now_())) out.push_back(std::move(family));
  return complete;
}

}  // namespace cairn::exporter

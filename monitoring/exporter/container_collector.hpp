#pragma once
// cAdvisor's container_* families for the running Docker containers: cgroup statistics (v1 and
// v2), network counters from /proc/<init pid>/net/dev (the container's own namespace), start
// time and last seen; labels `id` (cgroup path), `name`, `image` and container_label_<key> for
// every Docker label (the union over all containers, empty where a container lacks one).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "monitoring/exporter/cgroup.hpp"
#include "monitoring/exporter/collector.hpp"
#include "monitoring/exporter/docker_directory.hpp"
#include "monitoring/exporter/node_parsers.hpp"

namespace cairn::exporter {

struct ContainerSample {
  ContainerInfo info;
  CgroupStats stats;
  std::optional<std::vector<InterfaceCounters>> network;  // nullopt: no network of its own
};

// Pure: the families for `containers`. `deviceNames` maps "major:minor" to a block device name
// ("sda"); unknown devices keep the number.
std::vector<MetricFamily> containerFamilies(const std::vector<ContainerSample>& containers,
                                            const std::map<std::string, std::string>& deviceNames,
                                            double nowSeconds);

// Interfaces cAdvisor drops: names starting with lo, veth, docker or nerdctl.
bool isIgnoredContainerInterface(const std::string& name);

class ContainerCollector final : public Collector {
 public:
  // `directory` and `now` must outlive the collector.
  ContainerCollector(const ContainerDirectory& directory, std::string procRoot, std::function<double()> now,
                     std::shared_ptr<ProcFileReader> files);
  std::string name() const override { return "container"; }
  // False when Docker is unreachable or a container's files could not be read (it vanished).
  bool collect(std::vector<MetricFamily>& out) override;

 private:
  // Logs each container's unreadable cgroup once (cairn's rule for degraded paths); the
  // collector's success metric is the counter.
  void warnOnce(const std::string& id, const std::string& message);

  const ContainerDirectory& directory_;
  std::string procRoot_;
  std::function<double()> now_;
  std::shared_ptr<ProcFileReader> files_;
  std::mutex warnedMutex_;
  std::set<std::string> warned_;
};

}  // namespace cairn::exporter

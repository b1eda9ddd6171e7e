#pragma once
// The appliance's own view, collector "appliance": per configured service whether a container of
// it runs (label io.cairn.service) and is healthy, how often its containers exited, whether the
// Docker engine answers, and whether cairn-supervisord's metrics endpoint answers. The
// supervisor is optional: when it is absent cairn_exporter_supervisor_up is 0, a warning is
// logged once, and the collector still succeeds. The supervisor is probed at most every 10 s.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "appliance/host/http_client.hpp"
#include "monitoring/exporter/collector.hpp"
#include "monitoring/exporter/docker_directory.hpp"

namespace cairn::exporter {

struct ServiceView {
  std::string service;
  bool up = false;
  bool healthy = false;
  double exits = 0;
};

// Pure: the state of each of `services` from the running containers and exit counts.
std::vector<ServiceView> serviceViews(const std::vector<std::string>& services,
                                      const std::vector<ContainerInfo>& containers,
                                      const std::map<std::string, double>& exitsByService);
std::vector<MetricFamily> applianceFamilies(const std::vector<ServiceView>& views, bool dockerUp, bool supervisorUp);

class ApplianceCollector final : public Collector {
 public:
  // `supervisorUrl` empty: the supervisor is not probed (reported as 0). The client is used
  // under a lock, so one client serves concurrent scrapes.
  ApplianceCollector(const ContainerDirectory& directory, std::vector<std::string> services, host::HttpClient& client,
                     std::string supervisorUrl);
  std::string name() const override { return "appliance"; }
  bool collect(std::vector<MetricFamily>& out) override;

 private:
  bool supervisorAnswers();

  const ContainerDirectory& directory_;
  std::vector<std::string> services_;
  std::mutex clientMutex_;
  host::HttpClient& client_;
  std::string supervisorUrl_;
  static constexpr std::chrono::seconds kProbeInterval{10};
  bool warned_ = false;
  bool probed_ = false;
  std::chrono::steady_clock::time_point lastProbe_;
  std::atomic<bool> supervisorUp_{false};
};

}  // namespace cairn::exporter

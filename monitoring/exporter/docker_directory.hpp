#pragma once
// What cairn-exporter knows about the running Docker containers: names, images, labels, init pid,
// start time and cgroup, fetched from the Docker Engine API (over the HttpClient seam), cached,
// and refreshed when /events says something changed — never looked up per scrape.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appliance/core/result.hpp"
#include "appliance/host/http_client.hpp"
#include "monitoring/exporter/cgroup.hpp"

namespace cairn::exporter {

struct ContainerInfo {
  std::string id;
  std::string name;   // without the leading "/"
  std::string image;  // Config.Image
  std::map<std::string, std::string> labels;
  int pid = 0;
  double startedAt = 0;  // unix seconds (State.StartedAt, else Created)
  double createdAt = 0;
  std::string networkMode;
  std::string health;  // State.Health.Status, "" without a healthcheck
  std::optional<CgroupLocation> cgroup;
  double oomEvents = 0;  // "oom" events seen for this container
};

// Pure parsers of Docker Engine API answers (API 1.41).
// GET /containers/json → the ids of running containers.
Result<std::vector<std::string>> parseContainerIds(std::string_view body);
// GET /containers/<id>/json → the info (without cgroup and oom count); kNotFound when not running.
Result<ContainerInfo> parseContainerInspect(std::string_view body);
struct ContainerEvent {
  std::string action;  // "start", "die", "oom", "destroy", "health_status: healthy", ...
  std::string id;
  long long timeNano = 0;
  std::string service;  // the io.cairn.service label, which Docker repeats in Actor.Attributes
};
// One /events message; nullopt for other types or malformed lines.
std::optional<ContainerEvent> parseContainerEvent(std::string_view line);
// "2026-11-21T21:52:11.123456789Z" → unix seconds; nullopt for "0001-01-01T00:00:00Z" or garbage.
std::optional<double> parseDockerTime(std::string_view text);

// The cache. Thread-safe: scrapes read snapshots while the watcher thread refreshes it.
class ContainerDirectory {
 public:
  // `procRoot` and `sysRoot` locate each container's /proc/<pid>/cgroup and cgroup files.
  ContainerDirectory(std::string dockerSocket, std::string procRoot, std::string sysRoot);

  std::vector<ContainerInfo> snapshot() const;
  // False until the first successful listing, and while Docker cannot be reached.
  bool dockerReachable() const { return reachable_.load(); }
  // Die events per io.cairn.service label value (and per container name), since start.
  std::map<std::string, double> exitsByService() const;

  // Lists running containers and inspects the ones not yet known (or all when `full`).
  Status refresh(host::HttpClient& client, bool full = false);
  // Applies one event: re-inspects the container, drops it when gone, counts oom and die.
  void applyEvent(host::HttpClient& client, const ContainerEvent& event);
  // Follows /events until `stop` is set: refresh, stream, and on a broken stream start over
  // after `retryDelay`. Each stream lasts at most `streamWindow` so that stop is noticed.
  void watch(host::HttpClient& streamClient, host::HttpClient& queryClient, const std::atomic<bool>& stop,
             std::chrono::milliseconds streamWindow, std::chrono::milliseconds retryDelay);

 private:
  Result<ContainerInfo> inspect(host::HttpClient& client, const std::string& id);
  host::HttpRequest request(const std::string& path) const;

  std::string socket_;
  std::string procRoot_;
  std::string sysRoot_;
  mutable std::mutex mutex_;
  std::map<std::string, ContainerInfo> containers_;
  std::map<std::string, double> oomById_;
  std::map<std::string, double> exitsByService_;
  std::atomic<bool> reachable_{false};
  long long lastEventNano_ = 0;  // only touched by watch()
};

}  // namespace cairn::exporter

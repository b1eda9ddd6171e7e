#pragma once
// Test harness for cairn-supervisord against a real Docker engine: a --root directory with a
// hand-written containers.json, the daemon as a child process, and cleanup of every container,
// network and volume the test made (found by the io.cairn.scope label = the root directory).

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/host/http_client.hpp"
#include "services/docker/docker_client.hpp"
#include "services/supervisor/status.hpp"
#include "tests/support/temp_dir.hpp"

namespace cairn::testing {

inline constexpr const char* kStandinImage = "cairnsup-standin:2";
inline constexpr const char* kPgRedisImage = "cairnsup-pgredis:2";

// "cairnsup-<pid>-<n>": a prefix no other test or part uses.
std::string uniquePrefix();

// Polls `condition` every `poll` until it holds (true) or `deadline` passes (false).
bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds deadline,
               std::chrono::milliseconds poll = std::chrono::milliseconds(100));

// A stand-in container object of containers.json (docs/supervisor.md), healthy when it serves.
nlohmann::json standinContainer(const std::string& name, const nlohmann::json& env = nlohmann::json::object(),
                                bool withHealthcheck = true);
nlohmann::json service(const std::string& name, const std::vector<std::string>& dependsOn,
                       const std::vector<nlohmann::json>& containers);

// Two services on network PREFIX-net: "db" (healthcheck) and "web" (depends on db).
nlohmann::json dbAndWeb(const std::string& prefix);

// DELETE /networks/NAME or /volumes/NAME (kind "networks" or "volumes"): cairn itself never
// removes them, tests clean up what they made.
void deleteDockerObject(host::HttpClient& http, const docker::DockerClient& docker, const std::string& kind,
                        const std::string& name);

class SupervisedRoot {
 public:
  explicit SupervisedRoot(std::string dockerSocket = "/var/run/docker.sock");
  ~SupervisedRoot();
  SupervisedRoot(const SupervisedRoot&) = delete;
  SupervisedRoot& operator=(const SupervisedRoot&) = delete;

  const std::string& root() const { return dir_.path(); }
  const std::string& prefix() const { return prefix_; }
  // Writes containers.json (network and volumes are remembered for cleanup).
  void writeContainers(const nlohmann::json& containers);
  void writeSettings(const nlohmann::json& settings);

  void startSupervisor();
  void signalSupervisor(int signal);
  void waitSupervisorExit();
  std::string supervisorLog() const;
  pid_t supervisorPid() const { return supervisor_; }

  Result<host::HttpResponse> call(const std::string& method, const std::string& path,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(60));
  supervisor::SupervisorStatus status();
  const supervisor::ServiceStatus* findService(const supervisor::SupervisorStatus& status, const std::string& name);
  bool serviceIn(const std::string& service, const std::string& state);
  bool converged();

  docker::DockerClient& docker() { return *docker_; }
  // Containers of this root (io.cairn.scope), running or not.
  std::vector<docker::ContainerSummary> containers();
  docker::ContainerInfo inspect(const std::string& name);
  void removeEverything();

 private:
  TempDir dir_;
  std::string prefix_;
  std::string dockerSocket_;
  std::unique_ptr<host::CurlHttpClient> http_;
  std::unique_ptr<host::CurlHttpClient> dockerHttp_;
  std::unique_ptr<docker::DockerClient> docker_;
  pid_t supervisor_ = -1;
  std::vector<std::string> networks_;
  std::vector<std::string> volumes_;
};

// Records the container events of one scope from a thread of its own, from construction on.
class EventRecorder {
 public:
  EventRecorder(const std::string& dockerSocket, const std::string& scope);
  ~EventRecorder();
  std::vector<docker::Event> events() const;
  // timeNano of the first event of `container` with `action` (0 when none).
  std::int64_t first(const std::string& container, const std::string& action) const;
  std::vector<std::int64_t> all(const std::string& container, const std::string& action) const;

 private:
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<docker::Event> events_;
  std::thread thread_;
};

// Wall time of a Docker timestamp in ms since the epoch (0 when absent).
std::int64_t epochMillis(const std::optional<std::chrono::system_clock::time_point>& time);

}  // namespace cairn::testing

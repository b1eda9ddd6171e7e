#pragma once
// What the supervisor reports: per service state and its own health, as plain values and as the
// JSON of the control API (GET /v1/status). Pure.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cairn::supervisor {

struct ContainerStatus {
  std::string name;
  std::string id;
  std::string image;
  std::string state;  // Docker's State.Status, "missing" when there is no such container
  std::string health;
  int exitCode = 0;
};

struct ServiceStatus {
  std::string name;
  // running | starting | unhealthy | waiting | pulling | restarting | crash-looping | completed |
  // stopped | exited | failed | missing
  std::string state;
  std::string health;  // worst of its containers: unhealthy > starting > healthy > none
  int restarts = 0;    // restarts the supervisor made after failures (not the operator's)
  std::optional<int> lastExitCode;
  std::string lastExitReason;  // "exit 137", "oom", "unhealthy"
  double uptimeSeconds = 0;
  std::string image;
  std::string message;  // why it waits or failed
  std::vector<ContainerStatus> containers;
};

struct DockerStatus {
  bool connected = false;
  std::string version;
  std::string apiVersion;
  std::string error;  // why it is unreachable
};

struct ReconcileStatus {
  std::uint64_t passes = 0;
  bool desiredLoaded = false;
  std::string desiredError;  // containers.json missing or invalid
  double lastDurationSeconds = 0;
  bool converged = false;  // the last pass had nothing to do and nothing waits
  bool down = false;       // `cairnctl down` holds everything
};

struct SupervisorStatus {
  DockerStatus docker;
  ReconcileStatus reconcile;
  std::vector<ServiceStatus> services;
};

nlohmann::json toJson(const SupervisorStatus& status);
SupervisorStatus statusFromJson(const nlohmann::json& json);  // tolerant: missing fields keep defaults

// Counters and gauges of the supervisor itself.
struct SupervisorMetrics {
  std::map<std::string, std::uint64_t> restartsByService;
  std::map<std::string, std::uint64_t> failuresByService;
  std::uint64_t reconcilePasses = 0;
  double reconcileSecondsSum = 0;
  double lastReconcileSeconds = 0;
  std::uint64_t reconcileErrors = 0;
  std::uint64_t eventStreamReconnects = 0;
  bool dockerUp = false;
};

// Prometheus text format 0.0.4 of `metrics` and the per-service state of `status`.
std::string renderMetrics(const SupervisorMetrics& metrics, const SupervisorStatus& status);

}  // namespace cairn::supervisor

namespace cairn::supervisor {

// "3d 4h", "2h 5m", "4m 10s", "12s"; "-" for 0.
std::string formatUptime(double seconds);

// The table of `cairnctl status`: SERVICE STATE HEALTH RESTARTS LAST-EXIT UPTIME IMAGE, then the
// messages of services that wait or failed, and a line when Docker is unreachable.
std::string formatStatusTable(const SupervisorStatus& status);

}  // namespace cairn::supervisor

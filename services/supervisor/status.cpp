#include "services/supervisor/status.hpp"

#include <sstream>

#include "appliance/metrics/metrics.hpp"

namespace cairn::supervisor {
namespace {

using nlohmann::json;

template <typename T>
T valueOr(const json& object, const char* key, T fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

const char* const kStates[] = {"running", "starting", "unhealthy", "waiting", "pulling", "restarting", "crash-looping",
                               "completed", "stopped", "exited", "failed", "missing"};

}  // namespace

json toJson(const SupervisorStatus& status) {
  json services = json::array();
  for (const auto& service : status.services) {
    json containers = json::array();
    for (const auto& container : service.containers) {
      containers.push_back({{"name", container.name}, {"id", container.id}, {"image", container.image},
                            {"state", container.state}, {"health", container.health}, {"exit_code", container.exitCode}});
    }
    services.push_back({{"name", service.name},
                        {"state", service.state},
                        {"health", service.health},
                        {"restarts", service.restarts},
                        {"last_exit_code", service.lastExitCode ? json(*service.lastExitCode) : json(nullptr)},
                        {"last_exit_reason", service.lastExitReason},
                        {"uptime_s", service.uptimeSeconds},
                        {"image", service.image},
                        {"message", service.message},
                        {"containers", containers}});
  }
  return {{"docker",
           {{"connected", status.docker.connected}, {"version", status.docker.version},
            {"api_version", status.docker.apiVersion}, {"error", status.docker.error}}},
          {"reconcile",
           {{"passes", status.reconcile.passes}, {"desired_loaded", status.reconcile.desiredLoaded},
            {"desired_error", status.reconcile.desiredError}, {"last_duration_s", status.reconcile.lastDurationSeconds},
            {"converged", status.reconcile.converged}, {"down", status.reconcile.down}}},
          {"services", services}};
}

SupervisorStatus statusFromJson(const json& object) {
  SupervisorStatus status;
  json docker = valueOr<json>(object, "docker", json::object());
  status.docker.connected = valueOr(docker, "connected", false);
  status.docker.version = valueOr<std::string>(docker, "version", "");
  status.docker.apiVersion = valueOr<std::string>(docker, "api_version", "");
  status.docker.error = valueOr<std::string>(docker, "error", "");
  json reconcile = valueOr<json>(object, "reconcile", json::object());
  status.reconcile.passes = valueOr<std::uint64_t>(reconcile, "passes", 0);
  status.reconcile.desiredLoaded = valueOr(reconcile, "desired_loaded", false);
  status.reconcile.desiredError = valueOr<std::string>(reconcile, "desired_error", "");
  status.reconcile.lastDurationSeconds = valueOr(reconcile, "last_duration_s", 0.0);
  status.reconcile.converged = valueOr(reconcile, "converged", false);
  status.reconcile.down = valueOr(reconcile, "down", false);
  for (const auto& item : valueOr<json>(object, "services", json::array())) {
    ServiceStatus service;
    service.name = valueOr<std::string>(item, "name", "");
    service.state = valueOr<std::string>(item, "state", "");
    service.health = valueOr<std::string>(item, "health", "");
    service.restarts = valueOr(item, "restarts", 0);
    if (item.is_object() && item.contains("last_exit_code") && item["last_exit_code"].is_number_integer()) {
      service.lastExitCode = item["last_exit_code"].get<int>();
    }
    service.lastExitReason = valueOr<std::string>(item, "last_exit_reason", "");
    service.uptimeSeconds = valueOr(item, "uptime_s", 0.0);
    service.image = valueOr<std::string>(item, "image", "");
    service.message = valueOr<std::string>(item, "message", "");
    for (const auto& container : valueOr<json>(item, "containers", json::array())) {
      service.containers.push_back({valueOr<std::string>(container, "name", ""), valueOr<std::string>(container, "id", ""),
                                    valueOr<std::string>(container, "image", ""), valueOr<std::string>(container, "state", ""),
                                    valueOr<std::string>(container, "health", ""), valueOr(container, "exit_code", 0)});
    }
    status.services.push_back(std::move(service));
  }
  return status;
}

std::string renderMetrics(const SupervisorMetrics& metrics, const SupervisorStatus& status) {
  using metrics::MetricFamily;
  using metrics::MetricType;
  auto single = [](std::string name, std::string help, MetricType type, double value) {
    return MetricFamily{std::move(name), std::move(help), type, {{{}, value, std::nullopt}}, {}};
  };
  auto perService = [&](std::string name, std::string help, const std::map<std::string, std::uint64_t>& counts) {
    MetricFamily family{std::move(name), std::move(help), MetricType::kCounter, {}, {}};
    for (const auto& service : status.services) {
      auto it = counts.find(service.name);
      family.samples.push_back({{{"service", service.name}}, it == counts.end() ? 0.0 : static_cast<double>(it->second), std::nullopt});
    }
    return family;
  };
  MetricFamily states{"cairn_supervisor_service_state", "The state of each service (1 for the current state).",
                      MetricType::kGauge, {}, {}};
  for (const auto& service : status.services) {
    for (const char* state : kStates) {
      states.samples.push_back({{{"service", service.name}, {"state", state}}, service.state == state ? 1.0 : 0.0, std::nullopt});
    }
  }
  std::vector<MetricFamily> families = {
      single("cairn_supervisor_docker_up", "Whether the Docker engine answers (1) or not (0).", MetricType::kGauge,
             metrics.dockerUp ? 1 : 0),
      perService("cairn_supervisor_restarts_total",
                 "Restarts the supervisor made after a container died or turned unhealthy.", metrics.restartsByService),
      perService("cairn_supervisor_failures_total", "Deaths, OOM kills and unhealthy reports of managed containers.",
                 metrics.failuresByService),
      states,
      single("cairn_supervisor_reconcile_passes_total", "Reconcile passes run.", MetricType::kCounter,
             static_cast<double>(metrics.reconcilePasses)),
      single("cairn_supervisor_reconcile_duration_seconds_sum", "Time spent in reconcile passes.", MetricType::kCounter,
             metrics.reconcileSecondsSum),
      single("cairn_supervisor_last_reconcile_duration_seconds", "Duration of the last reconcile pass.",
             MetricType::kGauge, metrics.lastReconcileSeconds),
      single("cairn_supervisor_reconcile_errors_total", "Docker operations of reconcile passes that failed.",
             MetricType::kCounter, static_cast<double>(metrics.reconcileErrors)),
      single("cairn_supervisor_event_stream_reconnects_total",
             "Times the Docker event stream was re-opened after breaking.", MetricType::kCounter,
             static_cast<double>(metrics.eventStreamReconnects)),
  };
  return metrics::renderText(families);
}

}  // namespace cairn::supervisor

namespace cairn::supervisor {

std::string formatUptime(double seconds) {
  if (seconds < 1) return "-";
  auto total = static_cast<long long>(seconds);
  long long days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60, rest = total % 60;
  if (days > 0) return std::to_string(days) + "d " + std::to_string(hours) + "h";
  if (hours > 0) return std::to_string(hours) + "h " + std::to_string(minutes) + "m";
  if (minutes > 0) return std::to_string(minutes) + "m " + std::to_string(rest) + "s";
  return std::to_string(rest) + "s";
}

std::string formatStatusTable(const SupervisorStatus& status) {
  std::vector<std::vector<std::string>> rows = {{"SERVICE", "STATE", "HEALTH", "RESTARTS", "LAST EXIT", "UPTIME", "IMAGE"}};
  for (const auto& service : status.services) {
    std::string lastExit = service.lastExitReason.empty() ? "-" : service.lastExitReason;
    rows.push_back({service.name, service.state, service.health, std::to_string(service.restarts), lastExit,
                    formatUptime(service.uptimeSeconds), service.image});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::ostringstream out;
  if (!status.docker.connected) {
    out << "Docker is unreachable: " << (status.docker.error.empty() ? "not connected yet" : status.docker.error) << "\n";
  }
  if (!status.reconcile.desiredError.empty()) out << "Desired containers: " << status.reconcile.desiredError << "\n";
  if (status.reconcile.down) out << "Held down by `cairnctl down`; `cairnctl up` starts everything again.\n";
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << "\n";
  }
  for (const auto& service : status.services) {
    if (!service.message.empty() && service.state != "stopped") out << service.name << ": " << service.message << "\n";
  }
  return out.str();
}

}  // namespace cairn::supervisor

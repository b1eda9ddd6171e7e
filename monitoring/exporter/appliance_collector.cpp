#include "monitoring/exporter/appliance_collector.hpp"

#include <Poco/Logger.h>

namespace cairn::exporter {

std::vector<ServiceView> serviceViews(const std::vector<std::string>& services,
                                      const std::vector<ContainerInfo>& containers,
                                      const std::map<std::string, double>& exitsByService) {
  std::vector<ServiceView> views;
  for (const auto& service : services) {
    ServiceView view{service, false, true, 0};
    for (const auto& container : containers) {
      auto label = container.labels.find("io.cairn.service");
      if (label == container.labels.end() || label->second != service) continue;
      view.up = true;
      if (!container.health.empty() && container.health != "healthy") view.healthy = false;
    }
    view.healthy = view.up && view.healthy;
    auto exits = exitsByService.find(service);
    if (exits != exitsByService.end()) view.exits = exits->second;
    views.push_back(view);
  }
  return views;
}

std::vector<MetricFamily> applianceFamilies(const std::vector<ServiceView>& views, bool dockerUp, bool supervisorUp) {
  MetricFamily up = makeFamily("cairn_service_up", "Whether a container of the service is running (1) or not (0).",
                               MetricType::kGauge);
  MetricFamily healthy = makeFamily("cairn_service_healthy",
                                    "Whether every running container of the service passes its healthcheck.",
                                    MetricType::kGauge);
  MetricFamily exits = makeFamily("cairn_service_container_exits_total",
                                  "Container exits (die events) of the service since the exporter started.",
                                  MetricType::kCounter);
  for (const auto& view : views) {
    addSample(up, {{"service", view.service}}, view.up ? 1 : 0);
    addSample(healthy, {{"service", view.service}}, view.healthy ? 1 : 0);
    addSample(exits, {{"service", view.service}}, view.exits);
  }
  MetricFamily docker = makeFamily("cairn_exporter_docker_up", "Whether the Docker engine answers the exporter.",
                                   MetricType::kGauge);
  addSample(docker, {}, dockerUp ? 1 : 0);
  MetricFamily supervisor = makeFamily("cairn_exporter_supervisor_up",
                                       "Whether cairn-supervisord's metrics endpoint answers the exporter.",
                                       MetricType::kGauge);
  addSample(supervisor, {}, supervisorUp ? 1 : 0);
  std::vector<MetricFamily> out;
  if (!views.empty()) {
    out.push_back(std::move(up));
    out.push_back(std::move(healthy));
    out.push_back(std::move(exits));
  }
  out.push_back(std::move(docker));
  out.push_back(std::move(supervisor));
  return out;
}

ApplianceCollector::ApplianceCollector(const ContainerDirectory& directory, std::vector<std::string> services,
                                       host::HttpClient& client, std::string supervisorUrl)
    : directory_(directory), services_(std::move(services)), client_(client), supervisorUrl_(std::move(supervisorUrl)) {}

bool ApplianceCollector::supervisorAnswers() {
  if (supervisorUrl_.empty()) return false;
  // One probe at a time and at most one per kProbeInterval: a hung supervisor must not hold up
  // scrapes, so a scrape that finds a probe under way uses the last answer.
  std::unique_lock<std::mutex> lock(clientMutex_, std::try_to_lock);
  if (!lock.owns_lock()) return supervisorUp_.load();
  auto now = std::chrono::steady_clock::now();
  if (probed_ && now - lastProbe_ < kProbeInterval) return supervisorUp_.load();
  host::HttpRequest request;
  request.url = supervisorUrl_;
  request.timeout = std::chrono::milliseconds(1000);
  auto response = client_.send(request);
  bool up = response && response.value().status >= 200 && response.value().status < 500;
  if (!up && !warned_) {
    Poco::Logger::get("exporter.appliance")
        .warning("supervisor_metrics=unreachable url=%s (cairn_exporter_supervisor_up=0; reported once)", supervisorUrl_);
    warned_ = true;
  }
  if (up) warned_ = false;
  supervisorUp_ = up;
  probed_ = true;
  lastProbe_ = now;
  return up;
}

bool ApplianceCollector::collect(std::vector<MetricFamily>& out) {
  auto views = serviceViews(services_, directory_.snapshot(), directory_.exitsByService());
  for (auto& family : applianceFamilies(views, directory_.dockerReachable(), supervisorAnswers())) {
    out.push_back(std::move(family));
  }
  return true;
}

}  // namespace cairn::exporter

#include "monitoring/stack/stack_renderer.hpp"

#include <nlohmann/json.hpp>

#include "monitoring/dashboards/dashboards.hpp"
#include "monitoring/stack/prometheus_config.hpp"

namespace cairn::stack {
namespace {

const std::string kDir = kRenderedDir;
const std::string kPrometheusDir = kDir + "/prometheus";

}  // namespace

std::string renderGrafanaDatasource() {
  return std::string(
             "# Rendered by cairnctl apply; do not edit.\n"
             "apiVersion: 1\n"
             "datasources:\n"
             "  - name: Prometheus\n"
             "    uid: ") +
         dashboards::kPrometheusDatasourceUid +
         "\n"
         "    type: prometheus\n"
         "    access: proxy\n"
         "    url: http://127.0.0.1:9090\n"
         "    isDefault: true\n"
         "    editable: false\n"
         "    jsonData:\n"
         "      httpMethod: POST\n"
         "      timeInterval: 15s\n";
}

std::string renderGrafanaDashboardProvider() {
  return "# Rendered by cairnctl apply; do not edit.\n"
         "apiVersion: 1\n"
         "providers:\n"
         "  - name: cairn\n"
         "    folder: cairn\n"
         "    type: file\n"
         "    disableDeletion: true\n"
         "    allowUiUpdates: false\n"
         "    updateIntervalSeconds: 30\n"
         "    options:\n"
         "      path: /var/lib/cairn-dashboards\n";
}

std::string renderExporterConfig(const spec::Spec& spec) {
  std::vector<std::string> services;
  for (const auto& name : spec::serviceNames()) {
    if (spec.services.count(name) && spec.enabled(name)) services.push_back(name);
  }
  nlohmann::json config = {{"listen", spec.monitoring.exporterListen.empty() ? "127.0.0.1:9464" : spec.monitoring.exporterListen},
                           {"services", services}};
  return config.dump(2) + "\n";
}

bundle::Bundle renderMonitoringStack(const spec::Spec& spec) {
  bundle::Bundle out;
  auto file = [&](const std::string& path, std::string content, std::vector<std::string> reload) {
    out.files.push_back({path, std::move(content), 0644, "", false, std::move(reload)});
  };
  file(kPrometheusDir + "/prometheus.yml", renderPrometheusConfig(spec), {"prometheus-reload"});
  file(kPrometheusDir + "/rules/cairn-recording.yml", renderRecordingRules(), {"prometheus-reload"});
  file(kPrometheusDir + "/rules/cairn-alerts.yml", renderAlertRules(), {"prometheus-reload"});
  // Grafana picks up dashboard files on its own (updateIntervalSeconds); data sources are read at start.
  file(kDir + "/grafana/provisioning/datasources/prometheus.yaml", renderGrafanaDatasource(), {});
  file(kDir + "/grafana/provisioning/dashboards/cairn.yaml", renderGrafanaDashboardProvider(), {});
  for (const auto& dashboard : dashboards::cairnDashboards()) {
    file(kDir + "/grafana/dashboards/" + dashboard.file, dashboards::dashboardJson(dashboard).dump(2) + "\n", {});
  }
  file(kDir + "/exporter.json", renderExporterConfig(spec), {"exporter-restart"});

  out.validators.push_back(
      {"promtool check config", {"promtool", "check", "config", "{stage}" + kPrometheusDir + "/prometheus.yml"}, 60});
  out.validators.push_back({"promtool check rules",
                            {"promtool", "check", "rules", "{stage}" + kPrometheusDir + "/rules/cairn-recording.yml",
                             "{stage}" + kPrometheusDir + "/rules/cairn-alerts.yml"},
                            60});
  // Prometheus re-reads its configuration on SIGHUP. When its container is not running yet the
  // supervisor starts it with the new files, so a missing container is not a failure.
  out.reloadActions.push_back(
      {"prometheus-reload",
       {"sh", "-c", "docker kill --signal HUP cairn-prometheus >/dev/null 2>&1 || true"},
       30});
  out.reloadActions.push_back(
      {"exporter-restart",
       {"sh", "-c", "if command -v systemctl >/dev/null && systemctl is-active --quiet cairn-exporter; then "
                    "systemctl restart cairn-exporter; fi"},
       30});
  return out;
}

}  // namespace cairn::stack

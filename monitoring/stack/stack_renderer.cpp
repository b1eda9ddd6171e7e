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

  // promtool comes with Debian's prometheus package, which a host running cairn does not need:
  // without it the pinned Prometheus image checks the files, and before that image is loaded
  // Prometheus itself checks them when the supervisor starts it.
  out.validators.push_back(
      {"promtool check",
       {"sh", "-c",
        "dir=$1 image=$2\n"
        "check() { $@ check config \"$dir/prometheus.yml\" && "
        "$@ check rules \"$dir/rules/cairn-recording.yml\" \"$dir/rules/cairn-alerts.yml\"; }\n"
        "if command -v promtool >/dev/null 2>&1; then check promtool; exit; fi\n"
        "if docker image inspect \"$image\" >/dev/null 2>&1; then\n"
        "  dir_in=/etc/prometheus\n"
        "  docker run --rm --network none -v \"$dir:$dir_in:ro\" --entrypoint promtool \"$image\" check config "
        "$dir_in/prometheus.yml && docker run --rm --network none -v \"$dir:$dir_in:ro\" --entrypoint promtool "
        "\"$image\" check rules $dir_in/rules/cairn-recording.yml $dir_in/rules/cairn-alerts.yml; exit\n"
        "fi\n"
        "echo \"promtool is not installed and $image is not loaded yet: Prometheus checks its configuration "
        "when it starts\"\n",
        "promtool-check", "{stage}" + kPrometheusDir, spec.service("prometheus").image},
       120});
  // Prometheus re-reads its configuration on SIGHUP. When its container is not running yet the
  // supervisor starts it with the new files, so a missing container is not a failure.
  out.reloadActions.push_back(
      {"prometheus-reload",
       // Only on the real system: a --root tree has no Prometheus of its own.
       {"sh", "-c", "[ -z '{root}' ] || exit 0; docker kill --signal HUP cairn-prometheus >/dev/null 2>&1 || true"},
       30});
  out.reloadActions.push_back(
      {"exporter-restart",
       {"sh", "-c", "[ -z '{root}' ] || exit 0; if command -v systemctl >/dev/null && systemctl is-active --quiet cairn-exporter; then "
                    "systemctl restart cairn-exporter; fi"},
       30});
  return out;
}

}  // namespace cairn::stack

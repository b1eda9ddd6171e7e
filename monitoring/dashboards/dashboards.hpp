#pragma once
// cairn's Grafana dashboards as values: node overview, containers, appliance services. Every
// panel's queries use only metrics cairn-exporter and Prometheus itself produce, so an
// integration test can run each of them against a real Prometheus.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cairn::dashboards {

struct Query {
  std::string expr;  // PromQL; may use Grafana's $__rate_interval
  std::string legend;
};

struct Panel {
  std::string title;
  std::string unit;  // Grafana unit id ("percent", "bytes", "s", "Bps", "short")
  std::vector<Query> queries;
  std::string type = "timeseries";  // or "stat"
};

struct Dashboard {
  std::string uid;    // stable, used in links
  std::string title;
  std::string file;   // file name under grafana/dashboards/
  std::vector<Panel> panels;
};

// The uid of the provisioned Prometheus data source every panel uses.
inline constexpr const char* kPrometheusDatasourceUid = "prometheus";

std::vector<Dashboard> cairnDashboards();

// Grafana's dashboard JSON model (schemaVersion 39): panels laid out two per row.
nlohmann::json dashboardJson(const Dashboard& dashboard);

}  // namespace cairn::dashboards

#include "monitoring/dashboards/dashboards.hpp"

namespace cairn::dashboards {
namespace {

const std::string kRate = "[$__rate_interval]";
const std::string kContainers = R"({name=~".+"})";

Dashboard nodeOverview() {
  return {"cairn-node",
          "cairn / Node overview",
          "node-overview.json",
          {
              {"CPU busy", "percent",
               {{R"(100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"})" + kRate + ")))", "{{instance}}"}}},
              {"Load average", "short",
               {{"node_load1", "1m"}, {"node_load5", "5m"}, {"node_load15", "15m"}}},
              {"Memory used", "percent",
               {{"100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)", "{{instance}}"}}},
              {"Root file system used", "percent",
               {{R"(100 * (1 - node_filesystem_avail_bytes{mountpoint="/",fstype!="rootfs"} / node_filesystem_size_bytes{mountpoint="/",fstype!="rootfs"}))",
                 "{{device}}"}}},
              {"Uptime", "s", {{"node_time_seconds - node_boot_time_seconds", "{{instance}}"}}, "stat"},
              {"Disk throughput", "Bps",
               {{"rate(node_disk_read_bytes_total" + kRate + ")", "read {{device}}"},
                {"rate(node_disk_written_bytes_total" + kRate + ")", "written {{device}}"}}},
              {"Network traffic", "bps",
               {{R"(rate(node_network_receive_bytes_total{device!="lo"})" + kRate + ") * 8", "in {{device}}"},
                {R"(rate(node_network_transmit_bytes_total{device!="lo"})" + kRate + ") * 8", "out {{device}}"}}},
              {"File descriptors", "short",
               {{"node_filefd_allocated", "allocated"}, {"node_filefd_maximum", "maximum"}}},
          }};
}

Dashboard containersDashboard() {
  return {"cairn-containers",
          "cairn / Containers",
          "containers.json",
          {
              {"CPU per container", "short",
               {{"sum by (name) (rate(container_cpu_usage_seconds_total" + kContainers + kRate + "))", "{{name}}"}}},
              {"Memory working set", "bytes",
               {{"sum by (name) (container_memory_working_set_bytes" + kContainers + ")", "{{name}}"}}},
              {"Memory used of limit", "percentunit",
               {{"max by (name) (container_memory_working_set_bytes" + kContainers +
                     ") / max by (name) (container_spec_memory_limit_bytes" + kContainers + " > 0)",
                 "{{name}}"}}},
              {"Network received", "Bps",
               {{"sum by (name) (rate(container_network_receive_bytes_total" + kContainers + kRate + "))", "{{name}}"}}},
              {"Network sent", "Bps",
               {{"sum by (name) (rate(container_network_transmit_bytes_total" + kContainers + kRate + "))", "{{name}}"}}},
              {"Threads", "short", {{"sum by (name) (container_threads" + kContainers + ")", "{{name}}"}}},
              {"Restarts (1h)", "short",
               {{"sum by (name) (changes(container_start_time_seconds" + kContainers + "[1h]))", "{{name}}"}}},
              {"OOM kills", "short", {{"sum by (name) (container_oom_events_total" + kContainers + ")", "{{name}}"}}},
          }};
}

Dashboard applianceServices() {
  return {"cairn-services",
          "cairn / Appliance services",
          "appliance-services.json",
          {
              {"Service running", "short", {{"cairn_service_up", "{{service}}"}}, "stat"},
              {"Service healthy", "short", {{"cairn_service_healthy", "{{service}}"}}, "stat"},
              {"Container exits (1h)", "short",
               {{"increase(cairn_service_container_exits_total[1h])", "{{service}}"}}},
              {"Memory per service", "bytes",
               {{R"(sum by (container_label_io_cairn_service) (container_memory_working_set_bytes{container_label_io_cairn_service!=""}))",
                 "{{container_label_io_cairn_service}}"}}},
              {"Scrape targets up", "short", {{"up", "{{job}}"}}},
              {"Exporter scrape time p99", "s",
               {{"histogram_quantile(0.99, sum by (le) (rate(cairn_exporter_scrape_duration_seconds_bucket" + kRate + ")))",
                 "p99"}}},
              {"Collectors failing", "short", {{"count(node_scrape_collector_success == 0) or vector(0)", "failing"}}},
              {"Docker and supervisor reachable", "short",
               {{"cairn_exporter_docker_up", "docker"}, {"cairn_exporter_supervisor_up", "supervisor"}}},
          }};
}

}  // namespace

std::vector<Dashboard> cairnDashboards() { return {nodeOverview(), containersDashboard(), applianceServices()}; }

nlohmann::json dashboardJson(const Dashboard& dashboard) {
  using nlohmann::json;
  json datasource = {{"type", "prometheus"}, {"uid", kPrometheusDatasourceUid}};
  json panels = json::array();
  int id = 1;
  for (std::size_t i = 0; i < dashboard.panels.size(); ++i) {
    const Panel& panel = dashboard.panels[i];
    json targets = json::array();
    char refId = 'A';
    for (const auto& query : panel.queries) {
      targets.push_back({{"datasource", datasource},
                         {"expr", query.expr},
                         {"legendFormat", query.legend},
                         {"refId", std::string(1, refId++)}});
    }
    panels.push_back({{"id", id++},
                      {"type", panel.type},
                      {"title", panel.title},
                      {"datasource", datasource},
                      {"gridPos", {{"h", 8}, {"w", 12}, {"x", (i % 2) * 12}, {"y", (i / 2) * 8}}},
                      {"fieldConfig", {{"defaults", {{"unit", panel.unit}}}, {"overrides", json::array()}}},
                      {"options", json::object()},
                      {"targets", targets}});
  }
  return {{"uid", dashboard.uid},
          {"title", dashboard.title},
          {"tags", {"cairn"}},
          {"timezone", "browser"},
          {"schemaVersion", 39},
          {"version", 1},
          {"editable", false},
          {"refresh", "30s"},
          {"time", {{"from", "now-6h"}, {"to", "now"}}},
          {"templating", {{"list", json::array()}}},
          {"annotations", {{"list", json::array()}}},
          {"panels", panels}};
}

}  // namespace cairn::dashboards

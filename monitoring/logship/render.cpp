#include "monitoring/logship/render.hpp"

#include <nlohmann/json.hpp>

#include "appliance/facts/nginx_logs.hpp"

namespace cairn::logship {
namespace {

using nlohmann::json;

constexpr const char* kHeader = "# Rendered by cairnctl apply from /etc/cairn/appliance.json; edits are overwritten.\n";

// Loki wants retention in whole index periods (24h).
std::int64_t retentionHours(const spec::Spec& spec) {
  const std::int64_t hours = std::chrono::duration_cast<std::chrono::hours>(spec.logs.retention.value).count();
  const std::int64_t days = std::max<std::int64_t>(1, (hours + 23) / 24);
  return days * 24;
}

std::string yamlQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

json logsPanel(int id, const std::string& title, const std::string& expr, int y) {
  return {{"id", id}, {"type", "logs"}, {"title", title},
          {"datasource", {{"type", "loki"}, {"uid", "cairn-loki"}}},
          {"gridPos", {{"x", 0}, {"y", y}, {"w", 24}, {"h", 10}}},
          {"options", {{"showTime", true}, {"wrapLogMessage", true}, {"sortOrder", "Descending"}, {"enableLogDetails", true}}},
          {"targets", json::array({{{"refId", "A"}, {"expr", expr}, {"datasource", {{"type", "loki"}, {"uid", "cairn-loki"}}}}})}};
}

}  // namespace

std::string pushUrlFor(const std::string& lokiUrl) {
  if (lokiUrl.empty()) return "http://127.0.0.1:3100/loki/api/v1/push";
  if (lokiUrl.find("/loki/api/v1/push") != std::string::npos) return lokiUrl;
  std::string base = lokiUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/loki/api/v1/push";
}

LogshipConfig logshipConfigFor(const spec::Spec& spec) {
  LogshipConfig config;
  config.loki.url = pushUrlFor(spec.logs.lokiUrl);
  config.loki.tenant = spec.logs.tenant;
  config.loki.username = spec.logs.username;
  config.loki.passwordFile = spec.logs.passwordFile;
  config.labels = spec.logs.labels;
  config.maxLineBytes = spec.logs.maxLineSize.bytes;
  config.batchBytes = spec.logs.batchSize.bytes;
  config.batchWaitMs = spec.logs.batchWait.value.count();
  config.docker.joinContinuations = {"airflow"};
  config.files = {
      {facts::kNginxAccessLog, "nginx_access", {{"job", "nginx"}, {"log", "access"}}, false},
      {facts::kNginxErrorLog, "nginx_error", {{"job", "nginx"}, {"log", "error"}}, false},
  };
  config.journal.enabled = true;
  config.journal.units = {"cairn-*.service", "docker.service"};
  return config;
}

std::string renderLokiConfig(const spec::Spec& spec) {
  const std::int64_t hours = retentionHours(spec);
  const std::uint64_t maxLineKb = (spec.logs.maxLineSize.bytes + 1023) / 1024;
  std::string y = kHeader;
  y += "auth_enabled: " + std::string(spec.logs.tenant.empty() ? "false" : "true") + "\n";
  y += R"(server:
  http_listen_port: 3100
  grpc_listen_port: 9095
  log_level: warn
common:
  instance_addr: 127.0.0.1
  path_prefix: /loki
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory
  storage:
    filesystem:
      chunks_directory: /loki/chunks
      rules_directory: /loki/rules
schema_config:
  configs:
    - from: "2024-01-01"
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
ingester:
  chunk_idle_period: 30m
  max_chunk_age: 2h
  chunk_target_size: 1572864
  wal:
    dir: /loki/wal
compactor:
  working_directory: /loki/compactor
  compaction_interval: 10m
  retention_enabled: true
  retention_delete_delay: 2h
  delete_request_store: filesystem
limits_config:
)";
  y += "  retention_period: " + std::to_string(hours) + "h\n";
  y += "  reject_old_samples: true\n";
  y += "  reject_old_samples_max_age: " + std::to_string(hours) + "h\n";
  y += "  creation_grace_period: 10m\n";
  y += "  max_line_size: " + std::to_string(maxLineKb) + "KB\n";
  y += R"(  max_line_size_truncate: false
  ingestion_rate_mb: 4
  ingestion_burst_size_mb: 6
  per_stream_rate_limit: 3MB
  per_stream_rate_limit_burst: 15MB
  max_global_streams_per_user: 5000
  max_label_names_per_series: 15
  allow_structured_metadata: true
  max_query_series: 500
  max_query_parallelism: 2
  max_entries_limit_per_query: 5000
  split_queries_by_interval: 1h
query_range:
  results_cache:
    cache:
      embedded_cache:
        enabled: true
        max_size_mb: 50
chunk_store_config:
  chunk_cache_config:
    embedded_cache:
      enabled: true
      max_size_mb: 50
analytics:
  reporting_enabled: false
)";
  return y;
}

std::string renderLokiDatasource(const spec::Spec& spec) {
  std::string y = kHeader;
  y += R"(apiVersion: 1
datasources:
  - name: Loki
    uid: cairn-loki
    type: loki
    access: proxy
    url: http://loki:3100
    editable: false
    jsonData:
      maxLines: 1000
      timeout: 60
)";
  if (!spec.logs.tenant.empty()) {
    y += "      httpHeaderName1: X-Scope-OrgID\n";
    y += "    secureJsonData:\n";
    y += "      httpHeaderValue1: " + yamlQuote(spec.logs.tenant) + "\n";
  }
  return y;
}

std::string renderLogsDashboard() {
  const json lokiDs = {{"type", "loki"}, {"uid", "cairn-loki"}};
  json rate = {{"id", 1}, {"type", "timeseries"}, {"title", "Log lines per service"}, {"datasource", lokiDs},
               {"gridPos", {{"x", 0}, {"y", 0}, {"w", 24}, {"h", 7}}},
               {"fieldConfig", {{"defaults", {{"unit", "short"}, {"custom", {{"drawStyle", "bars"}, {"stacking", {{"mode", "normal"}}}}}}}, {"overrides", json::array()}}},
               {"targets", json::array({{{"refId", "A"}, {"datasource", lokiDs}, {"legendFormat", "{{service}}"},
                                         {"expr", "sum by (service) (count_over_time({job=\"containers\", service=~\"$service\"} |~ \"$search\" [$__auto]))"}}})}};
  json errors = {{"id", 2}, {"type", "timeseries"}, {"title", "Lines mentioning errors"}, {"datasource", lokiDs},
                 {"gridPos", {{"x", 0}, {"y", 7}, {"w", 24}, {"h", 6}}},
                 {"targets", json::array({{{"refId", "A"}, {"datasource", lokiDs}, {"legendFormat", "{{service}}"},
                                           {"expr", "sum by (service) (count_over_time({job=\"containers\", service=~\"$service\"} |~ \"(?i)error|exception|fatal\" [$__auto]))"}}})}};
  json panels = json::array({rate, errors,
                             logsPanel(3, "Containers", "{job=\"containers\", service=~\"$service\"} |~ \"$search\"", 13),
                             logsPanel(4, "nginx", "{job=\"nginx\"} |~ \"$search\"", 23),
                             logsPanel(5, "Appliance units (journal)", "{job=\"journal\"} |~ \"$search\"", 33)});
  json service = {{"name", "service"}, {"label", "Service"}, {"type", "query"}, {"datasource", lokiDs},
                  {"query", "label_values({job=\"containers\"}, service)"}, {"includeAll", true}, {"multi", true},
                  {"allValue", ".+"}, {"refresh", 2},
                  {"current", {{"text", "All"}, {"value", "$__all"}}}};
  json search = {{"name", "search"}, {"label", "Search (regex)"}, {"type", "textbox"}, {"query", ""},
                 {"current", {{"text", ""}, {"value", ""}}}};
  json dashboard = {{"uid", "cairn-logs"}, {"title", "Logs"}, {"tags", {"cairn", "logs"}}, {"timezone", "browser"},
                    {"schemaVersion", 39}, {"version", 1}, {"editable", false}, {"refresh", "30s"},
                    {"time", {{"from", "now-1h"}, {"to", "now"}}},
                    {"templating", {{"list", json::array({service, search})}}}, {"panels", panels}};
  return dashboard.dump(2) + "\n";
}

bundle::Bundle renderLogship(const spec::Spec& spec) {
  bundle::Bundle b;
  b.files.push_back({kConfigPath, configToJson(logshipConfigFor(spec)).dump(2) + "\n", 0644, "", false,
                     {"restart-logshipd"}});
  b.files.push_back({kLokiConfigPath, renderLokiConfig(spec), 0644, "", false, {}});
  b.files.push_back({kDatasourcePath, renderLokiDatasource(spec), spec.logs.tenant.empty() ? 0644u : 0640u, "", false, {}});
  b.files.push_back({kDashboardPath, renderLogsDashboard(), 0644, "", false, {}});
  // Restart only where systemd runs the daemon (an appliance), not in a bare --root tree.
  b.reloadActions.push_back({"restart-logshipd",
                             {"/bin/sh", "-c",
                              // restart, not try-restart: before the first apply the daemon had no
                              // config and may have stopped. Never on a --root tree.
                              "[ -z '{root}' ] || exit 0; if [ -d /run/systemd/system ] && "
                              "systemctl is-enabled --quiet cairn-logshipd.service; then "
                              "systemctl restart cairn-logshipd.service; fi"},
                             60});
  return b;
}

}  // namespace cairn::logship

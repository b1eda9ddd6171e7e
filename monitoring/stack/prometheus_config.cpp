#include "monitoring/stack/prometheus_config.hpp"

#include <chrono>

namespace cairn::stack {
namespace {

// Prometheus durations: the largest unit that divides the value ("90s" stays "90s", "15d").
std::string promDuration(std::chrono::milliseconds value) {
  long long ms = value.count();
  const std::pair<long long, const char*> units[] = {
      {86'400'000LL * 7, "w"}, {86'400'000LL, "d"}, {3'600'000LL, "h"}, {60'000LL, "m"}, {1000LL, "s"}};
  for (const auto& [size, suffix] : units) {
    if (ms >= size && ms % size == 0) return std::to_string(ms / size) + suffix;
  }
  return std::to_string(ms) + "ms";
}

}  // namespace

std::vector<ScrapeTarget> scrapeTargets(const spec::Spec& spec) {
  std::vector<ScrapeTarget> targets = {
      {"cairn-exporter", spec.monitoring.exporterListen.empty() ? "127.0.0.1:9464" : spec.monitoring.exporterListen},
      {"cairn-supervisord", "127.0.0.1:9465"},
      {"cairn-logshipd", "127.0.0.1:9466"},
  };
  if (spec.services.count("loki") && spec.enabled("loki")) targets.push_back({"loki", "127.0.0.1:3100"});
  targets.push_back({"prometheus", "127.0.0.1:9090"});
  return targets;
}

std::string renderPrometheusConfig(const spec::Spec& spec) {
  std::string interval = promDuration(spec.monitoring.scrapeInterval.value);
  std::string out =
      "# Rendered by cairnctl apply from /etc/cairn/appliance.json; do not edit.\n"
      "global:\n"
      "  scrape_interval: " + interval + "\n"
      "  evaluation_interval: " + interval + "\n"
      "  external_labels:\n"
      "    appliance: \"" + spec.domain + "\"\n"
      "rule_files:\n"
      "  - rules/*.yml\n"
      "scrape_configs:\n";
  for (const auto& target : scrapeTargets(spec)) {
    out += "  - job_name: " + target.job + "\n"
           "    static_configs:\n"
           "      - targets: [\"" + target.address + "\"]\n";
  }
  return out;
}

std::string renderRecordingRules() {
  return R"(# Rendered by cairnctl apply; do not edit.
groups:
  - name: cairn-recording
    rules:
      - record: instance:node_cpu_utilisation:rate5m
        expr: 1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))
      - record: instance:node_memory_utilisation:ratio
        expr: 1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes
      - record: name:container_cpu_usage_seconds:rate5m
        expr: sum by (name) (rate(container_cpu_usage_seconds_total{name=~".+"}[5m]))
      - record: name:container_memory_working_set_bytes:sum
        expr: sum by (name) (container_memory_working_set_bytes{name=~".+"})
)";
}

std::string renderAlertRules() {
  return R"(# Rendered by cairnctl apply; do not edit.
groups:
  - name: cairn-alerts
    rules:
      - alert: TargetDown
        expr: up == 0
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.job }} at {{ $labels.instance }} is down"
          description: "Prometheus could not scrape {{ $labels.job }} for 5 minutes."
      - alert: NodeMemoryHigh
        expr: 100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 80
        for: 5m
        labels:
          severity: warning
        annotations:
          summary: "Memory use on {{ $labels.instance }} is above 80%"
          description: "{{ printf \"%.0f\" $value }}% of memory is in use."
      - alert: NodeCpuHigh
        expr: 100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 70
        for: 15m
        labels:
          severity: warning
        annotations:
          summary: "CPU use on {{ $labels.instance }} has been above 70% for 15 minutes"
          description: "CPU busy is {{ printf \"%.0f\" $value }}%."
      - alert: FilesystemFullIn24h
        expr: |
          predict_linear(node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs"}[6h], 24 * 3600) < 0
          and node_filesystem_readonly{fstype!~"tmpfs|ramfs"} == 0
        for: 30m
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.mountpoint }} on {{ $labels.instance }} is predicted to fill within 24 hours"
          description: "At the rate of the last 6 hours, {{ $labels.device }} runs out of space within a day."
      - alert: ContainerRestarting
        expr: changes(container_start_time_seconds{name=~".+"}[15m]) >= 1
        labels:
          severity: warning
        annotations:
          summary: "Container {{ $labels.name }} restarted"
          description: "{{ $labels.name }} started {{ $value }} times in the last 15 minutes."
      - alert: ServiceCrashLooping
        expr: increase(cairn_service_container_exits_total[10m]) >= 5
        labels:
          severity: critical
        annotations:
          summary: "Service {{ $labels.service }} is crash-looping"
          description: "Containers of {{ $labels.service }} exited {{ $value }} times in 10 minutes."
      - alert: ContainerOomKilled
        expr: increase(container_oom_events_total{name=~".+"}[10m]) > 0
        labels:
          severity: warning
        annotations:
          summary: "Container {{ $labels.name }} was OOM-killed"
          description: "{{ $labels.name }} ran out of memory in the last 10 minutes."
      - alert: TlsCertificateExpiringSoon
        expr: cairn_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400
        labels:
          severity: warning
        annotations:
          summary: "The TLS certificate nginx serves ({{ $labels.source }}) expires within 14 days"
          description: "It expires in {{ $value | humanizeDuration }}."
      - alert: LogLinesLost
        expr: increase(cairn_logship_losses_total[15m]) > 0
        labels:
          severity: warning
        annotations:
          summary: "cairn-logshipd lost lines of {{ $labels.source }}: {{ $labels.reason }} before read"
          description: "A log file was {{ $labels.reason }} before it was read to its end; its warning in the journal of cairn-logshipd names the file and byte range."
)";
}

}  // namespace cairn::stack

#include <string>

#include "services/catalog/services.hpp"

namespace cairn::catalog {

namespace {

// A duration in the largest unit Prometheus accepts that expresses it exactly ("15d", "90m").
std::string prometheusDuration(std::chrono::milliseconds duration) {
  static const std::pair<const char*, long long> kUnits[] = {
      {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}};
  long long ms = duration.count();
  for (const auto& [unit, size] : kUnits) {
    if (ms > 0 && ms % size == 0) return std::to_string(ms / size) + unit;
  }
  return "0s";
}

// Prometheus' size units are powers of two: "MB" means MiB. "0MB" turns the limit off.
std::string prometheusSize(std::uint64_t bytes) {
  const std::uint64_t kMebibyte = 1ULL << 20;
  return bytes % kMebibyte == 0 ? std::to_string(bytes / kMebibyte) + "MB" : std::to_string(bytes) + "B";
}

}  // namespace

std::vector<Service> prometheusServices(const spec::Spec& spec, const secrets::Secrets&) {
  const spec::ServiceSettings& settings = spec.service("prometheus");
  Container c = hardenedContainer("prometheus", settings.image, settings.resources);
  // Host networking, listening on loopback only, so it scrapes the host daemons on 127.0.0.1.
  c.networkMode = "host";
  c.aliases.clear();
  c.command = {"--config.file=/etc/prometheus/prometheus.yml",
               "--storage.tsdb.path=/prometheus",
               "--storage.tsdb.retention.time=" + prometheusDuration(spec.monitoring.retention.value),
               "--storage.tsdb.retention.size=" + prometheusSize(spec.monitoring.retentionSize.bytes),
               "--web.listen-address=127.0.0.1:9090",
               "--web.enable-lifecycle"};
  c.mounts = {volumeMount("cairn-prometheus-data", "/prometheus"),
              renderedMount("prometheus", "/etc/prometheus")};
  // The image is busybox-based: wget is there, curl is not.
  c.healthcheck =
      Healthcheck{{"CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/-/ready"}, 10000, 5000, 5, 30000};
  c.pidsLimit = 1024;
  c.stopTimeoutSeconds = 60;  // writes its head block on shutdown
  return {Service{"prometheus", {}, {c}}};
}

}  // namespace cairn::catalog

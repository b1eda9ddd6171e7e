#pragma once
// Prometheus configuration rendered from the spec: prometheus.yml (scrape targets on loopback
// as docs/architecture.md (Ports) fixes them, interval from monitoring.scrape_interval), the recording rules
// and the alert rules. Pure functions.

#include <string>
#include <vector>

#include "appliance/spec/spec.hpp"

namespace cairn::stack {

struct ScrapeTarget {
  std::string job;
  std::string address;  // host:port
};

// cairn-exporter (monitoring.exporter_listen), cairn-supervisord 127.0.0.1:9465,
// cairn-logshipd 127.0.0.1:9466, loki 127.0.0.1:3100 (when enabled), prometheus 127.0.0.1:9090.
std::vector<ScrapeTarget> scrapeTargets(const spec::Spec& spec);

// prometheus.yml; rule files are read from rules/*.yml next to it.
std::string renderPrometheusConfig(const spec::Spec& spec);
std::string renderRecordingRules();
// Alerts: target down, node memory > 80 %, CPU > 70 % for 15 minutes, file system predicted full
// within 24 hours, container restarting, service crash-looping, container OOM-killed, TLS
// certificate expiring within 14 days.
std::string renderAlertRules();

}  // namespace cairn::stack

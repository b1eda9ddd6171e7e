#pragma once
// The logship part of the appliance bundle, rendered from the spec (pure: spec in, files out):
//   /etc/cairn/rendered/logship.json                       cairn-logshipd's settings
//   /etc/cairn/rendered/loki/loki.yaml                     the Loki server (retention, one-VPS limits)
//   /etc/cairn/rendered/grafana/provisioning/datasources/loki-datasource.yaml
//   /etc/cairn/rendered/grafana/dashboards/logs-overview.json

#include "appliance/bundle/bundle.hpp"
#include "appliance/spec/spec.hpp"
#include "monitoring/logship/config.hpp"

namespace cairn::logship {

inline constexpr const char* kConfigPath = "/etc/cairn/rendered/logship.json";
inline constexpr const char* kLokiConfigPath = "/etc/cairn/rendered/loki/loki.yaml";
inline constexpr const char* kDatasourcePath = "/etc/cairn/rendered/grafana/provisioning/datasources/loki-datasource.yaml";
inline constexpr const char* kDashboardPath = "/etc/cairn/rendered/grafana/dashboards/logs-overview.json";

// The daemon's settings for this spec.
LogshipConfig logshipConfigFor(const spec::Spec& spec);
// The push endpoint: logs.loki_url (with /loki/api/v1/push added when it has no path) or the
// appliance's own Loki.
std::string pushUrlFor(const std::string& lokiUrl);
std::string renderLokiConfig(const spec::Spec& spec);
std::string renderLokiDatasource(const spec::Spec& spec);
std::string renderLogsDashboard();

bundle::Bundle renderLogship(const spec::Spec& spec);

}  // namespace cairn::logship

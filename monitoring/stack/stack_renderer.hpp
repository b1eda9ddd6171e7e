#pragma once
// The monitoring stack's part of `cairnctl apply`: Prometheus configuration and rules, Grafana's
// Prometheus data source and dashboard provisioning, the dashboards, and cairn-exporter's
// settings — plus `promtool check config` / `check rules` run against the staged tree.

#include "appliance/bundle/bundle.hpp"
#include "appliance/spec/spec.hpp"

namespace cairn::stack {

inline constexpr const char* kRenderedDir = "/etc/cairn/rendered";

std::string renderGrafanaDatasource();
std::string renderGrafanaDashboardProvider();
// /etc/cairn/rendered/exporter.json for cairn-exporter.
std::string renderExporterConfig(const spec::Spec& spec);

bundle::Bundle renderMonitoringStack(const spec::Spec& spec);

}  // namespace cairn::stack

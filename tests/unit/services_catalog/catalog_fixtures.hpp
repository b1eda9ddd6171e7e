#pragma once
// Specs and secrets shared by the catalog's tests.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/load.hpp"
#include "services/catalog/container.hpp"

namespace cairn::catalog::testing {

// Every secret of secretKinds() with the readable value "secret-<name>-value".
inline secrets::Secrets testSecrets() {
  nlohmann::json entries = nlohmann::json::object();
  for (const auto& kind : secrets::secretKinds()) {
    entries[kind.name] = {{"value", "secret-" + kind.name + "-value"}, {"created", "2026-01-01T00:00:00Z"}};
  }
  return secrets::Secrets::fromJson({{"version", 1}, {"secrets", entries}});
}

inline std::vector<std::string> secretValues() {
  std::vector<std::string> values;
  for (const auto& kind : secrets::secretKinds()) values.push_back("secret-" + kind.name + "-value");
  return values;
}

inline spec::Spec defaultSpec() { return spec::loadSpec(R"({"version": 1, "domain": "example.com"})"); }

// Every setting the catalog reads, away from its default.
inline const char* kFullSpecText = R"({
  "version": 1,
  "domain": "data.example.org",
  "hosts": {"auth": "sso.data.example.org", "grafana": "metrics.data.example.org",
            "airflow": "pipelines.data.example.org"},
  "services": {
    "postgres": {"image": "registry.example.org:5000/library/postgres:18.1-bookworm", "memory": "4GiB", "cpus": 2},
    "redis": {"image": "redis:7.2.11-bookworm", "memory": "512MiB", "cpus": 0.75},
    "keycloak": {"image": "quay.io/keycloak/keycloak:26.4.5", "memory": "1536MiB", "cpus": 1.5},
    "oauth2-proxy": {"memory": "96MiB", "cpus": 0.1},
    "grafana": {"image": "grafana/grafana-oss:12.3.0", "memory": "768MiB"},
    "prometheus": {"memory": "2GiB", "cpus": 2},
    "loki": {"memory": "1GiB"},
    "airflow": {"image": "apache/airflow:3.3.1", "memory": "3GiB", "cpus": 2, "workers": 3}
  },
  "monitoring": {"retention": "30d", "retention_size": "20GiB"}
})";

inline spec::Spec fullSpec() { return spec::loadSpec(kFullSpecText); }

// The default spec with the services named switched off.
inline spec::Spec specWithout(const std::vector<std::string>& disabled) {
  nlohmann::json document = {{"version", 1}, {"domain", "example.com"}, {"services", nlohmann::json::object()}};
  for (const auto& name : disabled) document["services"][name] = {{"enabled", false}};
  return spec::loadSpec(document.dump());
}

inline std::vector<const Container*> allContainers(const ContainerSet& set) {
  std::vector<const Container*> containers;
  for (const auto& service : set.services) {
    for (const auto& container : service.containers) containers.push_back(&container);
  }
  return containers;
}

// The spec service a container belongs to: "cairn-airflow-worker-2" → "airflow".
inline std::string specServiceOf(const Container& container) {
  std::string name = container.name.substr(std::string("cairn-").size());
  return name.rfind("airflow", 0) == 0 ? "airflow" : name;
}

inline const Service* findService(const ContainerSet& set, const std::string& name) {
  for (const auto& service : set.services) {
    if (service.name == name) return &service;
  }
  return nullptr;
}

}  // namespace cairn::catalog::testing

#include "appliance/spec/spec.hpp"

namespace cairn::spec {

const char* tlsModeName(TlsMode mode) {
  switch (mode) {
    case TlsMode::kSelfSigned: return "self-signed";
    case TlsMode::kAcme: return "acme";
    case TlsMode::kProvided: return "provided";
  }
  return "self-signed";
}

const char* routeAuthName(RouteAuth auth) { return auth == RouteAuth::kSso ? "sso" : "none"; }

const char* roleName(Role role) {
  switch (role) {
    case Role::kAdmin: return "admin";
    case Role::kOperator: return "operator";
    case Role::kViewer: return "viewer";
  }
  return "viewer";
}

std::optional<Role> roleFromName(const std::string& name) {
  if (name == "admin") return Role::kAdmin;
  if (name == "operator") return Role::kOperator;
  if (name == "viewer") return Role::kViewer;
  return std::nullopt;
}

std::string defaultImage(const std::string& service) {
  static const std::map<std::string, std::string> kImages = {
      {"postgres", "postgres:16.10-bookworm"},
      {"redis", "redis:7.2.10-bookworm"},
      {"keycloak", "quay.io/keycloak/keycloak:26.5.6"},
      {"oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.15.6"},
      {"grafana", "grafana/grafana-oss:12.2.1"},
      {"prometheus", "prom/prometheus:v3.7.3"},
      {"loki", "grafana/loki:3.5.7"},
      {"airflow", "apache/airflow:3.3.2"},
  };
  return kImages.at(service);
}

}  // namespace cairn::spec

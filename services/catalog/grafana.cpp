#include "services/catalog/services.hpp"

namespace cairn::catalog {

std::vector<Service> grafanaServices(const spec::Spec& spec, const secrets::Secrets& secrets) {
  const spec::ServiceSettings& settings = spec.service("grafana");
  Container c = hardenedContainer("grafana", settings.image, settings.resources);
  // GF_* variables override grafana.ini, so the rendered ini needs no secret.
  c.env = {{"GF_PATHS_CONFIG", "/etc/grafana/grafana.ini"},
           {"GF_PATHS_PROVISIONING", "/etc/grafana/provisioning"},
           {"GF_SERVER_ROOT_URL", "https://" + spec.hosts.grafana + "/"},
           {"GF_SERVER_HTTP_ADDR", "127.0.0.1"},
           {"GF_SECURITY_ADMIN_USER", "admin"},
           {"GF_SECURITY_ADMIN_PASSWORD", secrets.get("grafana_admin_password")},
           {"GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", secrets.get("grafana_client_secret")}};
  c.mounts = {volumeMount("cairn-grafana-data", "/var/lib/grafana"),
              renderedMount("grafana/grafana.ini", "/etc/grafana/grafana.ini"),
              renderedMount("grafana/provisioning", "/etc/grafana/provisioning"),
              renderedMount("grafana/dashboards", "/var/lib/cairn-dashboards")};
  // Host networking on loopback: Grafana reaches Prometheus (127.0.0.1:9090) and Loki
  // (127.0.0.1:3100) where they listen, and the only peer that can set its auth-proxy header is
  // a process on this host, which nginx is.
  c.networkMode = "host";
  c.aliases.clear();
  c.healthcheck =
      Healthcheck{{"CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3000/api/health"}, 10000, 5000, 5, 30000};
  c.pidsLimit = 512;
  return {Service{"grafana", {"prometheus", "loki"}, {c}}};
}

}  // namespace cairn::catalog

#include "services/catalog/services.hpp"

namespace cairn::catalog {

namespace {

// The image has no curl: bash opens the management port itself and checks the status line.
const char* kReadyProbe =
    "exec 3<>/dev/tcp/127.0.0.1/9000 && "
    "printf 'GET /health/ready HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && "
    "read -r status <&3 && [[ \"$status\" == *' 200 '* ]]";

}  // namespace

std::vector<Service> keycloakServices(const spec::Spec& spec, const secrets::Secrets& secrets) {
  const spec::ServiceSettings& settings = spec.service("keycloak");
  Container c = hardenedContainer("keycloak", settings.image, settings.resources);
  c.command = {"start"};
  c.env = {
      {"KC_DB", "postgres"},
      {"KC_DB_URL", "jdbc:postgresql://postgres:5432/keycloak"},
      {"KC_DB_USERNAME", "keycloak"},
      {"KC_DB_PASSWORD", secrets.get("keycloak_db_password")},
      {"KC_DB_POOL_MAX_SIZE", "20"},
      // TLS ends at nginx, which overwrites the X-Forwarded-* headers on every request.
      {"KC_HOSTNAME", "https://" + spec.hosts.auth},
      // The admin console and its sign-in only on the loopback port (an SSH tunnel to 8180),
      // never on the public host; docs/keycloak.md "The admin console".
      {"KC_HOSTNAME_ADMIN", "http://127.0.0.1:8180"},
      {"KC_HOSTNAME_BACKCHANNEL_DYNAMIC", "true"},
      {"KC_PROXY_HEADERS", "xforwarded"},
      {"KC_HTTP_ENABLED", "true"},
      // One node: local caches, so no JGroups cluster transport listens on the network (port
      // 7800, and failure detection on 57800, are what the default `ispn` stack opens).
      {"KC_CACHE", "local"},
      {"KC_HTTP_PORT", "8080"},
      // /health/* and /metrics on the management port, never on the proxied one.
      {"KC_HEALTH_ENABLED", "true"},
      {"KC_METRICS_ENABLED", "true"},
      {"KC_HTTP_MANAGEMENT_PORT", "9000"},
      // A service account, not a human admin password: the reconciler uses client credentials.
      {"KC_BOOTSTRAP_ADMIN_CLIENT_ID", kKeycloakBootstrapClientId},
      {"KC_BOOTSTRAP_ADMIN_CLIENT_SECRET", secrets.get("keycloak_admin_client_secret")},
  };
  c.ports = {{"127.0.0.1", 8180, 8080}, {"127.0.0.1", 9000, 9000}};
  // `start` re-augments on the first boot with these build options, which takes a while.
  c.healthcheck = Healthcheck{{"CMD", "bash", "-c", kReadyProbe}, 10000, 5000, 6, 180000};
  c.pidsLimit = 2048;  // JVM threads count as pids
  return {Service{"keycloak", {"postgres"}, {c}}};
}

}  // namespace cairn::catalog

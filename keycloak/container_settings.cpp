#include "keycloak/container_settings.hpp"

namespace cairn::keycloak {

Environment keycloakEnvironment(const spec::Spec& spec, const secrets::Secrets& secrets) {
  return {
      {"KC_DB", "postgres"},
      {"KC_DB_URL", "jdbc:postgresql://postgres:5432/keycloak"},
      {"KC_DB_USERNAME", "keycloak"},
      {"KC_DB_PASSWORD", secrets.get("keycloak_db_password")},
      {"KC_HOSTNAME", "https://" + spec.hosts.auth},
      // The admin console only through loopback (an SSH tunnel); nginx never serves /admin/.
      {"KC_HOSTNAME_ADMIN", "http://127.0.0.1:8180"},
      {"KC_HOSTNAME_BACKCHANNEL_DYNAMIC", "true"},
      {"KC_HTTP_ENABLED", "true"},
      {"KC_PROXY_HEADERS", "xforwarded"},
      {"KC_HEALTH_ENABLED", "true"},
      {"KC_METRICS_ENABLED", "true"},
      {"KC_BOOTSTRAP_ADMIN_CLIENT_ID", kAdminClientId},
      {"KC_BOOTSTRAP_ADMIN_CLIENT_SECRET", secrets.get("keycloak_admin_client_secret")},
  };
}

std::vector<std::string> keycloakCommand() { return {"start"}; }

std::vector<std::string> keycloakHealthcheck() {
  return {"CMD-SHELL",
          "exec 3<>/dev/tcp/127.0.0.1/9000 && printf 'GET /health/ready HTTP/1.0\\r\\nHost: "
          "localhost\\r\\n\\r\\n' >&3 "
          "&& grep -q '\"UP\"' <&3"};
}

std::vector<std::string> oauth2ProxyCommand() {
  return {"--config=/etc/oauth2-proxy/oauth2-proxy.cfg"};
}

Environment grafanaEnvironment(const secrets::Secrets& secrets) {
  return {{"GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", secrets.get("grafana_client_secret")},
          {"GF_SECURITY_ADMIN_PASSWORD", secrets.get("grafana_admin_password")}};
}

Environment airflowEnvironment(const spec::Spec& spec, const secrets::Secrets& secrets) {
  return {{"AIRFLOW__CORE__AUTH_MANAGER",
           "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"},
          {"AIRFLOW__FAB__CONFIG_FILE", "/opt/airflow/webserver_config.py"},
          {"AIRFLOW__API__BASE_URL", "https://" + spec.hosts.airflow + "/"},
          {"AIRFLOW_KEYCLOAK_CLIENT_SECRET", secrets.get("airflow_client_secret")}};
}

}  // namespace cairn::keycloak

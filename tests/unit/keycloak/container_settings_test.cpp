#include "keycloak/container_settings.hpp"

#include <boost/test/unit_test.hpp>

#include "keycloak/renderers.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

using namespace cairn::keycloak;

BOOST_AUTO_TEST_SUITE(container_settings)

BOOST_AUTO_TEST_CASE(
    keycloak_runs_in_production_mode_behind_nginx_with_the_bootstrap_service_account) {
  auto secrets = cairn::testing::keycloakTestSecrets();
  Environment env = keycloakEnvironment(cairn::testing::keycloakTestSpec(), secrets);
  BOOST_TEST(keycloakCommand() == std::vector<std::string>{"start"},
             boost::test_tools::per_element());
  BOOST_TEST(env.at("KC_DB") == "postgres");
  BOOST_TEST(env.at("KC_HOSTNAME") == "https://auth.example.com");
  BOOST_TEST(env.at("KC_PROXY_HEADERS") == "xforwarded");
  BOOST_TEST(env.at("KC_HTTP_ENABLED") == "true");
  BOOST_TEST(env.at("KC_HEALTH_ENABLED") == "true");
  BOOST_TEST(env.at("KC_HOSTNAME_ADMIN") == "http://127.0.0.1:8180");
  BOOST_TEST(env.at("KC_BOOTSTRAP_ADMIN_CLIENT_ID") == kAdminClientId);
  BOOST_TEST(env.at("KC_BOOTSTRAP_ADMIN_CLIENT_SECRET") ==
             secrets.get("keycloak_admin_client_secret"));
  BOOST_TEST(env.count("KC_BOOTSTRAP_ADMIN_PASSWORD") == 0u);
  BOOST_TEST(keycloakHealthcheck()[1].find("/dev/tcp/127.0.0.1/9000") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(apps_get_their_client_secrets_from_the_environment) {
  auto spec = cairn::testing::keycloakTestSpec();
  auto secrets = cairn::testing::keycloakTestSecrets();
  BOOST_TEST(grafanaEnvironment(secrets).at("GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET") ==
             secrets.get("grafana_client_secret"));
  Environment airflow = airflowEnvironment(spec, secrets);
  BOOST_TEST(airflow.at("AIRFLOW_KEYCLOAK_CLIENT_SECRET") == secrets.get("airflow_client_secret"));
  BOOST_TEST(airflow.at("AIRFLOW__API__BASE_URL") == "https://airflow.example.com/");
  BOOST_TEST(airflow.at("AIRFLOW__FAB__CONFIG_FILE") == "/opt/airflow/webserver_config.py");
}

BOOST_AUTO_TEST_CASE(trusted_gateway_lies_in_the_cairn_subnet) {
  std::string subnet = kCairnNetworkSubnet;
  std::string prefix = subnet.substr(0, subnet.rfind('.') + 1);
  BOOST_TEST(std::string(kCairnNetworkGateway) == prefix + "1");
}

BOOST_AUTO_TEST_SUITE_END()

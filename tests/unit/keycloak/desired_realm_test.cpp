#include "keycloak/desired_realm.hpp"

#include <boost/test/unit_test.hpp>

#include "tests/unit/keycloak/test_spec.hpp"

using cairn::keycloak::desiredRealm;
using nlohmann::json;

namespace {

json clientNamed(const json& desired, const std::string& clientId) {
  for (const json& client : desired["clients"]) {
    if (client["clientId"] == clientId) return client;
  }
  return nullptr;
}

json mapperOf(const json& client, const std::string& type) {
  for (const json& mapper : client["protocolMappers"]) {
    if (mapper["protocolMapper"] == type) return mapper;
  }
  return nullptr;
}

struct Fixture {
  cairn::spec::Spec spec = cairn::testing::keycloakTestSpec();
  cairn::secrets::Secrets secrets = cairn::testing::keycloakTestSecrets();
  json desired = desiredRealm(spec, secrets);
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(desired_realm, Fixture)

BOOST_AUTO_TEST_CASE(realm_has_secure_settings_and_lifetimes_matching_the_gate) {
  const json& realm = desired["realm"];
  BOOST_TEST(realm["realm"] == "cairn");
  BOOST_TEST(realm["registrationAllowed"] == false);
  BOOST_TEST(realm["bruteForceProtected"] == true);
  BOOST_TEST(realm["sslRequired"] == "external");
  BOOST_TEST(realm["duplicateEmailsAllowed"] == false);
  BOOST_TEST(realm["passwordPolicy"].get<std::string>().find("length(12)") != std::string::npos);
  BOOST_TEST(realm["ssoSessionIdleTimeout"] == 1800);
  BOOST_TEST(realm["ssoSessionMaxLifespan"] == 36000);
  BOOST_TEST(realm["accessTokenLifespan"].get<long long>() >
             cairn::keycloak::kCookieRefresh.count());
}

BOOST_AUTO_TEST_CASE(roles_and_groups_are_admin_operator_viewer) {
  std::vector<std::string> roles, groups;
  for (const json& role : desired["roles"]) roles.push_back(role["name"]);
  for (const json& group : desired["groups"]) {
    groups.push_back(group["name"]);
    BOOST_TEST(group["realmRoles"] == json::array({group["name"]}));
  }
  std::vector<std::string> expected = {"admin", "operator", "viewer"};
  BOOST_TEST(roles == expected, boost::test_tools::per_element());
  BOOST_TEST(groups == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(oauth2_proxy_client_is_confidential_code_flow_with_pkce_and_exact_redirects) {
  json client = clientNamed(desired, "oauth2-proxy");
  BOOST_REQUIRE(!client.is_null());
  BOOST_TEST(client["publicClient"] == false);
  BOOST_TEST(client["standardFlowEnabled"] == true);
  BOOST_TEST(client["implicitFlowEnabled"] == false);
  BOOST_TEST(client["directAccessGrantsEnabled"] == false);
  BOOST_TEST(client["serviceAccountsEnabled"] == false);
  BOOST_TEST(client["attributes"]["pkce.code.challenge.method"] == "S256");
  BOOST_TEST(client["secret"] == secrets.get("oauth2_proxy_client_secret"));
  json expected = {
      "https://example.com/oauth2/callback", "https://grafana.example.com/oauth2/callback",
      "https://airflow.example.com/oauth2/callback", "https://jupyter.example.com/oauth2/callback"};
  BOOST_TEST(client["redirectUris"] == expected);
  for (const json& uri : client["redirectUris"])
    BOOST_TEST(uri.get<std::string>().find('*') == std::string::npos);
  BOOST_TEST(client["webOrigins"].empty());
}

BOOST_AUTO_TEST_CASE(
    every_client_puts_itself_in_the_audience_and_sends_groups_and_keeps_basic_scope) {
  for (const char* clientId : {"oauth2-proxy", "grafana", "airflow"}) {
    json client = clientNamed(desired, clientId);
    BOOST_REQUIRE(!client.is_null());
    json audience = mapperOf(client, "oidc-audience-mapper");
    BOOST_REQUIRE(!audience.is_null());
    BOOST_TEST(audience["config"]["included.client.audience"] == clientId);
    BOOST_TEST(audience["config"]["access.token.claim"] == "true");
    BOOST_TEST(audience["config"]["id.token.claim"] == "true");
    json groups = mapperOf(client, "oidc-group-membership-mapper");
    BOOST_REQUIRE(!groups.is_null());
    BOOST_TEST(groups["config"]["claim.name"] == "groups");
    BOOST_TEST(groups["config"]["full.path"] == "false");
    BOOST_TEST(groups["config"]["userinfo.token.claim"] == "true");
    const json& scopes = client["defaultClientScopes"];
    BOOST_TEST((std::find(scopes.begin(), scopes.end(), "basic") != scopes.end()));
  }
  BOOST_TEST(clientNamed(desired, "grafana")["redirectUris"] ==
             json::array({"https://grafana.example.com/login/generic_oauth"}));
  BOOST_TEST(clientNamed(desired, "airflow")["redirectUris"] ==
             json::array({"https://airflow.example.com/auth/oauth-authorized/keycloak"}));
}

BOOST_AUTO_TEST_CASE(users_have_email_names_verified_email_and_role_groups) {
  const json& alice = desired["users"][0];
  BOOST_TEST(alice["username"] == "alice");
  BOOST_TEST(alice["email"] == "alice@example.com");
  BOOST_TEST(alice["firstName"] == "Alice");
  BOOST_TEST(alice["lastName"] == "Admin");
  BOOST_TEST(alice["emailVerified"] == true);
  BOOST_TEST(alice["enabled"] == true);
  BOOST_TEST(alice["groups"] == json::array({"admin"}));
  const json& bob = desired["users"][1];
  BOOST_TEST(bob["firstName"] == "bob");
  BOOST_TEST(!bob["lastName"].get<std::string>().empty());
  BOOST_TEST(bob["groups"] == json::array({"operator", "viewer"}));
}

BOOST_AUTO_TEST_CASE(disabled_apps_get_no_client) {
  auto text = std::string(cairn::testing::kKeycloakTestSpec);
  text.replace(text.rfind('}'), 1, R"(, "services": {"airflow": {"enabled": false}}})");
  json withoutAirflow = desiredRealm(cairn::testing::keycloakTestSpec(text), secrets);
  BOOST_TEST(clientNamed(withoutAirflow, "airflow").is_null());
  BOOST_TEST(!clientNamed(withoutAirflow, "grafana").is_null());
}

BOOST_AUTO_TEST_CASE(rendered_desired_state_passes_its_own_check_and_broken_ones_do_not) {
  BOOST_TEST(cairn::keycloak::validateDesiredRealm(desired).empty());
  json broken = desired;
  broken["users"][0].erase("username");
  broken.erase("clients");
  std::string problems = cairn::keycloak::validateDesiredRealm(broken);
  BOOST_TEST(problems.find("\"clients\" must be an array") != std::string::npos);
  BOOST_TEST(cairn::keycloak::validateDesiredRealm(json::array()).find("object") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(emails_are_lower_case_as_keycloak_stores_them) {
  auto text = std::string(cairn::testing::kKeycloakTestSpec);
  text.replace(text.find("alice@example.com"), 17, "Alice@example.com");
  json lowered = desiredRealm(cairn::testing::keycloakTestSpec(text), secrets);
  BOOST_TEST(lowered["users"][0]["email"] == "alice@example.com");
}

BOOST_AUTO_TEST_CASE(spec_rejects_emails_that_differ_only_in_case) {
  auto text = std::string(cairn::testing::kKeycloakTestSpec);
  text.replace(text.find("bob@example.com"), 15, "ALICE@example.com");
  try {
    cairn::testing::keycloakTestSpec(text);
    BOOST_FAIL("a duplicate email was accepted");
  } catch (const cairn::spec::SpecError& error) {
    BOOST_TEST(std::string(error.what())
                   .find("users[1].email: \"ALICE@example.com\" is used by another user") !=
               std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sso_spec_validation)

BOOST_AUTO_TEST_CASE(images_older_than_the_sso_settings_need_are_rejected) {
  auto withImages = [](const std::string& oauth2Proxy, const std::string& keycloak) {
    auto text = std::string(cairn::testing::kKeycloakTestSpec);
    text.replace(text.rfind('}'), 1,
                 R"(, "services": {"oauth2-proxy": {"image": ")" + oauth2Proxy +
                     R"("}, "keycloak": {"image": ")" + keycloak + R"("}}})");
    return text;
  };
  try {
    cairn::testing::keycloakTestSpec(withImages("quay.io/oauth2-proxy/oauth2-proxy:v7.14.2",
                                                "quay.io/keycloak/keycloak:25.0.6"));
    BOOST_FAIL("old images were accepted");
  } catch (const cairn::spec::SpecError& error) {
    std::string text = error.what();
    BOOST_TEST(text.find("services.oauth2-proxy.image: "
                         "\"quay.io/oauth2-proxy/oauth2-proxy:v7.14.2\" is older than 7.15.3") !=
               std::string::npos);
    BOOST_TEST(
        text.find(
            "services.keycloak.image: \"quay.io/keycloak/keycloak:25.0.6\" is older than 26.0.0") !=
        std::string::npos);
  }
  BOOST_CHECK_NO_THROW(cairn::testing::keycloakTestSpec(withImages(
      "quay.io/oauth2-proxy/oauth2-proxy:v7.16.0", "registry.local:5000/keycloak:26.4.2")));
  BOOST_CHECK_NO_THROW(cairn::testing::keycloakTestSpec(
      withImages("quay.io/oauth2-proxy/oauth2-proxy:latest",
                 "quay.io/keycloak/keycloak@sha256:" + std::string(64, 'a'))));
}

BOOST_AUTO_TEST_SUITE_END()

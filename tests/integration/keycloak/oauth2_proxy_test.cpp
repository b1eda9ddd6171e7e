// The real oauth2-proxy (tests/support/deps/oauth2_proxy.sh) with exactly the settings cairn
// renders, in front of the real Keycloak of the keycloak_server fixture with the realm the sync
// made: the rendered config passes oauth2-proxy's own check, and a spec user signs in (the
// temporary password, the forced change) and is let through with the identity and roles of the
// spec. sign_in_journey.py plays the browser and nginx; the edge's tests cover nginx itself.

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "appliance/host/process_runner.hpp"
#include "keycloak/desired_realm.hpp"
#include "keycloak/renderers.hpp"
#include "tests/support/keycloak/real_gate.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

#ifndef CAIRN_SIGN_IN_SCRIPT
#error "CAIRN_SIGN_IN_SCRIPT must name sign_in_journey.py"
#endif

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

using cairn::testing::replaceAll;
using cairn::testing::syncIntoFixture;

// The value of `key` in the rendered grafana.ini ("key = value" lines); "" if absent.
std::string iniValue(const std::string& ini, const std::string& key) {
  std::istringstream lines(ini);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(key + " = ", 0) == 0) return line.substr(key.size() + 3);
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(oauth2_proxy_with_keycloak)

BOOST_AUTO_TEST_CASE(rendered_gate_signs_a_spec_user_in_through_the_real_keycloak) {
  auto server = cairn::testing::keycloakServer();
  std::string realm = cairn::testing::uniqueRealmName("gate");
  cairn::testing::RealmCleanup cleanup(server, realm);
  cairn::testing::TempDir dir;

  std::string specText = replaceAll(cairn::testing::kKeycloakTestSpec, "\"realm\": \"cairn\"",
                                    "\"realm\": \"" + realm + "\"");
  auto spec = cairn::testing::keycloakTestSpec(specText);
  auto secrets = cairn::testing::keycloakTestSecrets();
  auto passwords = syncIntoFixture(server, spec, secrets, dir);
  std::string initial = passwords.take("alice").value();

  // The rendered files, placed where the container's bind mount would put them, and pointed at
  // the fixture's loopback port instead of the published 8180.
  cairn::testing::RedisServer redis(secrets.get("redis_password"), dir.path());
  int port = cairn::testing::freeLoopbackPort();
  std::string config = cairn::testing::writeRenderedGate(spec, secrets, dir, server.url, redis.url());

  cairn::host::LocalProcessRunner runner;
  // The check connects to the session store too, so it needs Redis's password as the catalog
  // passes it (a test secret, so the command line may carry it).
  auto checked = runner.run({"env", "OAUTH2_PROXY_REDIS_PASSWORD=" + secrets.get("redis_password"),
                             cairn::testing::oauth2ProxyBinary(), "--config=" + config, "--config-test"},
                            60s);
  BOOST_REQUIRE(checked.ok());
  BOOST_TEST(checked.value().exitCode == 0, checked.value().output);

  cairn::testing::Oauth2Proxy proxy(config, port, dir / "oauth2-proxy.log", secrets.get("redis_password"));
  json journey = {{"status_host", spec.hosts.status},
                  {"auth_host", spec.hosts.auth},
                  {"proxy_url", proxy.url()},
                  {"keycloak_url", server.url},
                  {"realm", realm},
                  {"username", "alice"},
                  {"password", initial},
                  {"new_password", "Journey-" + realm + "-new"},
                  {"route_groups", {"admin", "operator,viewer"}}};
  cairn::testing::writeFile(dir / "journey.json", journey.dump());
  auto ran = runner.run({"python3", CAIRN_SIGN_IN_SCRIPT, dir / "journey.json"}, 120s);
  BOOST_REQUIRE(ran.ok());
  BOOST_REQUIRE_MESSAGE(ran.value().exitCode == 0,
                        ran.value().output + "\noauth2-proxy's log:\n" +
                            cairn::testing::readFile(dir / "oauth2-proxy.log"));
  json result = json::parse(ran.value().output);
  BOOST_TEST_MESSAGE("sign-in journey: " << result.dump());
  BOOST_TEST(result["back_to"] == "https://" + spec.hosts.status + "/a/b?x=1&y=2");
  BOOST_TEST(result["auth_status"] == 202);
  BOOST_TEST(result["email"] == "alice@example.com");
  BOOST_TEST(result["preferred_username"] == "alice");
  BOOST_TEST(result["groups"].get<std::string>().find("admin") != std::string::npos,
             result["groups"]);
  // Role-gated routes: alice is admin only (roles are not hierarchical).
  BOOST_TEST(result["route_auth"]["admin"] == 202);
  BOOST_TEST(result["route_auth"]["operator,viewer"] == 403);
  // Sign-out ends both sessions: the gate refuses the old cookie, and Keycloak asks for the
  // password again instead of redirecting straight back.
  BOOST_TEST(result["sign_out"] == 302);
  BOOST_TEST(result["auth_after_sign_out"] == 401);
  BOOST_TEST(result["keycloak_asks_again"] == true, result.dump());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(grafana_with_keycloak)

// Grafana cannot run here; its login is the closest real check: the rendered grafana.ini's client,
// scopes and PKCE against the real Keycloak, and its role_attribute_path (JMESPath, as Grafana
// evaluates it) over the real ID and access tokens of each spec role.
BOOST_AUTO_TEST_CASE(role_attribute_path_gives_each_spec_role_its_grafana_role_on_real_tokens) {
  auto server = cairn::testing::keycloakServer();
  std::string realm = cairn::testing::uniqueRealmName("grafana");
  cairn::testing::RealmCleanup cleanup(server, realm);
  cairn::testing::TempDir dir;
  std::string specText = replaceAll(cairn::testing::kKeycloakTestSpec, "\"realm\": \"cairn\"",
                                    "\"realm\": \"" + realm + "\"");
  specText = replaceAll(specText, "\"roles\": [\"operator\", \"viewer\"]}",
                        "\"roles\": [\"operator\", \"viewer\"]},\n    {\"username\": \"carol\", \"email\": "
                        "\"carol@example.com\", \"roles\": [\"viewer\"]}");
  auto spec = cairn::testing::keycloakTestSpec(specText);
  BOOST_REQUIRE(spec.users.size() == 3u);
  auto secrets = cairn::testing::keycloakTestSecrets();
  auto passwords = syncIntoFixture(server, spec, secrets, dir);

  std::string ini = cairn::keycloak::renderGrafanaIni(spec);
  cairn::host::LocalProcessRunner runner;
  std::map<std::string, std::string> expected = {
      {"alice", "GrafanaAdmin"}, {"bob", "Editor"}, {"carol", "Viewer"}};
  for (const auto& [username, role] : expected) {
    json journey = {
        {"mode", "grafana"},
        {"auth_host", spec.hosts.auth},
        {"grafana_host", spec.hosts.grafana},
        {"keycloak_url", server.url},
        {"client_id", iniValue(ini, "client_id")},
        {"client_secret", secrets.get("grafana_client_secret")},
        {"scopes", iniValue(ini, "scopes")},
        {"auth_url", iniValue(ini, "auth_url")},
        {"token_url", replaceAll(iniValue(ini, "token_url"), cairn::keycloak::kLoopbackKeycloakUrl,
                                 server.url)},
        {"role_attribute_path", iniValue(ini, "role_attribute_path")},
        {"username", username},
        {"password", passwords.take(username).value()},
        {"new_password", "Grafana-" + realm + "-" + username}};
    cairn::testing::writeFile(dir / "journey.json", journey.dump());
    auto ran = runner.run({"python3", CAIRN_SIGN_IN_SCRIPT, dir / "journey.json"}, 120s);
    BOOST_REQUIRE(ran.ok());
    BOOST_REQUIRE_MESSAGE(ran.value().exitCode == 0, ran.value().output);
    json result = json::parse(ran.value().output);
    BOOST_TEST(result["id_token"] == role, username << ": " << result.dump());
    BOOST_TEST(result["access_token"] == role, username << ": " << result.dump());
  }
}

BOOST_AUTO_TEST_SUITE_END()

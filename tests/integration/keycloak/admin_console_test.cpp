// How an administrator reaches Keycloak's admin console (docs/keycloak.md, "The admin console"),
// checked on the real Keycloak of the keycloak_server fixture, which runs with the catalog's
// hostname settings: the console is served on the loopback admin URL, and a human master-realm
// administrator is made with kcadm.sh and the bootstrap service account, as documented.

#include <boost/test/unit_test.hpp>

#include "appliance/host/clock.hpp"
#include "appliance/host/process_runner.hpp"
#include "tests/support/keycloak/keycloak_server.hpp"
#include "tests/support/temp_dir.hpp"

using nlohmann::json;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(keycloak_admin_console)

BOOST_AUTO_TEST_CASE(console_is_served_on_the_loopback_admin_url_and_logs_in_there) {
  auto server = cairn::testing::keycloakServer();
  cairn::host::CurlHttpClient http;
  cairn::host::HttpRequest page;
  page.url = server.url + "/admin/master/console/";
  auto answer = http.send(page);
  BOOST_REQUIRE(answer.ok());
  BOOST_TEST(answer.value().status == 200);
  // The console's own sign-in goes to the admin URL (KC_HOSTNAME_ADMIN), not to the public host:
  // through an SSH tunnel to that loopback port it works without the edge.
  BOOST_TEST(answer.value().body.find("\"authUrl\": \"" + server.url + "\"") != std::string::npos);
  BOOST_TEST(answer.value().body.find("\"authServerUrl\": \"" + server.hostname + "\"") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(documented_kcadm_steps_make_a_human_administrator) {
  auto server = cairn::testing::keycloakServer();
  cairn::testing::TempDir dir;
  std::string config = dir / "kcadm.config";
  std::string username = cairn::testing::uniqueRealmName("ops");
  std::string password = "Kcadm-test-" + username;
  cairn::host::LocalProcessRunner runner;
  auto kcadm = [&](std::vector<std::string> args) {
    args.insert(args.begin(), server.home + "/bin/kcadm.sh");
    args.push_back("--config");
    args.push_back(config);
    auto ran = runner.run(args, 120s);
    BOOST_REQUIRE(ran.ok());
    BOOST_REQUIRE_MESSAGE(ran.value().exitCode == 0, args[1] + ": " + ran.value().output);
  };
  kcadm({"config", "credentials", "--server", server.url, "--realm", "master", "--client",
         server.adminClientId, "--secret", server.adminClientSecret});
  kcadm({"create", "users", "-r", "master", "-s", "username=" + username, "-s", "enabled=true",
         "-s", "email=" + username + "@example.com", "-s", "emailVerified=true", "-s",
         "firstName=Ops", "-s", "lastName=Ops"});
  kcadm({"set-password", "-r", "master", "--username", username, "--new-password", password});
  kcadm({"add-roles", "-r", "master", "--uusername", username, "--rolename", "admin"});

  // The console signs this user in; admin-cli's password grant (the same master user and role)
  // shows that the password and the admin role work, without a browser.
  cairn::host::CurlHttpClient http;
  cairn::host::HttpRequest login;
  login.method = "POST";
  login.url = server.url + "/realms/master/protocol/openid-connect/token";
  login.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  login.body =
      "grant_type=password&client_id=admin-cli&username=" + username + "&password=" + password;
  auto token = http.send(login);
  BOOST_REQUIRE(token.ok());
  BOOST_REQUIRE_MESSAGE(token.value().status == 200, token.value().body);
  cairn::host::HttpRequest realms;
  realms.url = server.url + "/admin/realms";
  realms.headers = {
      {"Authorization",
       "Bearer " + json::parse(token.value().body)["access_token"].get<std::string>()}};
  auto listed = http.send(realms);
  BOOST_REQUIRE(listed.ok());
  BOOST_TEST(listed.value().status == 200);

  cairn::host::SystemClock clock;
  cairn::keycloak::AdminClient admin(http, clock, cairn::testing::fixtureAdminOptions(server));
  auto found = admin.call("GET", "/admin/realms/master/users?username=" + username + "&exact=true");
  BOOST_REQUIRE(found.ok());
  for (const json& user : json::parse(found.value().body))
    (void)admin.call("DELETE", "/admin/realms/master/users/" + user["id"].get<std::string>());
}

BOOST_AUTO_TEST_SUITE_END()

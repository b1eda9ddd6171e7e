#include "keycloak/sync.hpp"

#include <boost/test/unit_test.hpp>

#include "appliance/host/clock.hpp"
#include "appliance/state/atomic_file.hpp"
#include "keycloak/desired_realm.hpp"
#include "tests/support/keycloak_standin/standin.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

using cairn::keycloak::SyncOutcome;
using cairn::testing::KeycloakStandin;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  explicit Fixture(KeycloakStandin::Options options = {}) : keycloak(options) {
    desired = cairn::keycloak::desiredRealm(cairn::testing::keycloakTestSpec(),
                                            cairn::testing::keycloakTestSecrets());
    cairn::testing::writeFile(root / "realm.json", desired.dump(2));
    settings.realmFile = root / "realm.json";
    settings.passwordsFile = root / "var/lib/cairn/keycloak/initial-passwords.json";
    settings.healthUrl = keycloak.healthUrl();
    settings.admin.baseUrl = keycloak.url();
    settings.admin.clientSecret = keycloak.clientSecret();
    settings.admin.retryLimit = 30s;
    settings.admin.firstBackoff = 100ms;
    settings.admin.maxBackoff = 1s;
  }

  SyncOutcome sync() {
    auto outcome = cairn::keycloak::runSync(settings, http, clock, cairn::secrets::kernelRandom());
    BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? std::string() : outcome.error().message));
    return outcome.value();
  }

  // A further run finds nothing to do and sends no write call.
  void rerunWritesNothing() {
    keycloak.clearLog();
    BOOST_TEST(sync().plan.empty());
    BOOST_TEST(KeycloakStandin::writes(keycloak.log()).empty());
  }

  bool logged(int status) {
    for (const json& entry : keycloak.log()) {
      if (entry["status"] == status) return true;
    }
    return false;
  }

  // An admin client of the test's own, for drift and checks.
  cairn::keycloak::AdminClient admin() {
    return cairn::keycloak::AdminClient(http, clock, settings.admin);
  }

  json get(const std::string& path) {
    auto client = admin();
    auto answer = client.call("GET", path);
    BOOST_REQUIRE(answer.ok());
    return json::parse(answer.value().body);
  }

  cairn::testing::TempDir root;
  KeycloakStandin keycloak;
  json desired;
  cairn::keycloak::SyncSettings settings;
  cairn::host::CurlHttpClient http;
  cairn::host::SystemClock clock;
};

struct SlowTokenFixture : Fixture {
  SlowTokenFixture() : Fixture(KeycloakStandin::Options{"standin-admin-secret", 1, 80}) {}
};

std::vector<std::string> groupNames(const json& groups) {
  std::vector<std::string> names;
  for (const json& group : groups) names.push_back(group["name"]);
  return names;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(keycloak_sync, Fixture)

BOOST_AUTO_TEST_CASE(fresh_realm_converges_in_one_run_and_the_second_run_writes_nothing) {
  SyncOutcome first = sync();
  BOOST_TEST(first.report.rounds == 1);
  BOOST_TEST(first.report.applied.size() == first.plan.size());
  BOOST_TEST(first.plan.size() == 18u);

  json realm = get("/admin/realms/cairn");
  BOOST_TEST(realm["bruteForceProtected"] == true);
  BOOST_TEST(realm["registrationAllowed"] == false);
  json client = get("/admin/realms/cairn/clients?clientId=oauth2-proxy")[0];
  BOOST_TEST(client["redirectUris"] == desired["clients"][0]["redirectUris"]);
  BOOST_TEST(client["protocolMappers"].size() == 2u);
  json admins = get("/admin/realms/cairn/groups?briefRepresentation=false&search=admin&exact=true");
  BOOST_TEST(admins[0]["realmRoles"] == json::array({"admin"}));
  json bob = get("/admin/realms/cairn/users?username=bob&exact=true")[0];
  BOOST_TEST(bob["emailVerified"] == true);
  BOOST_TEST(bob["requiredActions"] == json::array({"UPDATE_PASSWORD"}));
  std::vector<std::string> expectedGroups = {"operator", "viewer"};
  auto bobGroups =
      groupNames(get("/admin/realms/cairn/users/" + bob["id"].get<std::string>() + "/groups"));
  std::sort(bobGroups.begin(), bobGroups.end());
  BOOST_TEST(bobGroups == expectedGroups, boost::test_tools::per_element());
  std::string passwords = cairn::host::readFile(settings.passwordsFile).value();
  BOOST_TEST(passwords.find("\"alice\"") != std::string::npos);
  BOOST_TEST(passwords.find("\"bob\"") != std::string::npos);

  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(drift_is_repaired_and_nothing_else_is_touched) {
  sync();
  json client = get("/admin/realms/cairn/clients?clientId=oauth2-proxy")[0];
  std::string clientId = client["id"];
  json bob = get("/admin/realms/cairn/users?username=bob&exact=true")[0];
  std::string bobId = bob["id"];
  std::string viewerId = get("/admin/realms/cairn/groups?search=viewer&exact=true")[0]["id"];
  auto drifter = admin();
  json changed = client;
  changed["redirectUris"][1] = "https://attacker.example.net/oauth2/callback";
  BOOST_REQUIRE(
      drifter.call("PUT", "/admin/realms/cairn/clients/" + clientId, changed).value().status ==
      204);
  BOOST_REQUIRE(drifter.call("DELETE", "/admin/realms/cairn/users/" + bobId + "/groups/" + viewerId)
                    .value()
                    .status == 204);
  json foreign = {{"clientId", "someone-elses-app"}, {"redirectUris", {"https://x.example.org/*"}}};
  BOOST_REQUIRE(drifter.call("POST", "/admin/realms/cairn/clients", foreign).value().status == 201);
  json carol = {{"username", "carol"}, {"email", "carol@example.com"}};
  BOOST_REQUIRE(drifter.call("POST", "/admin/realms/cairn/users", carol).value().status == 201);

  keycloak.clearLog();
  SyncOutcome repair = sync();
  std::vector<std::string> expected = {
      "PUT /admin/realms/cairn/clients/" + clientId,
      "PUT /admin/realms/cairn/users/" + bobId + "/groups/" + viewerId};
  BOOST_TEST(KeycloakStandin::writes(keycloak.log()) == expected, boost::test_tools::per_element());
  BOOST_TEST(repair.plan.size() == 2u);
  BOOST_TEST(get("/admin/realms/cairn/clients/" + clientId)["redirectUris"] ==
             desired["clients"][0]["redirectUris"]);
  BOOST_TEST(get("/admin/realms/cairn/clients?clientId=someone-elses-app").size() == 1u);
  BOOST_TEST(get("/admin/realms/cairn/users?username=carol&exact=true").size() == 1u);
}

BOOST_AUTO_TEST_CASE(rotated_client_secret_is_pushed_to_keycloak_alone) {
  sync();
  desired["clients"][1]["secret"] = "rotated-grafana-secret";
  cairn::testing::writeFile(settings.realmFile, desired.dump(2));
  keycloak.clearLog();
  sync();
  auto writes = KeycloakStandin::writes(keycloak.log());
  BOOST_REQUIRE_EQUAL(writes.size(), 1u);
  std::string grafanaId = get("/admin/realms/cairn/clients?clientId=grafana")[0]["id"];
  BOOST_TEST(writes[0] == "PUT /admin/realms/cairn/clients/" + grafanaId);
  BOOST_TEST(get("/admin/realms/cairn/clients/" + grafanaId + "/client-secret")["value"] ==
             "rotated-grafana-secret");
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(refused_step_names_the_object_and_keycloaks_answer_and_a_rerun_continues) {
  sync();
  json bob = get("/admin/realms/cairn/users?username=bob&exact=true")[0];
  auto other = admin();
  BOOST_REQUIRE(other
                    .call("POST", "/admin/realms/cairn/users",
                          {{"username", "mallory"}, {"email", "dave@example.com"}})
                    .value()
                    .status == 201);
  desired["users"].push_back({{"username", "dave"},
                              {"email", "dave@example.com"},
                              {"firstName", "Dave"},
                              {"lastName", "D"},
                              {"enabled", true},
                              {"emailVerified", true},
                              {"groups", {"viewer"}}});
  desired["users"][1]["firstName"] = "Robert";
  cairn::testing::writeFile(settings.realmFile, desired.dump(2));

  auto failed = cairn::keycloak::runSync(settings, http, clock, cairn::secrets::kernelRandom());
  BOOST_REQUIRE(!failed.ok());
  const std::string& message = failed.error().message;
  BOOST_TEST(message.find("(create user dave) failed") != std::string::npos, message);
  BOOST_TEST(message.find("User exists with same email") != std::string::npos, message);
  BOOST_TEST(get("/admin/realms/cairn/users/" + bob["id"].get<std::string>())["firstName"] ==
             "Robert");

  std::string malloryId = get("/admin/realms/cairn/users?username=mallory&exact=true")[0]["id"];
  json mallory = {{"email", "mallory@example.com"}};
  BOOST_REQUIRE(
      other.call("PUT", "/admin/realms/cairn/users/" + malloryId, mallory).value().status == 204);
  SyncOutcome rerun = sync();
  std::vector<std::string> expected = {"create user dave", "add user dave to group viewer"};
  BOOST_TEST(rerun.report.applied == expected, boost::test_tools::per_element());
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(keycloak_restarting_mid_run_is_survived) {
  keycloak.control("POST", "outage", {{"after_writes", 11}, {"seconds", 2}, {"mode", "refuse"}});
  SyncOutcome first = sync();
  BOOST_TEST(logged(0));  // the connection dropped without an answer
  BOOST_TEST(first.stats.retries > 0);
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(keycloak_still_starting_answers_503_and_is_waited_for) {
  keycloak.control("POST", "outage", {{"after_writes", 3}, {"seconds", 1.5}, {"mode", "503"}});
  SyncOutcome first = sync();
  BOOST_TEST(logged(503));
  BOOST_TEST(first.stats.retries > 0);
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(token_expired_on_the_server_is_renewed) {
  sync();
  auto client = admin();
  BOOST_REQUIRE(client.call("GET", "/admin/realms/cairn").value().status == 200);
  keycloak.control("POST", "expire-tokens");
  auto answer = client.call("GET", "/admin/realms/cairn");
  BOOST_REQUIRE(answer.ok());
  BOOST_TEST(answer.value().status == 200);
  BOOST_TEST(client.stats().unauthorizedRenewals == 1);
  BOOST_TEST(client.stats().tokenFetches == 2);
}

BOOST_AUTO_TEST_CASE(unreachable_keycloak_fails_with_a_clear_error_after_the_limit) {
  settings.healthUrl = "http://127.0.0.1:1/health/ready";
  settings.admin.retryLimit = 1s;
  auto outcome = cairn::keycloak::runSync(settings, http, clock, cairn::secrets::kernelRandom());
  BOOST_REQUIRE(!outcome.ok());
  BOOST_TEST(outcome.error().message.find("Keycloak is not ready") != std::string::npos);
  BOOST_TEST(outcome.error().message.find("127.0.0.1:1") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(keycloak_sync_short_tokens, SlowTokenFixture)

BOOST_AUTO_TEST_CASE(tokens_that_expire_during_the_run_are_renewed) {
  SyncOutcome first = sync();
  BOOST_TEST(first.report.applied.size() == 18u);
  BOOST_TEST(KeycloakStandin::tokenRequests(keycloak.log()) > 2);
  rerunWritesNothing();
}

BOOST_AUTO_TEST_SUITE_END()

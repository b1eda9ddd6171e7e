// keycloak::runSync against the real Keycloak of the keycloak_server fixture. Each case works in
// a realm of its own (and service accounts of its own in master), removed afterwards.

#include "keycloak/sync.hpp"

#include <boost/test/unit_test.hpp>
#include <functional>
#include <thread>

#include "appliance/host/clock.hpp"
#include "appliance/host/process_runner.hpp"
#include "keycloak/desired_realm.hpp"
#include "tests/support/keycloak/keycloak_server.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

using cairn::keycloak::SyncOutcome;
using cairn::testing::KeycloakServer;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The real client, with a log of what was sent and answered, and a hook that runs before a
// request goes out (to act as a second party racing the sync).
class RecordingHttpClient final : public cairn::host::HttpClient {
 public:
  struct Entry {
    std::string method;
    std::string url;
    int status;
  };
  std::vector<Entry> log;
  std::function<void(const cairn::host::HttpRequest&)> beforeSend;

  cairn::Result<cairn::host::HttpResponse> send(const cairn::host::HttpRequest& request) override {
    if (beforeSend) beforeSend(request);
    auto response = real_.send(request);
    log.push_back({request.method, request.url, response.ok() ? response.value().status : 0});
    return response;
  }
  cairn::Result<cairn::host::HttpResponse> stream(
      const cairn::host::HttpRequest& request,
      const cairn::host::BodyChunkHandler& onChunk) override {
    return real_.stream(request, onChunk);
  }
  int answered(int status) const {
    return static_cast<int>(
        std::count_if(log.begin(), log.end(), [&](const Entry& e) { return e.status == status; }));
  }

 private:
  cairn::host::CurlHttpClient real_;
};

struct Fixture {
  Fixture()
      : server(cairn::testing::keycloakServer()),
        realm(cairn::testing::uniqueRealmName("sync")),
        cleanup(server, realm) {
    desired = cairn::keycloak::desiredRealm(cairn::testing::keycloakTestSpec(),
                                            cairn::testing::keycloakTestSecrets());
    desired["realm"]["realm"] = realm;
    writeDesired();
    settings.passwordsFile = root / "var/lib/cairn/keycloak/initial-passwords.json";
    settings.healthUrl = server.healthUrl;
    settings.admin = cairn::testing::fixtureAdminOptions(server);
    base = "/admin/realms/" + realm;
  }

  void writeDesired() {
    cairn::testing::writeFile(root / "realm.json", desired.dump(2));
    settings.realmFile = root / "realm.json";
  }

  cairn::Result<SyncOutcome> trySync() {
    return cairn::keycloak::runSync(settings, http, clock, cairn::secrets::kernelRandom());
  }

  SyncOutcome sync() {
    auto outcome = trySync();
    BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? std::string() : outcome.error().message));
    return outcome.value();
  }

  // Keycloak's own record of the writes to the realm (the realm keeps admin events).
  std::size_t adminEvents() { return get(base + "/admin-events?max=100000").size(); }

  // A further run finds nothing to do: no write call from the client, none recorded by Keycloak.
  void rerunWritesNothing() {
    std::size_t before = adminEvents();
    SyncOutcome again = sync();
    BOOST_TEST(again.plan.empty());
    BOOST_TEST(again.stats.writes == 0);
    BOOST_TEST(adminEvents() == before);
  }

  cairn::keycloak::AdminClient admin() {
    return cairn::keycloak::AdminClient(http, clock, cairn::testing::fixtureAdminOptions(server));
  }

  cairn::host::HttpResponse send(const std::string& method, const std::string& path,
                                 const json& body = nullptr) {
    auto client = admin();
    auto answer = client.call(method, path, body);
    BOOST_REQUIRE_MESSAGE(answer.ok(),
                          method + " " + path + ": " + (answer.ok() ? "" : answer.error().message));
    return answer.value();
  }

  json get(const std::string& path) {
    auto answer = send("GET", path);
    BOOST_REQUIRE_MESSAGE(answer.status == 200,
                          "GET " + path + ": HTTP " + std::to_string(answer.status));
    return json::parse(answer.body);
  }

  std::string idOf(const std::string& listPath) {
    json found = get(listPath);
    BOOST_REQUIRE_MESSAGE(found.size() == 1u, listPath + " lists " + found.dump());
    return found[0]["id"];
  }

  KeycloakServer server;
  std::string realm;
  cairn::testing::RealmCleanup cleanup;
  std::string base;
  cairn::testing::TempDir root;
  json desired;
  cairn::keycloak::SyncSettings settings;
  RecordingHttpClient http;
  cairn::host::SystemClock clock;
};

// Keycloak keeps redirect URIs as a set: compare them without order.
std::vector<std::string> sortedStrings(const json& items) {
  std::vector<std::string> values(items.begin(), items.end());
  std::sort(values.begin(), values.end());
  return values;
}

std::vector<std::string> sortedNames(const json& items) {
  std::vector<std::string> names;
  for (const json& item : items) names.push_back(item["name"]);
  std::sort(names.begin(), names.end());
  return names;
}

// A service account in the master realm made by the test (and deleted afterwards), so that a
// test can change its secret, roles or token lifetime without touching the fixture's.
class TestServiceAccount {
 public:
  TestServiceAccount(Fixture& f, bool withAdminRole, const json& attributes = json::object())
      : f_(f), clientId_(cairn::testing::uniqueRealmName("sa")), secret_("secret-of-" + clientId_) {
    json client = {
        {"clientId", clientId_},        {"publicClient", false}, {"serviceAccountsEnabled", true},
        {"standardFlowEnabled", false}, {"secret", secret_},     {"attributes", attributes}};
    BOOST_REQUIRE(f_.send("POST", "/admin/realms/master/clients", client).status == 201);
    id_ = f_.idOf("/admin/realms/master/clients?clientId=" + clientId_);
    if (withAdminRole) {
      std::string user =
          f_.get("/admin/realms/master/clients/" + id_ + "/service-account-user")["id"];
      json adminRole = f_.get("/admin/realms/master/roles/admin");
      BOOST_REQUIRE(f_.send("POST", "/admin/realms/master/users/" + user + "/role-mappings/realm",
                            json::array({adminRole}))
                        .status == 204);
    }
  }
  ~TestServiceAccount() { (void)f_.admin().call("DELETE", "/admin/realms/master/clients/" + id_); }

  cairn::keycloak::AdminClientOptions options() const {
    auto options = cairn::testing::fixtureAdminOptions(f_.server);
    options.clientId = clientId_;
    options.clientSecret = secret_;
    return options;
  }
  const std::string& secret() const { return secret_; }
  const std::string& id() const { return id_; }

 private:
  Fixture& f_;
  std::string clientId_;
  std::string secret_;
  std::string id_;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(keycloak_sync, Fixture)

BOOST_AUTO_TEST_CASE(
    empty_keycloak_gets_the_whole_realm_in_one_run_and_the_second_run_writes_nothing) {
  SyncOutcome first = sync();
  BOOST_TEST(first.report.rounds == 1);
  BOOST_TEST(first.plan.size() == 18u);
  BOOST_TEST(first.report.applied.size() == first.plan.size());
  BOOST_TEST(first.stats.writes == 18);

  json settingsNow = get(base);
  BOOST_TEST(settingsNow["bruteForceProtected"] == true);
  BOOST_TEST(settingsNow["registrationAllowed"] == false);
  BOOST_TEST(settingsNow["passwordPolicy"] == desired["realm"]["passwordPolicy"]);
  BOOST_TEST(sortedNames(get(base + "/roles")) ==
                 (std::vector<std::string>{"admin", "default-roles-" + realm, "offline_access",
                                           "operator", "uma_authorization", "viewer"}),
             boost::test_tools::per_element());
  std::string adminGroup = idOf(base + "/groups?search=admin&exact=true");
  BOOST_TEST(sortedNames(get(base + "/groups/" + adminGroup + "/role-mappings/realm")) ==
                 std::vector<std::string>{"admin"},
             boost::test_tools::per_element());

  json client = get(base + "/clients?clientId=oauth2-proxy")[0];
  BOOST_TEST(client["redirectUris"].size() == desired["clients"][0]["redirectUris"].size());
  BOOST_TEST(client["publicClient"] == false);
  BOOST_TEST(client["directAccessGrantsEnabled"] == false);
  BOOST_TEST(client["attributes"]["pkce.code.challenge.method"] == "S256");
  BOOST_TEST(sortedNames(client["protocolMappers"]).size() == 2u);
  std::string clientUuid = client["id"];
  BOOST_TEST(get(base + "/clients/" + clientUuid + "/client-secret")["value"] ==
             desired["clients"][0]["secret"]);
  std::vector<std::string> scopes;
  for (const json& scope : get(base + "/clients/" + clientUuid + "/default-client-scopes"))
    scopes.push_back(scope["name"]);
  BOOST_TEST((std::find(scopes.begin(), scopes.end(), "basic") != scopes.end()));

  json bob = get(base + "/users?username=bob&exact=true")[0];
  BOOST_TEST(bob["emailVerified"] == true);
  BOOST_TEST(bob["firstName"].is_string());
  BOOST_TEST(bob["requiredActions"] == json::array({"UPDATE_PASSWORD"}));
  BOOST_TEST(sortedNames(get(base + "/users/" + bob["id"].get<std::string>() + "/groups")) ==
                 (std::vector<std::string>{"operator", "viewer"}),
             boost::test_tools::per_element());
  json credentials = get(base + "/users/" + bob["id"].get<std::string>() + "/credentials");
  BOOST_TEST(credentials.size() == 1u);
  BOOST_TEST(credentials[0]["type"] == "password");
  std::string passwords = cairn::host::readFile(settings.passwordsFile).value();
  BOOST_TEST(passwords.find("\"bob\"") != std::string::npos);

  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(drift_is_repaired_and_foreign_objects_are_left_alone) {
  sync();
  std::string proxyId = idOf(base + "/clients?clientId=oauth2-proxy");
  std::string grafanaId = idOf(base + "/clients?clientId=grafana");
  std::string bobId = idOf(base + "/users?username=bob&exact=true");
  std::string viewerGroup = idOf(base + "/groups?search=viewer&exact=true");
  std::string adminGroup = idOf(base + "/groups?search=admin&exact=true");

  json proxy = get(base + "/clients/" + proxyId);
  proxy["redirectUris"][0] = "https://attacker.example.net/oauth2/callback";
  BOOST_REQUIRE(send("PUT", base + "/clients/" + proxyId, proxy).status == 204);
  BOOST_REQUIRE(send("DELETE", base + "/clients/" + grafanaId).status == 204);
  BOOST_REQUIRE(send("DELETE", base + "/groups/" + adminGroup + "/role-mappings/realm",
                     json::array({get(base + "/roles/admin")}))
                    .status == 204);
  BOOST_REQUIRE(send("DELETE", base + "/users/" + bobId + "/groups/" + viewerGroup).status == 204);
  json realmNow = get(base);
  realmNow["registrationAllowed"] = true;
  realmNow["bruteForceProtected"] = false;
  BOOST_REQUIRE(send("PUT", base, realmNow).status == 204);
  json foreignClient = {{"clientId", "someone-elses-app"},
                        {"redirectUris", {"https://x.example.org/*"}}};
  BOOST_REQUIRE(send("POST", base + "/clients", foreignClient).status == 201);
  json carol = {
      {"username", "carol"}, {"email", "carol@example.com"}, {"firstName", "C"}, {"lastName", "C"}};
  BOOST_REQUIRE(send("POST", base + "/users", carol).status == 201);

  SyncOutcome repair = sync();
  std::vector<std::string> expected = {
      "update realm " + realm + ": bruteForceProtected, registrationAllowed",
      "grant realm role admin to group admin", "update client oauth2-proxy: redirectUris",
      "create client grafana", "add user bob to group viewer"};
  BOOST_TEST(repair.report.applied == expected, boost::test_tools::per_element());
  BOOST_TEST(repair.stats.writes == 5);

  BOOST_TEST(sortedStrings(get(base + "/clients/" + proxyId)["redirectUris"]) ==
                 sortedStrings(desired["clients"][0]["redirectUris"]),
             boost::test_tools::per_element());
  json grafana = get(base + "/clients?clientId=grafana");
  BOOST_REQUIRE(grafana.size() == 1u);
  BOOST_TEST(grafana[0]["protocolMappers"].size() == 2u);
  BOOST_TEST(get(base + "/clients/" + grafana[0]["id"].get<std::string>() +
                 "/client-secret")["value"] == desired["clients"][1]["secret"]);
  BOOST_TEST(sortedNames(get(base + "/groups/" + adminGroup + "/role-mappings/realm")) ==
                 std::vector<std::string>{"admin"},
             boost::test_tools::per_element());
  BOOST_TEST(get(base)["registrationAllowed"] == false);
  BOOST_TEST(get(base)["bruteForceProtected"] == true);
  BOOST_TEST(get(base + "/clients?clientId=someone-elses-app").size() == 1u);
  BOOST_TEST(get(base + "/users?username=carol&exact=true").size() == 1u);
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(rotated_client_secret_is_one_write) {
  sync();
  desired["clients"][1]["secret"] = "rotated-grafana-secret";
  writeDesired();
  SyncOutcome rotated = sync();
  BOOST_TEST(rotated.stats.writes == 1);
  BOOST_TEST(rotated.report.applied == std::vector<std::string>{"update client grafana: secret"},
             boost::test_tools::per_element());
  std::string grafanaId = idOf(base + "/clients?clientId=grafana");
  BOOST_TEST(get(base + "/clients/" + grafanaId + "/client-secret")["value"] ==
             "rotated-grafana-secret");
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(refused_step_names_the_object_and_keycloaks_answer_and_a_rerun_continues) {
  sync();
  json mallory = {{"username", "mallory"},
                  {"email", "dave@example.com"},
                  {"firstName", "M"},
                  {"lastName", "M"}};
  BOOST_REQUIRE(send("POST", base + "/users", mallory).status == 201);
  desired["users"].push_back({{"username", "dave"},
                              {"email", "dave@example.com"},
                              {"firstName", "Dave"},
                              {"lastName", "D"},
                              {"enabled", true},
                              {"emailVerified", true},
                              {"groups", {"viewer"}}});
  desired["users"][1]["firstName"] = "Robert";
  writeDesired();

  auto failed = trySync();
  BOOST_REQUIRE(!failed.ok());
  const std::string& message = failed.error().message;
  BOOST_TEST(message.find("(create user dave) failed") != std::string::npos, message);
  BOOST_TEST(message.find("User exists with same email") != std::string::npos, message);
  std::string bobId = idOf(base + "/users?username=bob&exact=true");
  BOOST_TEST(get(base + "/users/" + bobId)["firstName"] == "Robert");

  std::string malloryId = idOf(base + "/users?username=mallory&exact=true");
  json moved = get(base + "/users/" + malloryId);
  moved["email"] = "mallory@example.com";
  BOOST_REQUIRE(send("PUT", base + "/users/" + malloryId, moved).status == 204);
  SyncOutcome rerun = sync();
  std::vector<std::string> expected = {"create user dave", "add user dave to group viewer"};
  BOOST_TEST(rerun.report.applied == expected, boost::test_tools::per_element());
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(a_spec_with_250_users_converges_and_rereads_without_writes) {
  json users = json::array();
  for (int i = 0; i < 250; ++i) {
    std::string name = "user" + std::to_string(1000 + i);
    users.push_back({{"username", name},
                     {"email", name + "@example.com"},
                     {"firstName", "User"},
                     {"lastName", std::to_string(i)},
                     {"enabled", true},
                     {"emailVerified", true},
                     {"groups",
                      {i % 3 == 0   ? "admin"
                       : i % 3 == 1 ? "operator"
                                    : "viewer"}}});
  }
  desired["users"] = users;
  // Only here: hashing 250 first passwords at Keycloak's default cost is what this test is not
  // about, and it would dominate its time on 2 cores.
  desired["realm"]["passwordPolicy"] =
      desired["realm"]["passwordPolicy"].get<std::string>() + " and hashIterations(1)";
  writeDesired();
  auto started = std::chrono::steady_clock::now();
  SyncOutcome first = sync();
  auto firstSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  BOOST_TEST(first.report.rounds == 1);
  BOOST_TEST(get(base + "/users/count").get<int>() == 250);
  // Keycloak lists 100 users a page: the last page shows the sync did not stop at the first.
  json lastPage = get(base + "/users?first=200&max=100&briefRepresentation=true");
  BOOST_TEST(lastPage.size() == 50u);
  std::string last = idOf(base + "/users?username=user1249&exact=true");
  BOOST_TEST(
      sortedNames(get(base + "/users/" + last + "/groups")) == std::vector<std::string>{"admin"},
      boost::test_tools::per_element());
  started = std::chrono::steady_clock::now();
  rerunWritesNothing();
  auto rerunSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  BOOST_TEST_MESSAGE("250 users: first sync " << firstSeconds << " s, converged re-run "
                                              << rerunSeconds << " s");
}

BOOST_AUTO_TEST_CASE(wrong_bootstrap_credentials_are_named_and_nothing_is_written) {
  settings.admin.clientSecret = "not-the-secret";
  auto outcome = trySync();
  BOOST_REQUIRE(!outcome.ok());
  BOOST_TEST((outcome.error().code == cairn::ErrorCode::kPermission));
  const std::string& message = outcome.error().message;
  BOOST_TEST(message.find("Keycloak refused a token to the service account \"cairn-admin\"") !=
                 std::string::npos,
             message);
  BOOST_TEST(message.find("HTTP 401") != std::string::npos, message);
  BOOST_TEST(message.find("keycloak_admin_client_secret") != std::string::npos, message);
  BOOST_TEST(admin().call("GET", base).value().status == 404);
}

BOOST_AUTO_TEST_CASE(a_service_account_without_the_admin_role_is_told_which_role_is_missing) {
  TestServiceAccount powerless(*this, false);
  settings.admin = powerless.options();
  auto outcome = trySync();
  BOOST_REQUIRE(!outcome.ok());
  BOOST_TEST((outcome.error().code == cairn::ErrorCode::kPermission));
  const std::string& message = outcome.error().message;
  BOOST_TEST(message.find("HTTP 403") != std::string::npos, message);
  BOOST_TEST(message.find("role \"admin\" of the master realm") != std::string::npos, message);
  BOOST_TEST(message.find("token rejected") == std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(a_parallel_creation_answered_409_is_read_back_and_the_run_converges) {
  // A second party creates the oauth2-proxy client between the sync's read and its own POST:
  // Keycloak answers the sync's creation 409.
  bool raced = false;
  http.beforeSend = [&](const cairn::host::HttpRequest& request) {
    if (raced || request.method != "POST" || request.url != server.url + base + "/clients") return;
    if (json::parse(request.body).value("clientId", "") != "oauth2-proxy") return;
    raced = true;
    cairn::host::CurlHttpClient other;
    cairn::host::SystemClock otherClock;
    cairn::keycloak::AdminClient rival(other, otherClock,
                                       cairn::testing::fixtureAdminOptions(server));
    json body = json::parse(request.body);
    body["redirectUris"] = {"https://rival.example.org/oauth2/callback"};
    BOOST_REQUIRE(rival.call("POST", base + "/clients", body).value().status == 201);
  };
  SyncOutcome outcome = sync();
  BOOST_TEST(raced);
  BOOST_TEST(http.answered(409) == 1);
  BOOST_TEST(outcome.report.rounds == 2);  // the second round repaired what the rival set
  json clients = get(base + "/clients?clientId=oauth2-proxy");
  BOOST_REQUIRE(clients.size() == 1u);
  BOOST_TEST(sortedStrings(clients[0]["redirectUris"]) ==
                 sortedStrings(desired["clients"][0]["redirectUris"]),
             boost::test_tools::per_element());
  http.beforeSend = nullptr;
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(tokens_that_expire_during_the_run_are_renewed) {
  TestServiceAccount shortLived(*this, true, {{"access.token.lifespan", "2"}});
  settings.admin = shortLived.options();
  // Each call held back a little, so that the run outlasts several 2-second tokens.
  http.beforeSend = [](const cairn::host::HttpRequest&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  };
  SyncOutcome first = sync();
  http.beforeSend = nullptr;
  BOOST_TEST(first.report.applied.size() == 18u);
  BOOST_TEST_MESSAGE(first.stats.reads + first.stats.writes << " calls, " << first.stats.tokenFetches << " tokens");
  // A run with long-lived tokens fetches two (the first, and a fresh one once the realm exists);
  // the others were renewed ahead of expiry, none only after Keycloak refused an expired one.
  BOOST_TEST(first.stats.tokenFetches > 2);
  BOOST_TEST(first.stats.unauthorizedRenewals == 0);
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(keycloak_still_starting_is_waited_for_and_the_run_then_converges) {
  // Keycloak restarts (PostgreSQL keeps its data): while it starts, its ports refuse connections
  // and then /health/ready answers 503 — the sync waits, then converges.
  cairn::host::LocalProcessRunner runner;
  cairn::Result<cairn::host::ProcessResult> restarted =
      cairn::makeError(cairn::ErrorCode::kFailed, "not run");
  std::thread restart([&] {
    restarted = runner.run({CAIRN_KEYCLOAK_SERVER_SCRIPT, "restart", server.stateDir},
                           std::chrono::seconds(330));
  });
  auto down = [&] {
    cairn::host::HttpRequest probe;
    probe.url = server.healthUrl;
    probe.timeout = 2s;
    auto answer = http.send(probe);
    return !answer.ok() || answer.value().status != 200;
  };
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!down() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(100ms);
  bool wentDown = down();
  settings.admin.retryLimit = 300s;
  settings.admin.maxBackoff = 2s;
  auto outcome = trySync();
  restart.join();
  BOOST_REQUIRE(wentDown);
  BOOST_REQUIRE_MESSAGE((restarted.ok() && restarted.value().exitCode == 0),
                        (restarted.ok() ? restarted.value().output : restarted.error().message));
  BOOST_REQUIRE_MESSAGE(outcome.ok(), (outcome.ok() ? std::string() : outcome.error().message));
  BOOST_TEST(outcome.value().stats.retries > 0);
  BOOST_TEST(outcome.value().report.applied.size() == 18u);
  rerunWritesNothing();
}

BOOST_AUTO_TEST_CASE(unreachable_keycloak_fails_with_a_clear_error_after_the_limit) {
  settings.healthUrl = "http://127.0.0.1:1/health/ready";
  settings.admin.retryLimit = 1s;
  auto outcome = trySync();
  BOOST_REQUIRE(!outcome.ok());
  BOOST_TEST(outcome.error().message.find("Keycloak is not ready") != std::string::npos);
  BOOST_TEST(outcome.error().message.find("127.0.0.1:1") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

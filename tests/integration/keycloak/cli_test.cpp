// cairnctl init → apply → keycloak sync → users password, and secrets rotate of the bootstrap
// service account, against the real Keycloak of the keycloak_server fixture.

#include "provisioning/cli/cli.hpp"

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "appliance/host/clock.hpp"
#include "appliance/host/files.hpp"
#include "appliance/secrets/secrets.hpp"
#include "tests/support/keycloak/keycloak_server.hpp"
#include "tests/support/temp_dir.hpp"

using nlohmann::json;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run cairnctl(std::vector<std::string> argv) {
  std::ostringstream out, err;
  int code = cairn::cli::runCairnctl(argv, out, err);
  return {code, out.str(), err.str()};
}

// (appliance.json may carry comments.)
json readJson(const std::string& path) {
  return json::parse(cairn::host::readFile(path).value(), nullptr, true, true);
}

// An appliance tree under a temporary root whose spec names a realm of its own and whose
// keycloak_admin_client_secret is the fixture's bootstrap secret (as on a real appliance, where
// Keycloak got it from KC_BOOTSTRAP_ADMIN_CLIENT_SECRET at its first start).
struct Appliance {
  Appliance()
      : server(cairn::testing::keycloakServer()),
        realm(cairn::testing::uniqueRealmName("cli")),
        cleanup(server, realm) {
    Run init = cairnctl({"--root", root.path(), "init", "--domain", "example.com"});
    BOOST_REQUIRE_MESSAGE(init.code == 0, init.err);
    json spec = readJson(root / "etc/cairn/appliance.json");
    spec["sso"]["realm"] = realm;
    cairn::testing::writeFile(root / "etc/cairn/appliance.json", spec.dump(2));
    json secrets = readJson(root / "etc/cairn/secrets.json");
    secrets["secrets"]["keycloak_admin_client_secret"]["value"] = server.adminClientSecret;
    cairn::testing::writeFile(root / "etc/cairn/secrets.json", secrets.dump(2), 0600);
    Run apply = cairnctl({"--root", root.path(), "apply"});
    BOOST_REQUIRE_MESSAGE(apply.code == 0, apply.err);
  }

  Run withTarget(std::vector<std::string> argv) {
    std::vector<std::string> full = {"--root", root.path()};
    full.insert(full.end(), argv.begin(), argv.end());
    for (const std::string& option :
         {std::string("--keycloak-url"), server.url, std::string("--timeout"), std::string("60")})
      full.push_back(option);
    if (argv[0] == "keycloak") {
      full.push_back("--health-url");
      full.push_back(server.healthUrl);
    }
    return cairnctl(full);
  }

  std::string adminSecret() const {
    return readJson(root /
                    "etc/cairn/secrets.json")["secrets"]["keycloak_admin_client_secret"]["value"];
  }

  cairn::host::HttpResponse call(const std::string& method, const std::string& path,
                                 const json& body = nullptr, const std::string& secret = "") {
    auto options = cairn::testing::fixtureAdminOptions(server);
    if (!secret.empty()) options.clientSecret = secret;
    cairn::keycloak::AdminClient admin(http, clock, options);
    auto answer = admin.call(method, path, body);
    BOOST_REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? std::string() : answer.error().message));
    return answer.value();
  }

  // What Keycloak says to `password` of `username`, through a direct-grant client the test adds
  // (cairn's own clients allow no password grant): "" when accepted.
  std::string passwordVerdict(const std::string& username, const std::string& password) {
    std::string base = "/admin/realms/" + realm;
    if (!probeAdded_) {
      json probe = {{"clientId", "password-probe"},
                    {"publicClient", true},
                    {"directAccessGrantsEnabled", true},
                    {"standardFlowEnabled", false}};
      BOOST_REQUIRE(call("POST", base + "/clients", probe).status == 201);
      probeAdded_ = true;
    }
    cairn::host::HttpRequest request;
    request.method = "POST";
    request.url = server.url + "/realms/" + realm + "/protocol/openid-connect/token";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = "grant_type=password&client_id=password-probe&username=" +
                   cairn::host::urlEncode(username) +
                   "&password=" + cairn::host::urlEncode(password);
    auto answer = http.send(request);
    BOOST_REQUIRE(answer.ok());
    if (answer.value().status == 200) return "";
    return json::parse(answer.value().body).value("error_description", answer.value().body);
  }

  cairn::testing::KeycloakServer server;
  std::string realm;
  cairn::testing::RealmCleanup cleanup;
  cairn::testing::TempDir root;
  cairn::host::CurlHttpClient http;
  cairn::host::SystemClock clock;

 private:
  bool probeAdded_ = false;
};

// Gives the fixture's bootstrap service account its own secret back after a test rotated it:
// logs in with the rotated value, as the sync does, and sets the fixture's.
class RestoreBootstrapSecret {
 public:
  explicit RestoreBootstrapSecret(Appliance& appliance) : appliance_(appliance) {}
  ~RestoreBootstrapSecret() {
    auto options = cairn::testing::fixtureAdminOptions(appliance_.server);
    options.previousClientSecret = appliance_.adminSecret();
    cairn::keycloak::AdminClient admin(appliance_.http, appliance_.clock, options);
    auto answer = admin.call("GET", "/admin/realms/master");
    if (!answer.ok())
      BOOST_ERROR("the fixture's bootstrap secret was not restored: " + answer.error().message);
  }

 private:
  Appliance& appliance_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cairnctl_keycloak)

BOOST_AUTO_TEST_CASE(apply_renders_the_realm_and_sync_and_users_password_work) {
  Appliance appliance;
  for (const char* file :
       {"oauth2-proxy/oauth2-proxy.cfg", "oauth2-proxy/client-secret", "oauth2-proxy/cookie-secret",
        "grafana/grafana.ini", "airflow/webserver_config.py", "keycloak/realm.json"}) {
    BOOST_TEST(
        cairn::host::pathExists(appliance.root / (std::string("etc/cairn/rendered/") + file)),
        file);
  }

  Run dryRun = appliance.withTarget({"keycloak", "sync", "--dry-run"});
  BOOST_REQUIRE_MESSAGE(dryRun.code == 0, dryRun.err);
  BOOST_TEST(dryRun.out.find("1. create realm " + appliance.realm) != std::string::npos,
             dryRun.out);
  BOOST_TEST(dryRun.out.find("create user admin") != std::string::npos);
  BOOST_TEST(appliance.call("GET", "/admin/realms/" + appliance.realm).status == 404);

  Run sync = appliance.withTarget({"keycloak", "sync"});
  BOOST_REQUIRE_MESSAGE(sync.code == 0, sync.err);
  BOOST_TEST(sync.out.find("Keycloak now matches") != std::string::npos, sync.out);
  Run again = appliance.withTarget({"keycloak", "sync"});
  BOOST_TEST(again.code == 0);
  BOOST_TEST(again.out.find("nothing to do") != std::string::npos, again.out);

  Run shown = cairnctl({"--root", appliance.root.path(), "users", "password", "admin"});
  BOOST_REQUIRE_MESSAGE(shown.code == 0, shown.err);
  std::string prefix = "Initial password of admin: ";
  auto at = shown.out.find(prefix);
  BOOST_REQUIRE(at != std::string::npos);
  std::string initial =
      shown.out.substr(at + prefix.size(), shown.out.find('\n', at) - at - prefix.size());
  // The shown password is the user's, and temporary: Keycloak wants it changed before a login.
  BOOST_TEST(appliance.passwordVerdict("admin", initial) == "Account is not fully set up");
  BOOST_TEST(appliance.passwordVerdict("admin", initial + "x") == "Invalid user credentials");
  Run twice = cairnctl({"--root", appliance.root.path(), "users", "password", "admin"});
  BOOST_TEST(twice.code == 2);
  BOOST_TEST(twice.err.find("--reset") != std::string::npos);

  Run reset = appliance.withTarget({"users", "password", "admin", "--reset"});
  BOOST_REQUIRE_MESSAGE(reset.code == 0, reset.err);
  prefix = "New temporary password of admin: ";
  at = reset.out.find(prefix);
  BOOST_REQUIRE(at != std::string::npos);
  std::string renewed =
      reset.out.substr(at + prefix.size(), reset.out.find('\n', at) - at - prefix.size());
  BOOST_TEST(renewed != initial);
  BOOST_TEST(appliance.passwordVerdict("admin", renewed) == "Account is not fully set up");
  BOOST_TEST(appliance.passwordVerdict("admin", initial) == "Invalid user credentials");

  Run unknown = appliance.withTarget({"users", "password", "nobody", "--reset"});
  BOOST_TEST(unknown.code == 2);
  BOOST_TEST(unknown.err.find("no user nobody") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rotated_bootstrap_secret_reaches_keycloak_and_sync_keeps_working) {
  Appliance appliance;
  RestoreBootstrapSecret restore(appliance);
  BOOST_REQUIRE(appliance.withTarget({"keycloak", "sync"}).code == 0);
  std::string before = appliance.adminSecret();

  Run rotate = cairnctl(
      {"--root", appliance.root.path(), "secrets", "rotate", "keycloak_admin_client_secret"});
  BOOST_REQUIRE_MESSAGE(rotate.code == 0, rotate.err);
  Run apply = cairnctl({"--root", appliance.root.path(), "apply"});
  BOOST_REQUIRE_MESSAGE(apply.code == 0, apply.err);
  std::string after = appliance.adminSecret();
  BOOST_REQUIRE(after != before);

  Run sync = appliance.withTarget({"keycloak", "sync"});
  BOOST_REQUIRE_MESSAGE(sync.code == 0, sync.err);
  BOOST_TEST(
      sync.out.find("now uses the rotated keycloak_admin_client_secret") != std::string::npos,
      sync.out);
  BOOST_TEST(sync.out.find("nothing to do") != std::string::npos, sync.out);

  // Keycloak itself changed: the new secret gets a token, the old one no longer does.
  auto token = [&](const std::string& secret) {
    cairn::host::HttpRequest request;
    request.method = "POST";
    request.url = appliance.server.url + "/realms/master/protocol/openid-connect/token";
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    request.body = "grant_type=client_credentials&client_id=cairn-admin&client_secret=" + secret;
    return appliance.http.send(request).value().status;
  };
  BOOST_TEST(token(after) == 200);
  BOOST_TEST(token(before) == 401);

  Run again = appliance.withTarget({"keycloak", "sync"});
  BOOST_TEST(again.code == 0, again.err);
  BOOST_TEST(again.out.find("rotated") == std::string::npos, again.out);
  BOOST_TEST(again.out.find("nothing to do") != std::string::npos, again.out);
}

BOOST_AUTO_TEST_CASE(wrong_bootstrap_secret_exits_1_and_names_the_secret) {
  Appliance appliance;
  json secrets = readJson(appliance.root / "etc/cairn/secrets.json");
  secrets["secrets"]["keycloak_admin_client_secret"]["value"] = "wrong-secret";
  cairn::testing::writeFile(appliance.root / "etc/cairn/secrets.json", secrets.dump(2), 0600);
  Run sync = appliance.withTarget({"keycloak", "sync"});
  BOOST_TEST(sync.code == 1);
  BOOST_TEST(sync.err.find("Keycloak refused a token to the service account \"cairn-admin\"") !=
                 std::string::npos,
             sync.err);
  BOOST_TEST(sync.err.find("check keycloak_admin_client_secret") != std::string::npos, sync.err);
}

BOOST_AUTO_TEST_CASE(sync_before_apply_says_what_to_do) {
  cairn::testing::TempDir root;
  BOOST_REQUIRE(cairnctl({"--root", root.path(), "init", "--domain", "example.com"}).code == 0);
  Run sync = cairnctl({"--root", root.path(), "keycloak", "sync", "--timeout", "1"});
  BOOST_TEST(sync.code == 2);
  BOOST_TEST(sync.err.find("run `cairnctl apply` first") != std::string::npos);
  Run usage = cairnctl({"--root", root.path(), "keycloak", "status"});
  BOOST_TEST(usage.code == 2);
}

BOOST_AUTO_TEST_SUITE_END()

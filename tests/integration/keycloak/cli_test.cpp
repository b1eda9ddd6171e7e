// cairnctl init → apply → keycloak sync → users password, against the Keycloak stand-in.

#include "provisioning/cli/cli.hpp"

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "appliance/host/files.hpp"
#include "appliance/secrets/secrets.hpp"
#include "tests/support/keycloak_standin/standin.hpp"
#include "tests/support/temp_dir.hpp"

using cairn::testing::KeycloakStandin;

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

std::string adminSecretOf(const cairn::testing::TempDir& root) {
  auto text = cairn::host::readFile(root / "etc/cairn/secrets.json").value();
  return cairn::secrets::Secrets::fromJson(nlohmann::json::parse(text))
      .get("keycloak_admin_client_secret");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cairnctl_keycloak)

BOOST_AUTO_TEST_CASE(apply_renders_the_realm_and_sync_users_and_password_commands_work) {
  cairn::testing::TempDir root;
  Run init = cairnctl({"--root", root.path(), "init", "--domain", "example.com"});
  BOOST_REQUIRE_MESSAGE(init.code == 0, init.err);
  Run apply = cairnctl({"--root", root.path(), "apply"});
  BOOST_REQUIRE_MESSAGE(apply.code == 0, apply.err);
  for (const char* file :
       {"oauth2-proxy/oauth2-proxy.cfg", "oauth2-proxy/client-secret", "oauth2-proxy/cookie-secret",
        "grafana/grafana.ini", "airflow/webserver_config.py", "keycloak/realm.json"}) {
    BOOST_TEST(cairn::host::pathExists(root / (std::string("etc/cairn/rendered/") + file)), file);
  }

  KeycloakStandin keycloak(KeycloakStandin::Options{adminSecretOf(root), 60, 0});
  std::vector<std::string> target = {"--keycloak-url",     keycloak.url(), "--health-url",
                                     keycloak.healthUrl(), "--timeout",    "20"};
  auto withTarget = [&](std::vector<std::string> argv) {
    argv.insert(argv.end(), target.begin(), target.end());
    return cairnctl(argv);
  };

  Run dryRun = withTarget({"--root", root.path(), "keycloak", "sync", "--dry-run"});
  BOOST_REQUIRE_MESSAGE(dryRun.code == 0, dryRun.err);
  BOOST_TEST(dryRun.out.find("1. create realm cairn") != std::string::npos);
  BOOST_TEST(dryRun.out.find("create user admin") != std::string::npos);
  BOOST_TEST(KeycloakStandin::writes(keycloak.log()).empty());

  Run sync = withTarget({"--root", root.path(), "keycloak", "sync"});
  BOOST_REQUIRE_MESSAGE(sync.code == 0, sync.err);
  BOOST_TEST(sync.out.find("Keycloak now matches") != std::string::npos);
  Run again = withTarget({"--root", root.path(), "keycloak", "sync"});
  BOOST_TEST(again.out.find("nothing to do") != std::string::npos);

  Run shown = cairnctl({"--root", root.path(), "users", "password", "admin"});
  BOOST_REQUIRE_MESSAGE(shown.code == 0, shown.err);
  BOOST_TEST(shown.out.find("Initial password of admin: ") != std::string::npos);
  std::string stored = keycloak.state()["cairn"]["credentials"].begin().value()["value"];
  BOOST_TEST(shown.out.find(stored) != std::string::npos);
  Run twice = cairnctl({"--root", root.path(), "users", "password", "admin"});
  BOOST_TEST(twice.code == 2);
  BOOST_TEST(twice.err.find("--reset") != std::string::npos);

  std::vector<std::string> users = {"--root", root.path(), "users",          "password",
                                    "admin",  "--reset",   "--keycloak-url", keycloak.url()};
  Run reset = cairnctl(users);
  BOOST_REQUIRE_MESSAGE(reset.code == 0, reset.err);
  std::string renewed = keycloak.state()["cairn"]["credentials"].begin().value()["value"];
  BOOST_TEST(renewed != stored);
  BOOST_TEST(reset.out.find(renewed) != std::string::npos);
  BOOST_TEST(keycloak.state()["cairn"]["credentials"].begin().value()["temporary"] == true);

  users[4] = "nobody";
  Run unknown = cairnctl(users);
  BOOST_TEST(unknown.code == 2);
  BOOST_TEST(unknown.err.find("no user nobody") != std::string::npos);
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

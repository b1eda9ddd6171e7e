// The journey every user of cairn takes, in a real browser: Debian's Chromium (driven by
// browser_journey.js) through the rendered nginx of the edge harness, the real oauth2-proxy with
// the rendered files, and the real Keycloak of the keycloak_server fixture with the synced realm.
// Every public host resolves to the edge's loopback port, and a CA made for the test signs the
// certificate the edge serves. The screenshots of each step are left under the test's output
// folder (browser-journey/ in the build tree).

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "appliance/spec/load.hpp"
#include "keycloak/desired_realm.hpp"
#include "provisioning/edge/edge.hpp"
#include "tests/support/browser/browser_support.hpp"
#include "tests/support/keycloak/real_gate.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"
#include "tests/support/loopback_port.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

#ifndef CAIRN_BROWSER_JOURNEY
#error "CAIRN_BROWSER_JOURNEY must name browser_journey.js"
#endif
#ifndef CAIRN_BROWSER_OUTPUT
#error "CAIRN_BROWSER_OUTPUT must name the folder for the screenshots"
#endif

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// Shorter than the appliance's, so that the test sees several refreshes and an idle expiry.
constexpr int kCookieRefreshSeconds = 4;
constexpr int kIdleSeconds = 20;

std::string specText(const std::string& realm, const std::string& echo) {
  std::string text = R"({
    "version": 1,
    "domain": "example.com",
    "tls": {"mode": "provided", "certificate": "/etc/ssl/cairn-test/fullchain.pem",
            "key": "/etc/ssl/cairn-test/privkey.pem"},
    "sso": {"realm": "REALM", "session_idle": "30m", "session_max": "10h"},
    "users": [
      {"username": "alice", "email": "alice@example.com", "roles": ["admin"]},
      {"username": "carol", "email": "carol@example.com", "roles": ["viewer"]}
    ],
    "routes": [
      {"host": "apps.example.com", "upstream": "http://ECHO/"},
      {"host": "ops.example.com", "upstream": "http://ECHO/", "roles": ["admin"]},
      {"host": "public.example.com", "upstream": "http://ECHO/", "auth": "none"}
    ]
  })";
  text = cairn::testing::replaceAll(text, "REALM", realm);
  return cairn::testing::replaceAll(text, "ECHO", echo);
}

bool requested(const std::vector<json>& requests, const std::string& host, const std::string& path) {
  for (const auto& request : requests)
    if (request["headers"].value("host", "") == host && request.value("path", "") == path)
      return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(browser_journey)

BOOST_AUTO_TEST_CASE(a_person_signs_in_through_the_rendered_edge_in_chromium) {
  auto server = cairn::testing::keycloakServer();
  std::string realm = cairn::testing::uniqueRealmName("browser");
  cairn::testing::RealmCleanup cleanup(server, realm);
  cairn::testing::TempDir dir;
  std::string screenshots = CAIRN_BROWSER_OUTPUT;
  std::filesystem::remove_all(screenshots);
  std::filesystem::create_directories(screenshots);

  cairn::testing::EdgeHarness edge(cairn::testing::EdgeHarness::Gate::kNone);
  std::string echo = edge.options().upstreams.grafana;
  auto spec = cairn::spec::loadSpec(specText(realm, echo));
  auto secrets = cairn::testing::keycloakTestSecrets();
  cairn::testing::makeTrustedCertificate("example.com", edge.root() + "/etc/ssl/cairn-test", dir / "home",
                                         dir.path());

  json desired = cairn::keycloak::desiredRealm(spec, secrets);
  desired["realm"]["ssoSessionIdleTimeout"] = kIdleSeconds;
  auto passwords = cairn::testing::syncIntoFixture(server, desired, dir);

  cairn::testing::RedisServer redis(secrets.get("redis_password"), dir.path());
  std::string config = cairn::testing::writeRenderedGate(
      spec, secrets, dir, server.url, redis.url(), [](std::string text) {
        return cairn::testing::replaceAll(
            text, "cookie_refresh = \"" + std::to_string(cairn::keycloak::kCookieRefresh.count()) + "s\"",
            "cookie_refresh = \"" + std::to_string(kCookieRefreshSeconds) + "s\"");
      });
  BOOST_REQUIRE(cairn::testing::readFile(config).find(
                    "cookie_refresh = \"" + std::to_string(kCookieRefreshSeconds) + "s\"") !=
                std::string::npos);
  int gatePort = cairn::testing::freeLoopbackPort();
  cairn::testing::Oauth2Proxy gate(config, gatePort, dir / "oauth2-proxy.log",
                                   secrets.get("redis_password"));

  std::string keycloakAddress = server.url.substr(server.url.find("://") + 3);
  edge.setUpstreams({keycloakAddress, "127.0.0.1:" + std::to_string(gatePort), echo, echo});
  auto applied = edge.apply(spec);
  BOOST_REQUIRE_MESSAGE(applied.status == cairn::apply::ApplyStatus::kApplied, applied.message);

  std::string port = std::to_string(edge.options().httpsPort);
  json forged = {{"X-Auth-Request-User", "mallory"},
                 {"X-Auth-Request-Preferred-Username", "mallory"},
                 {"X-Auth-Request-Groups", "admin"},
                 {"X-Forwarded-User", "mallory"},
                 {"X-Forwarded-For", "203.0.113.9"},
                 {"X-Forwarded-Host", "evil.example.net"},
                 {"X-Forwarded-Proto", "http"},
                 {"X-Forwarded-Prefix", "/evil"}};
  json settings = {
      {"chromium", "/usr/bin/chromium"},
      {"home", dir / "home"},
      {"host_resolver_rules",
       "MAP example.com 127.0.0.1:" + port + ", MAP *.example.com 127.0.0.1:" + port},
      {"screenshots", screenshots},
      {"cookie_name", cairn::keycloak::kOauth2ProxyCookieName},
      {"hosts",
       {{"status", spec.hosts.status},
        {"auth", spec.hosts.auth},
        {"apps", "apps.example.com"},
        {"ops", "ops.example.com"},
        {"open", "public.example.com"}}},
      {"users",
       {{"admin",
         {{"username", "alice"}, {"password", passwords.take("alice").value()}, {"newPassword", "Alice-" + realm}}},
        {"viewer",
         {{"username", "carol"}, {"password", passwords.take("carol").value()}, {"newPassword", "Carol-" + realm}}}}},
      {"forged_headers", forged},
      {"cookie_refresh_seconds", kCookieRefreshSeconds},
      {"refresh_rounds", 3},
      {"idle_wait_seconds", kIdleSeconds + 10}};
  auto journey = cairn::testing::runBrowserJourney(CAIRN_BROWSER_JOURNEY, settings, dir.path(), 300s);
  BOOST_REQUIRE_MESSAGE(journey.exitCode == 0 && journey.seen.is_object(),
                        journey.output + "\noauth2-proxy's log:\n" + cairn::testing::logOf(dir / "oauth2-proxy.log"));
  const json& seen = journey.seen;
  BOOST_TEST_MESSAGE("browser journey: " << seen.dump());

  // 1. The deep URL, through Keycloak's login and the forced password change, and back.
  BOOST_TEST(seen["deep"]["login_host"] == spec.hosts.auth);
  BOOST_TEST(seen["deep"]["change_asked"] == true);
  BOOST_TEST(seen["deep"]["landed"] == "https://" + spec.hosts.status + "/a/b?x=1&y=2");

  // 2. The upstream sees the identity the gate set, never the one the browser sent, nor the
  // gate's cookie; nginx sets the X-Forwarded-* itself.
  const json& app = seen["admin_app"]["upstream"];
  BOOST_REQUIRE_MESSAGE(app.is_object(), seen["admin_app"].dump());
  BOOST_TEST(app["path"] == "/x/y?z=1");
  BOOST_TEST(app["headers"].value("x-auth-request-preferred-username", "") == "alice");
  BOOST_TEST(app["headers"].value("x-auth-request-email", "") == "alice@example.com");
  BOOST_TEST(app["headers"].value("x-auth-request-groups", "").find("admin") != std::string::npos);
  BOOST_TEST(app["headers"].value("x-forwarded-user", "") == "");
  BOOST_TEST(app["headers"].value("x-forwarded-for", "") == "127.0.0.1");
  BOOST_TEST(app["headers"].value("x-forwarded-host", "") == "apps.example.com");
  BOOST_TEST(app["headers"].value("x-forwarded-proto", "") == "https");
  BOOST_TEST(app["headers"].value("x-forwarded-prefix", "") == "");
  BOOST_TEST(app["headers"].value("cookie", "").find(cairn::keycloak::kOauth2ProxyCookieName) ==
             std::string::npos);
  BOOST_TEST(seen["admin_ops"]["status"] == 200);
  BOOST_TEST(seen["admin_ops"]["upstream"]["headers"].value("x-auth-request-preferred-username", "") == "alice");
  const json& open = seen["admin_open"]["upstream"];
  BOOST_REQUIRE_MESSAGE(open.is_object(), seen["admin_open"].dump());
  BOOST_TEST(open["headers"].value("x-auth-request-preferred-username", "") == "");
  BOOST_TEST(open["headers"].value("x-auth-request-user", "") == "");
  BOOST_TEST(open["headers"].value("cookie", "").find(cairn::keycloak::kOauth2ProxyCookieName) ==
             std::string::npos);

  // 3. The session outlives several refreshes of the gate's cookie, each reaching the browser.
  for (const auto& round : seen["refresh_rounds"]) {
    BOOST_TEST(round["status"] == 200, round.dump());
    BOOST_TEST(round["host"] == "apps.example.com", round.dump());
    BOOST_TEST(round["user"] == "alice", round.dump());
  }
  BOOST_TEST(seen["refreshes"]["count"].get<int>() >= 3, seen["refreshes"].dump());
  // Sign-out ends Keycloak's session too: the next page asks for the password.
  BOOST_TEST(seen["after_sign_out"]["asks_for_password"] == true, seen["after_sign_out"].dump());

  // A viewer on the admin route gets the 403 page, and the upstream never sees the request.
  BOOST_TEST(seen["viewer_ops"]["status"] == 403, seen["viewer_ops"].dump());
  BOOST_TEST(!requested(edge.upstreamRequests(), "ops.example.com", "/admin-only"));
  BOOST_TEST(seen["viewer_app"]["status"] == 200);
  BOOST_TEST(seen["viewer_app"]["upstream"]["headers"].value("x-auth-request-preferred-username", "") == "carol");

  // Idle expiry: after the realm's idle timeout the old session is not let in again.
  BOOST_TEST(seen["after_idle"]["asks_for_password"] == true, seen["after_idle"].dump());
}

BOOST_AUTO_TEST_SUITE_END()

#define BOOST_TEST_MODULE provisioning_edge_integration
#include <signal.h>
#include <stdlib.h>

#include <regex>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "appliance/host/files.hpp"
#include "provisioning/edge/edge.hpp"
#include "provisioning/edge/edge_paths.hpp"
#include "provisioning/edge/nginx.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"

// Real nginx from Debian with the rendered edge, in front of the echo upstream and the real gate
// (oauth2-proxy over the keycloak_server fixture's Keycloak); every configuration goes through the
// apply transaction.

using cairn::testing::EdgeHarness;
using cairn::testing::fetch;
using cairn::testing::Response;
namespace apply = cairn::apply;

namespace {

EdgeHarness* harness = nullptr;

struct EdgeFixture {
  EdgeFixture() {
    harness = new EdgeHarness();
    auto report = harness->apply(harness->testSpec());
    if (report.status != apply::ApplyStatus::kApplied) {
      throw std::runtime_error("the first apply failed: " + report.message);
    }
  }
  ~EdgeFixture() {
    delete harness;
    harness = nullptr;
  }
};
BOOST_TEST_GLOBAL_FIXTURE(EdgeFixture);

nlohmann::json upstreamHeaders(const Response& response) {
  return nlohmann::json::parse(response.body).at("headers");
}

std::string adminCookie() { return "Cookie: " + harness->sessionCookie("alice"); }
std::string viewerCookie() { return "Cookie: " + harness->sessionCookie("victor"); }

}  // namespace

EdgeHarness& theHarness() { return *harness; }

// "name=value" of a Set-Cookie header.
std::string cookiePair(const std::string& setCookie) { return setCookie.substr(0, setCookie.find(';')); }

bool setsASession(const Response& response) {
  return response.header("set-cookie").rfind(std::string(cairn::edge::gateCookieName()) + "=", 0) == 0;
}

// Where the gate sends a browser that asks for `page` on `host` without a session: Keycloak's
// login page. Redirects on the host itself (a sign-in page of its own) are followed like a browser
// would. The answer that sends it there also sets the gate's CSRF cookie.
Response toTheLoginPage(const std::string& host, const std::string& page) {
  const std::string login = "https://auth.example.com/realms/" + harness->testSpec().sso.realm +
                            "/protocol/openid-connect/auth?";
  Response asked = fetch(harness->https(host, page));
  for (int hop = 0; hop < 3 && asked.status == 302 && asked.header("location").rfind(login, 0) != 0;
       ++hop) {
    std::string next = asked.header("location");
    asked = fetch(next.front() == '/' ? harness->https(host, next) : next);
  }
  BOOST_TEST_REQUIRE(asked.status == 302);
  BOOST_TEST_REQUIRE(asked.header("location").rfind(login, 0) == 0u, asked.header("location"));
  return asked;
}

// An https:// URL of the appliance, on the harness's nginx.
std::string onTheEdge(const std::string& url) {
  std::size_t host = url.find("://") + 3;
  std::size_t path = url.find('/', host);
  return harness->https(url.substr(host, path - host), url.substr(path));
}

// Keycloak's answer to alice's sign-in, sent to the gate's callback through the edge with the
// CSRF cookie of `toLogin`.
Response backFromKeycloak(const Response& toLogin) {
  std::string callback = harness->gate().logIn(toLogin.header("location"), "alice");
  return fetch(onTheEdge(callback), {"Cookie: " + cookiePair(toLogin.header("set-cookie"))});
}

// The sign-in round trip as a browser makes it: the gate sends the user to Keycloak with the page
// in oauth2-proxy's state, alice signs in there, Keycloak hands the state back to the gate's
// callback, and the gate sends the user to that page with a session.
Response signInAndReturn(const std::string& host, const std::string& page) {
  Response callback = backFromKeycloak(toTheLoginPage(host, page));
  BOOST_TEST_REQUIRE(callback.status == 302, callback.body);
  BOOST_TEST(setsASession(callback), callback.header("set-cookie"));
  return callback;
}

BOOST_AUTO_TEST_CASE(sign_in_returns_the_user_to_exactly_the_page_asked_for) {
  for (std::string page :
       {"/a/b?x=1&y=2", "/d/abc?orgId=1", "/p%20q/r;s?u=a%2Fb&v=c+d&w&r=/x?y#", "/"}) {
    if (page.back() == '#') page.pop_back();  // a fragment never reaches the server
    BOOST_TEST_CONTEXT(page) {
      Response callback = signInAndReturn("grafana.example.com", page);
      BOOST_TEST(callback.header("location") == harness->https("grafana.example.com", page));
      Response landed = fetch(callback.header("location"),
                              {"Cookie: " + cookiePair(callback.header("set-cookie"))});
      BOOST_TEST_REQUIRE(landed.status == 200);
      BOOST_TEST(nlohmann::json::parse(landed.body).at("path") == page);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_redirect_to_the_provider_carries_the_whole_page) {
  Response refused = toTheLoginPage("grafana.example.com", "/api/x?a=1&b=2");
  std::string page = "https%3A%2F%2Fgrafana.example.com%3A" +
                     std::to_string(harness->options().httpsPort) + "%2Fapi%2Fx%3Fa%3D1%26b%3D2";
  std::string location = refused.header("location");
  std::string state = location.substr(location.find("state=") + 6);
  state = state.substr(0, state.find('&'));
  // oauth2-proxy's state: its nonce, ":", the encoded page, all encoded once more in the query.
  page = "%3A" + std::regex_replace(page, std::regex("%"), "%25");
  BOOST_TEST(state.size() > page.size());
  BOOST_TEST(state.substr(state.size() - page.size()) == page, location);
}

BOOST_AUTO_TEST_CASE(a_forged_code_or_a_foreign_redirect_gets_no_session_or_leaves_the_appliance) {
  // A code Keycloak never issued, with a real state and CSRF cookie: no session.
  Response toLogin = toTheLoginPage("localhost", "/");
  std::string location = toLogin.header("location");
  std::string state = location.substr(location.find("state=") + 6);
  state = state.substr(0, state.find('&'));
  Response forged =
      fetch(harness->https("example.com", "/oauth2/callback?code=forged&state=" + state),
            {"Cookie: " + cookiePair(toLogin.header("set-cookie"))});
  BOOST_TEST(forged.status >= 400, forged.status);
  BOOST_TEST(!setsASession(forged));
  // A real code without the CSRF cookie of the browser that started the sign-in: no session.
  std::string callback = harness->gate().logIn(toTheLoginPage("localhost", "/").header("location"), "alice");
  Response stolen = fetch(onTheEdge(callback));
  BOOST_TEST(stolen.status == 403);
  BOOST_TEST(!setsASession(stolen));
  // A sign-in asked to return elsewhere comes back to the appliance.
  Response foreign = fetch(harness->https("example.com", "/oauth2/start?rd=https%3A%2F%2Fevil.test%2F"));
  BOOST_TEST_REQUIRE(foreign.status == 302);
  Response back = backFromKeycloak(foreign);
  BOOST_TEST_REQUIRE(back.status == 302, back.body);
  BOOST_TEST(back.header("location").find("evil.test") == std::string::npos, back.header("location"));
}

BOOST_AUTO_TEST_CASE(the_auth_endpoint_is_not_reachable_from_outside) {
  BOOST_TEST(fetch(harness->https("grafana.example.com", "/oauth2/auth"), {adminCookie()}).status == 404);
}

BOOST_AUTO_TEST_CASE(with_a_session_the_upstream_receives_the_identity_headers) {
  Response response = fetch(harness->https("airflow.example.com", "/home"), {adminCookie()});
  BOOST_REQUIRE_EQUAL(response.status, 200);
  auto headers = upstreamHeaders(response);
  BOOST_TEST(headers.value("x-auth-request-user", "") == harness->gate().session("alice").user);
  BOOST_TEST(headers.value("x-auth-request-email", "") == "alice@example.com");
  // oauth2-proxy lists the Keycloak groups, then the user's roles as "role:<name>".
  std::string groups = "," + headers.value("x-auth-request-groups", "") + ",";
  BOOST_TEST(groups.find(",admin,") != std::string::npos, groups);
  BOOST_TEST(groups.find(",viewer,") == std::string::npos, groups);
  BOOST_TEST(groups.find(",operator,") == std::string::npos, groups);
  BOOST_TEST(headers.value("x-auth-request-preferred-username", "") == "alice");
  BOOST_TEST(headers.value("x-forwarded-proto", "") == "https");
  BOOST_TEST(headers.value("x-real-ip", "") == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(grafana_receives_the_auth_proxy_user_and_role) {
  Response response = fetch(harness->https("grafana.example.com", "/api/user"), {adminCookie()});
  BOOST_REQUIRE_EQUAL(response.status, 200);
  auto headers = upstreamHeaders(response);
  BOOST_TEST(headers.value("x-webauth-user", "") == "alice");
  BOOST_TEST(headers.value("x-webauth-email", "") == "alice@example.com");
  BOOST_TEST(headers.value("x-webauth-role", "") == "Admin");
}

BOOST_AUTO_TEST_CASE(client_supplied_identity_headers_never_reach_an_upstream) {
  std::vector<std::string> forged = {
      "X-Auth-Request-User: mallory", "X-Auth-Request-Email: mallory@evil.test",
      "X-Auth-Request-Groups: admin", "X-WEBAUTH-USER: admin",
      "X-Forwarded-User: mallory",    "Remote-User: mallory"};
  std::vector<std::string> withSession = forged;
  withSession.push_back(adminCookie());

  auto gated = upstreamHeaders(fetch(harness->https("grafana.example.com", "/"), withSession));
  BOOST_TEST(gated.value("x-auth-request-user", "") == harness->gate().session("alice").user);
  BOOST_TEST(gated.value("x-auth-request-email", "") == "alice@example.com");
  BOOST_TEST(gated.value("x-webauth-user", "") == "alice");
  BOOST_TEST(!gated.contains("x-forwarded-user"));
  BOOST_TEST(!gated.contains("remote-user"));

  for (std::string host : {"open.example.com", "auth.example.com"}) {
    Response response = fetch(
        harness->https(host, host == "auth.example.com" ? "/realms/cairn/account" : "/"), forged);
    BOOST_REQUIRE_EQUAL(response.status, 200);
    auto open = upstreamHeaders(response);
    for (const char* name : {"x-auth-request-user", "x-auth-request-email", "x-auth-request-groups",
                             "x-webauth-user", "x-forwarded-user", "remote-user"}) {
      BOOST_TEST(!open.contains(name), host << " passed " << name);
    }
  }
}

BOOST_AUTO_TEST_CASE(auth_none_routes_pass_without_a_session_to_the_upstream_path) {
  Response response = fetch(harness->https("open.example.com", "/hook?x=1"));
  BOOST_REQUIRE_EQUAL(response.status, 200);
  BOOST_TEST(nlohmann::json::parse(response.body).value("path", "") == "/open/hook?x=1");
}

BOOST_AUTO_TEST_CASE(a_route_with_roles_rejects_a_user_without_the_group) {
  BOOST_TEST(fetch(harness->https("ops.example.com", "/"),
                   {viewerCookie()})
                 .status == 403);
  BOOST_TEST(fetch(harness->https("ops.example.com", "/"), {adminCookie()}).status == 200);
  // The same viewer passes where no role is required.
  BOOST_TEST(fetch(harness->https("localhost", "/"),
                   {viewerCookie()})
                 .status == 200);
}

BOOST_AUTO_TEST_CASE(the_status_page_is_served_behind_the_gate) {
  BOOST_TEST(fetch(harness->https("example.com", "/")).status == 302);
  Response page = fetch(harness->https("example.com", "/"), {adminCookie()});
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.body.find("grafana.example.com") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(http_redirects_to_https_but_serves_acme_challenges) {
  Response redirect = fetch(harness->http("grafana.example.com", "/d/x?y=1"));
  BOOST_TEST(redirect.status == 301);
  BOOST_TEST(redirect.header("location") == harness->https("grafana.example.com", "/d/x?y=1"));

  cairn::testing::writeFile(
      harness->root() + "/var/lib/cairn/acme/.well-known/acme-challenge/token-123",
      "token-123.key");
  Response challenge =
      fetch(harness->http("grafana.example.com", "/.well-known/acme-challenge/token-123"));
  BOOST_TEST(challenge.status == 200);
  BOOST_TEST(challenge.body == "token-123.key");
  BOOST_TEST(
      fetch(harness->http("grafana.example.com", "/.well-known/acme-challenge/missing")).status ==
      404);
}

BOOST_AUTO_TEST_CASE(the_login_rate_limit_answers_429) {
  std::vector<std::string> argv = {
      "curl",      "-sk",
      "-o",        "/dev/null",
      "-w",        "%{http_code}\n",
      "--resolve", "auth.example.com:" + std::to_string(harness->options().httpsPort) + ":127.0.0.1"};
  for (int i = 0; i < 40; ++i)
    argv.push_back(harness->https("auth.example.com", "/realms/cairn/protocol/openid-connect/token"));
  cairn::host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(60));
  BOOST_REQUIRE(result);
  const std::string& codes = result.value().output;
  BOOST_TEST(codes.find("200") != std::string::npos);
  BOOST_TEST(codes.find("429") != std::string::npos, codes);
}

BOOST_AUTO_TEST_CASE(security_headers_are_present_on_pages_and_redirects) {
  Response grafana = fetch(harness->https("grafana.example.com", "/"), {adminCookie()});
  BOOST_TEST(grafana.header("strict-transport-security") == "max-age=31536000; includeSubDomains");
  BOOST_TEST(grafana.header("x-content-type-options") == "nosniff");
  BOOST_TEST(grafana.header("x-frame-options") == "SAMEORIGIN");
  BOOST_TEST(grafana.header("content-security-policy").find("wss://grafana.example.com") !=
             std::string::npos);
  BOOST_TEST(grafana.header("server") == "nginx");

  Response signIn = fetch(harness->https("grafana.example.com", "/"));
  BOOST_TEST(signIn.status == 302);
  BOOST_TEST(signIn.header("strict-transport-security") != "");

  Response airflow = fetch(harness->https("airflow.example.com", "/"), {adminCookie()});
  BOOST_TEST(airflow.header("content-security-policy-report-only") != "");
  Response keycloak = fetch(harness->https("auth.example.com", "/realms/cairn/account"));
  BOOST_TEST(keycloak.header("strict-transport-security") != "");
  BOOST_TEST(keycloak.header("content-security-policy") == "");
}

BOOST_AUTO_TEST_CASE(unknown_host_names_get_no_tls_handshake) {
  BOOST_CHECK_THROW(fetch(harness->https("unknown.example.com", "/")), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(the_certificate_expiry_is_recorded_for_monitoring) {
  auto status = nlohmann::json::parse(
      cairn::testing::readFile(harness->root() + cairn::edge::kCertificateStatusFile));
  BOOST_TEST(status.value("source", "") == "self-signed");
  BOOST_TEST(status.value("not_after_unix", 0LL) > 1700000000LL);
  std::string metrics =
      cairn::testing::readFile(harness->root() + cairn::edge::kCertificateMetricsFile);
  BOOST_TEST(metrics.find("cairn_tls_certificate_expiry_timestamp_seconds{mode=\"self-signed\","
                          "source=\"self-signed\"} " +
                          std::to_string(status.value("not_after_unix", 0LL))) !=
             std::string::npos);
}

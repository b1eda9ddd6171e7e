#define BOOST_TEST_MODULE provisioning_edge_integration
#include <signal.h>
#include <stdlib.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "appliance/host/files.hpp"
#include "provisioning/edge/edge.hpp"
#include "provisioning/edge/edge_paths.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"

// Real nginx from Debian with the rendered edge, in front of the echo upstream and the
// oauth2-proxy stand-in; every configuration goes through the apply transaction.

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

const std::string kCookie = std::string("Cookie: ") + EdgeHarness::kAdminCookie;

}  // namespace

EdgeHarness& theHarness() { return *harness; }

// The sign-in round trip as a browser makes it: the gate sends the user to the identity provider
// with the page in oauth2-proxy's state, the provider hands the state back to /oauth2/callback,
// and oauth2-proxy sends the user to that page with a session.
Response signInAndReturn(const std::string& host, const std::string& page) {
  const std::string kProvider = "https://auth.edge.test/realms/cairn/protocol/openid-connect/auth?";
  Response asked = fetch(harness->https(host, page));
  std::string provider = asked.header("location");
  // Redirects on the host itself (a sign-in page of its own) are followed like a browser would.
  for (int hop = 0; hop < 3 && asked.status == 302 && provider.rfind(kProvider, 0) != 0; ++hop) {
    asked = fetch(provider.front() == '/' ? harness->https(host, provider) : provider);
    provider = asked.header("location");
  }
  BOOST_TEST_REQUIRE(asked.status == 302);
  BOOST_TEST_REQUIRE(provider.rfind(kProvider, 0) == 0u, provider);
  std::string state = provider.substr(provider.find("state=") + 6);
  state = state.substr(0, state.find('&'));
  Response callback =
      fetch(harness->https(host, "/oauth2/callback?code=admin-session&state=" + state));
  BOOST_TEST_REQUIRE(callback.status == 302);
  BOOST_TEST(callback.header("set-cookie").rfind(EdgeHarness::kAdminCookie, 0) == 0u);
  return callback;
}

BOOST_AUTO_TEST_CASE(sign_in_returns_the_user_to_exactly_the_page_asked_for) {
  for (std::string page :
       {"/a/b?x=1&y=2", "/d/abc?orgId=1", "/p%20q/r;s?u=a%2Fb&v=c+d&w&r=/x?y#", "/"}) {
    if (page.back() == '#') page.pop_back();  // a fragment never reaches the server
    BOOST_TEST_CONTEXT(page) {
      Response callback = signInAndReturn("grafana.edge.test", page);
      BOOST_TEST(callback.header("location") == harness->https("grafana.edge.test", page));
      Response landed = fetch(callback.header("location"), {kCookie});
      BOOST_TEST_REQUIRE(landed.status == 200);
      BOOST_TEST(nlohmann::json::parse(landed.body).at("path") == page);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_redirect_to_the_provider_carries_the_whole_page) {
  Response refused = fetch(harness->https("grafana.edge.test", "/api/x?a=1&b=2"));
  BOOST_TEST(refused.status == 302);
  std::string page = "https%3A%2F%2Fgrafana.edge.test%3A" +
                     std::to_string(harness->options().httpsPort) + "%2Fapi%2Fx%3Fa%3D1%26b%3D2";
  BOOST_TEST(refused.header("location").find("state=nonce%3A" + page) != std::string::npos,
             refused.header("location"));
}

BOOST_AUTO_TEST_CASE(an_unknown_code_or_a_foreign_redirect_gets_no_session) {
  BOOST_TEST(
      fetch(harness->https("localhost", "/oauth2/callback?code=forged&state=nonce%3A%2F")).status ==
      403);
  BOOST_TEST(fetch(harness->https("localhost",
                                  "/oauth2/callback?code=admin-session&state=nonce%3A%2F%2Fevil"))
                 .status == 403);
}

BOOST_AUTO_TEST_CASE(the_auth_endpoint_is_not_reachable_from_outside) {
  BOOST_TEST(fetch(harness->https("grafana.edge.test", "/oauth2/auth"), {kCookie}).status == 404);
}

BOOST_AUTO_TEST_CASE(with_a_session_the_upstream_receives_the_identity_headers) {
  Response response = fetch(harness->https("airflow.edge.test", "/home"), {kCookie});
  BOOST_REQUIRE_EQUAL(response.status, 200);
  auto headers = upstreamHeaders(response);
  BOOST_TEST(headers.value("x-auth-request-user", "") == "0b7e-admin-uuid");
  BOOST_TEST(headers.value("x-auth-request-email", "") == "alice@edge.test");
  BOOST_TEST(headers.value("x-auth-request-groups", "") == "admin");
  BOOST_TEST(headers.value("x-auth-request-preferred-username", "") == "alice");
  BOOST_TEST(headers.value("x-forwarded-proto", "") == "https");
  BOOST_TEST(headers.value("x-real-ip", "") == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(grafana_receives_the_auth_proxy_user_and_role) {
  Response response = fetch(harness->https("grafana.edge.test", "/api/user"), {kCookie});
  BOOST_REQUIRE_EQUAL(response.status, 200);
  auto headers = upstreamHeaders(response);
  BOOST_TEST(headers.value("x-webauth-user", "") == "alice");
  BOOST_TEST(headers.value("x-webauth-email", "") == "alice@edge.test");
  BOOST_TEST(headers.value("x-webauth-role", "") == "Admin");
}

BOOST_AUTO_TEST_CASE(client_supplied_identity_headers_never_reach_an_upstream) {
  std::vector<std::string> forged = {
      "X-Auth-Request-User: mallory", "X-Auth-Request-Email: mallory@evil.test",
      "X-Auth-Request-Groups: admin", "X-WEBAUTH-USER: admin",
      "X-Forwarded-User: mallory",    "Remote-User: mallory"};
  std::vector<std::string> withSession = forged;
  withSession.push_back(kCookie);

  auto gated = upstreamHeaders(fetch(harness->https("grafana.edge.test", "/"), withSession));
  BOOST_TEST(gated.value("x-auth-request-user", "") == "0b7e-admin-uuid");
  BOOST_TEST(gated.value("x-auth-request-email", "") == "alice@edge.test");
  BOOST_TEST(gated.value("x-webauth-user", "") == "alice");
  BOOST_TEST(!gated.contains("x-forwarded-user"));
  BOOST_TEST(!gated.contains("remote-user"));

  for (std::string host : {"open.edge.test", "auth.edge.test"}) {
    Response response = fetch(
        harness->https(host, host == "auth.edge.test" ? "/realms/cairn/account" : "/"), forged);
    BOOST_REQUIRE_EQUAL(response.status, 200);
    auto open = upstreamHeaders(response);
    for (const char* name : {"x-auth-request-user", "x-auth-request-email", "x-auth-request-groups",
                             "x-webauth-user", "x-forwarded-user", "remote-user"}) {
      BOOST_TEST(!open.contains(name), host << " passed " << name);
    }
  }
}

BOOST_AUTO_TEST_CASE(auth_none_routes_pass_without_a_session_to_the_upstream_path) {
  Response response = fetch(harness->https("open.edge.test", "/hook?x=1"));
  BOOST_REQUIRE_EQUAL(response.status, 200);
  BOOST_TEST(nlohmann::json::parse(response.body).value("path", "") == "/open/hook?x=1");
}

BOOST_AUTO_TEST_CASE(a_route_with_roles_rejects_a_user_without_the_group) {
  BOOST_TEST(fetch(harness->https("ops.edge.test", "/"),
                   {std::string("Cookie: ") + EdgeHarness::kViewerCookie})
                 .status == 403);
  BOOST_TEST(fetch(harness->https("ops.edge.test", "/"), {kCookie}).status == 200);
  // The same viewer passes where no role is required.
  BOOST_TEST(fetch(harness->https("localhost", "/"),
                   {std::string("Cookie: ") + EdgeHarness::kViewerCookie})
                 .status == 200);
}

BOOST_AUTO_TEST_CASE(the_status_page_is_served_behind_the_gate) {
  BOOST_TEST(fetch(harness->https("edge.test", "/")).status == 302);
  Response page = fetch(harness->https("edge.test", "/"), {kCookie});
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.body.find("grafana.edge.test") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(http_redirects_to_https_but_serves_acme_challenges) {
  Response redirect = fetch(harness->http("grafana.edge.test", "/d/x?y=1"));
  BOOST_TEST(redirect.status == 301);
  BOOST_TEST(redirect.header("location") == harness->https("grafana.edge.test", "/d/x?y=1"));

  cairn::testing::writeFile(
      harness->root() + "/var/lib/cairn/acme/.well-known/acme-challenge/token-123",
      "token-123.key");
  Response challenge =
      fetch(harness->http("grafana.edge.test", "/.well-known/acme-challenge/token-123"));
  BOOST_TEST(challenge.status == 200);
  BOOST_TEST(challenge.body == "token-123.key");
  BOOST_TEST(
      fetch(harness->http("grafana.edge.test", "/.well-known/acme-challenge/missing")).status ==
      404);
}

BOOST_AUTO_TEST_CASE(the_login_rate_limit_answers_429) {
  std::vector<std::string> argv = {
      "curl",      "-sk",
      "-o",        "/dev/null",
      "-w",        "%{http_code}\n",
      "--resolve", "auth.edge.test:" + std::to_string(harness->options().httpsPort) + ":127.0.0.1"};
  for (int i = 0; i < 40; ++i)
    argv.push_back(harness->https("auth.edge.test", "/realms/cairn/protocol/openid-connect/token"));
  cairn::host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(60));
  BOOST_REQUIRE(result);
  const std::string& codes = result.value().output;
  BOOST_TEST(codes.find("200") != std::string::npos);
  BOOST_TEST(codes.find("429") != std::string::npos, codes);
}

BOOST_AUTO_TEST_CASE(security_headers_are_present_on_pages_and_redirects) {
  Response grafana = fetch(harness->https("grafana.edge.test", "/"), {kCookie});
  BOOST_TEST(grafana.header("strict-transport-security") == "max-age=31536000; includeSubDomains");
  BOOST_TEST(grafana.header("x-content-type-options") == "nosniff");
  BOOST_TEST(grafana.header("x-frame-options") == "SAMEORIGIN");
  BOOST_TEST(grafana.header("content-security-policy").find("wss://grafana.edge.test") !=
             std::string::npos);
  BOOST_TEST(grafana.header("server") == "nginx");

  Response signIn = fetch(harness->https("grafana.edge.test", "/"));
  BOOST_TEST(signIn.status == 302);
  BOOST_TEST(signIn.header("strict-transport-security") != "");

  Response airflow = fetch(harness->https("airflow.edge.test", "/"), {kCookie});
  BOOST_TEST(airflow.header("content-security-policy-report-only") != "");
  Response keycloak = fetch(harness->https("auth.edge.test", "/realms/cairn/account"));
  BOOST_TEST(keycloak.header("strict-transport-security") != "");
  BOOST_TEST(keycloak.header("content-security-policy") == "");
}

BOOST_AUTO_TEST_CASE(unknown_host_names_get_no_tls_handshake) {
  BOOST_CHECK_THROW(fetch(harness->https("unknown.edge.test", "/")), std::runtime_error);
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

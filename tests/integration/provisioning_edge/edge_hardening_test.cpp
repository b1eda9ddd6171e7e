#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <nlohmann/json.hpp>

#include "appliance/host/process_runner.hpp"
#include "provisioning/edge/edge_paths.hpp"
#include "provisioning/edge/nginx.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"

// The edge as an attacker tries it: real nginx with the rendered configuration in front of the
// echo upstream and the real gate (oauth2-proxy and Keycloak); every configuration goes through the apply
// transaction. The second suite runs the edge in a network namespace of its own, so that a client
// can come from an address that is not the host's.

using cairn::testing::Client;
using cairn::testing::EdgeHarness;
using cairn::testing::fetchFrom;
using cairn::testing::Response;
namespace apply = cairn::apply;

namespace {

nlohmann::json upstreamHeaders(const Response& response) {
  return nlohmann::json::parse(response.body).at("headers");
}

std::unique_ptr<EdgeHarness> edge;

void applyOrThrow(EdgeHarness& harness, const std::string& extraRoutes) {
  auto report = harness.apply(harness.testSpec(extraRoutes));
  if (report.status != apply::ApplyStatus::kApplied)
    throw std::runtime_error("the apply failed: " + report.message);
}

// Routes besides the harness's three: one that lets a portal frame it, one with websockets.
const char* kExtraRoutes =
    R"(, {"host": "embed.example.com", "upstream": "http://UPSTREAM/", "frame_ancestors": ["https://portal.example.com"]},
       {"host": "ws.example.com", "upstream": "http://UPSTREAM/", "websockets": true})";

struct LoopbackEdge {
  LoopbackEdge() {
    edge = std::make_unique<EdgeHarness>();
    applyOrThrow(*edge, kExtraRoutes);
  }
  ~LoopbackEdge() { edge.reset(); }
};

Response get(const std::string& host, const std::string& path,
             const std::vector<std::string>& headers = {}) {
  return fetchFrom(edge->local(), edge->https(host, path), headers);
}

std::string adminCookie() { return "Cookie: " + edge->sessionCookie("alice"); }
std::string viewerCookie() { return "Cookie: " + edge->sessionCookie("victor"); }

// `count` requests in one curl; the status codes, one a line.
std::string statusCodes(const Client& client, const std::string& url, int count) {
  std::string rest = url.substr(url.find("://") + 3);
  std::vector<std::string> argv = client.prefix;
  argv.insert(argv.end(), {"curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}\n", "--resolve",
                           rest.substr(0, rest.find('/')) + ":" + client.address});
  for (int i = 0; i < count; ++i) argv.push_back(url);
  cairn::host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(60));
  BOOST_REQUIRE(result);
  return result.value().output;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(loopback_edge, *boost::unit_test::fixture<LoopbackEdge>())

BOOST_AUTO_TEST_CASE(the_gates_cookies_reach_the_gate_but_never_an_upstream) {
  const std::string cookies = "Cookie: theme=dark; " + edge->sessionCookie("alice") +
                              "; __Secure-cairn_auth_0=part; __Secure-cairn_auth_1a2b_csrf=state; lang=en";
  struct Page {
    const char* host;
    const char* path;
  };
  for (Page page : {Page{"localhost", "/"}, Page{"open.example.com", "/"},
                    Page{"ops.example.com", "/"}, Page{"grafana.example.com", "/d/x"},
                    Page{"grafana.example.com", "/api/live/ws"}, Page{"airflow.example.com", "/home"},
                    Page{"auth.example.com", "/realms/cairn/account"}, Page{"ws.example.com", "/"}}) {
    BOOST_TEST_CONTEXT(page.host << page.path) {
      Response response = get(page.host, page.path, {cookies});
      // 200 on the gated hosts: the gate itself got the session cookie.
      BOOST_REQUIRE_EQUAL(response.status, 200);
      BOOST_TEST(upstreamHeaders(response).value("cookie", "") == "theme=dark; lang=en");
    }
  }
  // More of the gate's cookies than the edge takes out one by one: then no cookie at all.
  Response many = get("open.example.com", "/",
                      {"Cookie: a=1; __Secure-cairn_auth_0=x; __Secure-cairn_auth_1=x; "
                       "__Secure-cairn_auth_2=x; __Secure-cairn_auth_3=x; __Secure-cairn_auth=x"});
  BOOST_REQUIRE_EQUAL(many.status, 200);
  BOOST_TEST(!upstreamHeaders(many).contains("cookie"));
  // Cookies with a name that only starts like the gate's are the app's.
  Response alike = get("open.example.com", "/", {"Cookie: __Secure-cairn_authority=1"});
  BOOST_TEST(upstreamHeaders(alike).value("cookie", "") == "__Secure-cairn_authority=1");
}

BOOST_AUTO_TEST_CASE(a_refreshed_session_reaches_the_browser_whole) {
  // Older than the gate's refresh interval: the next request refreshes it at Keycloak.
  std::this_thread::sleep_for(std::chrono::seconds(cairn::testing::SharedGate::kRefreshSeconds + 1));
  Response response = get("localhost", "/x", {adminCookie()});
  BOOST_REQUIRE_EQUAL(response.status, 200);
  std::string refreshed = response.header("set-cookie");
  std::string name = std::string(cairn::edge::gateCookieName()) + "=";
  BOOST_TEST_REQUIRE(refreshed.rfind(name, 0) == 0u, refreshed);
  BOOST_TEST(refreshed.find("; HttpOnly; Secure; SameSite=Lax") != std::string::npos, refreshed);
  BOOST_TEST(!upstreamHeaders(response).contains("cookie"));
  // The one cookie the browser got is the whole session: alone, it passes the gate.
  std::string session = refreshed.substr(0, refreshed.find(';'));
  Response next = get("localhost", "/y", {"Cookie: " + session});
  BOOST_TEST(next.status == 200);
  BOOST_TEST(upstreamHeaders(next).value("x-auth-request-preferred-username", "") == "alice");
}

BOOST_AUTO_TEST_CASE(route_responses_carry_frame_protection_unless_the_route_opts_out) {
  Response ok = get("localhost", "/", {adminCookie()});
  Response signIn = get("localhost", "/a?b=1");
  Response refused = get("ops.example.com", "/", {viewerCookie()});
  Response open = get("open.example.com", "/");
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(signIn.status == 302);
  BOOST_TEST(signIn.header("location").find("auth.example.com") != std::string::npos);
  BOOST_TEST(refused.status == 403);
  BOOST_TEST(open.status == 200);
  for (const Response* response : {&ok, &signIn, &refused, &open}) {
    BOOST_TEST_CONTEXT(response->status) {
      BOOST_TEST(response->header("x-frame-options") == "SAMEORIGIN");
      BOOST_TEST(response->header("content-security-policy") == "frame-ancestors 'self'");
    }
  }
  Response embedded = get("embed.example.com", "/", {adminCookie()});
  BOOST_TEST(embedded.status == 200);
  BOOST_TEST(embedded.header("content-security-policy") == "frame-ancestors https://portal.example.com");
  BOOST_TEST(embedded.header("x-frame-options") == "");
}

BOOST_AUTO_TEST_CASE(auth_subrequest_locations_are_internal_on_every_host) {
  for (const char* host : {"example.com", "grafana.example.com", "airflow.example.com", "localhost",
                           "ops.example.com"}) {
    for (const char* path : {"/oauth2/auth", "/oauth2/auth?allowed_groups=admin",
                             "/oauth2/auth-admin", "/oauth2/auth-admin-operator", "/oauth2/auth/",
                             "//oauth2/auth", "/oauth2/%61uth", "/oauth2/auth%2Dadmin"}) {
      BOOST_TEST_CONTEXT(host << path) {
        Response response = get(host, path, {adminCookie()});
        BOOST_TEST(response.status == 404);
        BOOST_TEST(response.header("x-auth-request-user") == "");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(forwarding_headers_come_from_nginx_never_from_the_client) {
  std::vector<std::string> forged = {
      "X-Forwarded-For: 203.0.113.6",  "X-Forwarded-Host: evil.test",
      "X-Forwarded-Proto: http",       "X-Forwarded-Port: 1",
      "X-Forwarded-Prefix: /evil",     "X-Forwarded-Uri: /evil",
      "X-Forwarded-Server: evil.test", "X-Forwarded-Method: DELETE",
      "Forwarded: for=203.0.113.6;host=evil.test;proto=http",
      "X-Original-URI: /evil",         "X-Original-URL: /evil",
      "X-Rewrite-URL: /evil",          "X-Real-IP: 203.0.113.6",
      "X-Host: evil.test",             adminCookie()};
  std::string port = std::to_string(edge->options().httpsPort);
  struct Page {
    const char* host;
    const char* path;
  };
  for (Page page : {Page{"localhost", "/"}, Page{"open.example.com", "/"},
                    Page{"grafana.example.com", "/api/live/ws"}, Page{"airflow.example.com", "/"},
                    Page{"auth.example.com", "/realms/cairn/account"}}) {
    BOOST_TEST_CONTEXT(page.host << page.path) {
      Response response = get(page.host, page.path, forged);
      BOOST_REQUIRE_EQUAL(response.status, 200);
      auto headers = upstreamHeaders(response);
      BOOST_TEST(headers.value("x-forwarded-for", "") == "127.0.0.1");
      BOOST_TEST(headers.value("x-real-ip", "") == "127.0.0.1");
      BOOST_TEST(headers.value("x-forwarded-host", "") == page.host);
      BOOST_TEST(headers.value("x-forwarded-proto", "") == "https");
      BOOST_TEST(headers.value("x-forwarded-port", "") == port);
      for (const char* name : {"x-forwarded-prefix", "x-forwarded-uri", "x-forwarded-server",
                               "x-forwarded-method", "forwarded", "x-original-uri",
                               "x-original-url", "x-rewrite-url", "x-host"}) {
        BOOST_TEST(!headers.contains(name), name << " = " << headers.value(name, ""));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(upgrade_is_forwarded_only_where_a_site_needs_websockets) {
  // A websocket handshake is HTTP/1.1 (HTTP/2 has no Upgrade, and curl would drop it).
  Client http1 = edge->local();
  http1.curlOptions = {"--http1.1"};
  auto get = [&http1](const std::string& host, const std::string& path,
                      const std::vector<std::string>& headers) {
    return fetchFrom(http1, edge->https(host, path), headers);
  };
  std::vector<std::string> upgrade = {"Upgrade: websocket", "Connection: Upgrade", adminCookie()};
  for (const char* host : {"localhost", "open.example.com", "airflow.example.com"}) {
    auto headers = upstreamHeaders(get(host, "/socket", upgrade));
    BOOST_TEST(!headers.contains("upgrade"), host);
    BOOST_TEST(headers.value("connection", "") != "upgrade", host);
  }
  for (auto [host, path] : {std::pair{"grafana.example.com", "/api/live/ws"},
                            std::pair{"ws.example.com", "/socket"}}) {
    auto headers = upstreamHeaders(get(host, path, upgrade));
    BOOST_TEST(headers.value("upgrade", "") == "websocket", host);
    BOOST_TEST(headers.value("connection", "") == "upgrade", host);
  }
}

BOOST_AUTO_TEST_CASE(reaching_the_sign_in_through_a_gated_page_is_rate_limited) {
  std::string codes = statusCodes(edge->local(), edge->https("localhost", "/page"), 100);
  BOOST_TEST(codes.find("302") != std::string::npos, codes);
  BOOST_TEST(codes.find("429") != std::string::npos, codes);
}

// curl's exit status for one request to nginx on loopback: 0 when an answer came, 52 ("empty
// reply from server") when nginx closed the connection without one (its 444).
static int curlExitStatus(const cairn::testing::Client& client, const std::string& url, const std::string& header) {
  std::string hostPort = url.substr(url.find("://") + 3);
  hostPort = hostPort.substr(0, hostPort.find('/'));
  std::vector<std::string> argv = client.prefix;
  argv.insert(argv.end(), {"curl", "-sk", "--http1.1", "-o", "/dev/null", "--max-time", "10", "--resolve",
                           hostPort + ":" + client.address, "-H", header, url});
  cairn::host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(15));
  BOOST_REQUIRE(result.ok());
  return result.value().exitCode;
}

BOOST_AUTO_TEST_CASE(a_known_certificate_name_with_an_unknown_host_gets_no_page) {
  BOOST_TEST(get("grafana.example.com", "/", {adminCookie()}).status == 200);
  BOOST_TEST(curlExitStatus(edge->local(), edge->https("grafana.example.com", "/"), "Host: unknown.example.com") == 52);
  BOOST_TEST(curlExitStatus(edge->local(), edge->http("grafana.example.com", "/"), "Host: unknown.example.com") == 52);
  // The same request with the known Host does get an answer.
  BOOST_TEST(curlExitStatus(edge->local(), edge->https("grafana.example.com", "/"), "Host: grafana.example.com") == 0);
  BOOST_TEST(fetchFrom(edge->local(), edge->http("grafana.example.com", "/")).status == 301);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// A /30 inside Docker's default address pools (172.16.0.0/12): once exempt, now not.
struct NamespacedEdge {
  NamespacedEdge() {
    edge = std::make_unique<EdgeHarness>(EdgeHarness::Namespaces{"172.31.213.1", "172.31.213.2"});
    applyOrThrow(*edge, "");
  }
  ~NamespacedEdge() { edge.reset(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(namespaced_edge, *boost::unit_test::fixture<NamespacedEdge>())

BOOST_AUTO_TEST_CASE(the_probe_answers_loopback_only) {
  std::string generation = edge->servedGeneration("grafana.example.com");
  BOOST_TEST_REQUIRE(generation.size() == 16u);
  for (const std::string& url : {edge->https("grafana.example.com", cairn::edge::kProbePath),
                                edge->https("auth.example.com", cairn::edge::kProbePath),
                                edge->http("example.com", cairn::edge::kProbePath)}) {
    BOOST_TEST_CONTEXT(url) {
      Response inside = fetchFrom(edge->local(), url);
      BOOST_TEST(inside.status == 200);
      BOOST_TEST(inside.body == generation + "\n");
      Response outside = fetchFrom(edge->remote(), url);
      BOOST_TEST(outside.status == 403);
      BOOST_TEST(outside.body.find(generation) == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(only_the_host_itself_is_exempt_from_the_login_rate_limit) {
  std::string url = edge->https("auth.example.com", "/realms/cairn/protocol/openid-connect/token");
  std::string outside = statusCodes(edge->remote(), url, 40);
  BOOST_TEST(outside.find("200") != std::string::npos, outside);
  BOOST_TEST(outside.find("429") != std::string::npos, outside);
  std::string inside = statusCodes(edge->local(), url, 40);
  BOOST_TEST(inside.find("429") == std::string::npos, inside);
}

BOOST_AUTO_TEST_SUITE_END()

#include "provisioning/edge/nginx.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "appliance/spec/load.hpp"
#include "provisioning/edge/edge_paths.hpp"

using namespace cairn;

namespace {

spec::Spec specWith(const std::string& extra) {
  return spec::loadSpec("{\"version\": 1, \"domain\": \"example.com\"" + extra + "}");
}

const std::string& fileContent(const edge::NginxConfig& config, const std::string& path) {
  for (const auto& file : config.files) {
    if (file.path == path) return file.content;
  }
  BOOST_FAIL("no file " + path);
  static std::string none;
  return none;
}

// The server of `host`: its own file, or its part of routes.conf.
std::string site(const edge::NginxConfig& config, const std::string& host) {
  for (const auto& file : config.files) {
    if (file.path == std::string(edge::kNginxDir) + "/sites/" + host + ".conf") return file.content;
  }
  const std::string& routes =
      fileContent(config, std::string(edge::kNginxDir) + "/sites/routes.conf");
  std::size_t name = routes.find("server_name " + host + ";");
  BOOST_REQUIRE(name != std::string::npos);
  std::size_t start = routes.rfind("server {", name);
  return routes.substr(start, routes.find("\n}\n", name) + 3 - start);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_CASE(auth_location_names_the_sorted_distinct_roles) {
  using spec::Role;
  BOOST_TEST(edge::authLocation({}) == "/oauth2/auth");
  BOOST_TEST(edge::authLocation({Role::kOperator, Role::kAdmin, Role::kOperator}) ==
             "/oauth2/auth-admin-operator");
}

BOOST_AUTO_TEST_CASE(sites_follow_the_enabled_services_and_the_routes) {
  auto spec = specWith(R"(, "services": {"airflow": {"enabled": false}},
      "routes": [{"host": "x.example.com", "upstream": "http://127.0.0.1:1/a", "auth": "none"}])");
  auto sites = edge::sitesOf(spec);
  BOOST_REQUIRE_EQUAL(sites.size(), 4u);
  BOOST_TEST(sites[0].host == "example.com");
  BOOST_TEST(sites[1].host == "auth.example.com");
  BOOST_TEST(!sites[1].gated);
  BOOST_TEST(sites[2].host == "grafana.example.com");
  BOOST_TEST(sites[3].host == "x.example.com");
  BOOST_TEST(!sites[3].gated);
  BOOST_TEST(sites[3].proxyPass == "http://127.0.0.1:1/a/");
}

BOOST_AUTO_TEST_CASE(every_proxied_location_overwrites_every_identity_header) {
  auto spec = specWith(
      R"(, "routes": [{"host": "x.example.com", "upstream": "http://127.0.0.1:1", "auth": "none"}])");
  auto config = edge::renderNginx(spec, {});
  for (const auto& host : config.hosts) {
    std::string text = site(config, host);
    std::size_t locations = count(text, "proxy_pass ");
    for (const auto& header : edge::identityHeaders()) {
      BOOST_TEST(count(text, "proxy_set_header " + header + " ") == locations,
                 host << " " << header);
    }
  }
}

BOOST_AUTO_TEST_CASE(open_routes_strip_identity_and_gated_routes_fill_it) {
  auto spec = specWith(
      R"(, "routes": [{"host": "open.example.com", "upstream": "http://127.0.0.1:1", "auth": "none"},
                                       {"host": "shut.example.com", "upstream": "http://127.0.0.1:2"}])");
  auto config = edge::renderNginx(spec, {});
  std::string open = site(config, "open.example.com");
  BOOST_TEST(open.find("auth_request") == std::string::npos);
  BOOST_TEST(open.find("proxy_set_header X-Auth-Request-User \"\";") != std::string::npos);
  std::string shut = site(config, "shut.example.com");
  BOOST_TEST(shut.find("auth_request /oauth2/auth;") != std::string::npos);
  BOOST_TEST(shut.find("error_page 401 = @oauth2_signin;") != std::string::npos);
  BOOST_TEST(shut.find("proxy_set_header X-Auth-Request-User $cairn_auth_user;") !=
             std::string::npos);
  // The page to return to travels in a header, where no "&" of its query can cut it short.
  BOOST_TEST(shut.find("rd=") == std::string::npos);
  BOOST_TEST(shut.find("rewrite ^ /oauth2/sign_in? break;") != std::string::npos);
  BOOST_TEST(
      shut.find("proxy_set_header X-Auth-Request-Redirect $scheme://$http_host$request_uri;") !=
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(roles_become_allowed_groups_on_the_auth_request) {
  auto spec = specWith(
      R"(, "routes": [{"host": "ops.example.com", "upstream": "http://127.0.0.1:1", "roles": ["operator", "admin"]}])");
  std::string text = site(edge::renderNginx(spec, {}), "ops.example.com");
  BOOST_TEST(text.find("auth_request /oauth2/auth-admin-operator;") != std::string::npos);
  BOOST_TEST(text.find("location = /oauth2/auth-admin-operator {") != std::string::npos);
  BOOST_TEST(
      text.find(
          "proxy_pass http://cairn_oauth2_proxy/oauth2/auth?allowed_groups=admin,operator;") !=
      std::string::npos);
}

BOOST_AUTO_TEST_CASE(grafana_gets_the_auth_proxy_user_header) {
  std::string text = site(edge::renderNginx(specWith(""), {}), "grafana.example.com");
  BOOST_TEST(text.find("proxy_set_header X-WEBAUTH-USER $cairn_auth_preferred_username;") !=
             std::string::npos);
  BOOST_TEST(text.find("location /api/live/ {") != std::string::npos);
  BOOST_TEST(text.find("wss://grafana.example.com") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(keycloak_login_endpoints_have_the_strict_rate_limit_and_admin_stays_inside) {
  std::string text = site(edge::renderNginx(specWith(""), {}), "auth.example.com");
  BOOST_TEST(text.find("limit_req zone=cairn_login burst=10 nodelay;") != std::string::npos);
  BOOST_TEST(text.find("location /admin") == std::string::npos);
  BOOST_TEST(text.find("auth_request") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(options_set_listen_address_ports_and_upstreams) {
  edge::EdgeOptions options;
  options.listenAddress = "127.0.0.1";
  options.httpPort = 18080;
  options.httpsPort = 18443;
  options.upstreams.grafana = "127.0.0.1:13000";
  auto config = edge::renderNginx(specWith(""), options);
  std::string http = fileContent(config, std::string(edge::kNginxDir) + "/sites/00-http.conf");
  BOOST_TEST(http.find("listen 127.0.0.1:18080;") != std::string::npos);
  BOOST_TEST(http.find("return 301 https://$host:18443$request_uri;") != std::string::npos);
  BOOST_TEST(site(config, "example.com").find("listen 127.0.0.1:18443 ssl http2;") !=
             std::string::npos);
  BOOST_TEST(fileContent(config, std::string(edge::kNginxDir) + "/http.conf")
                 .find("server 127.0.0.1:13000;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_address_means_ipv4_and_ipv6_only_when_the_host_has_ipv6) {
  edge::EdgeOptions withIpv6;
  edge::EdgeOptions withoutIpv6;
  withoutIpv6.ipv6 = false;
  auto both = edge::renderNginx(specWith(""), withIpv6);
  auto v4 = edge::renderNginx(specWith(""), withoutIpv6);
  const std::string plain = std::string(edge::kNginxDir) + "/sites/00-http.conf";
  const std::string fallback = std::string(edge::kNginxDir) + "/sites/00-default.conf";

  BOOST_TEST(fileContent(both, plain).find("    listen 80;\n    listen [::]:80;\n") !=
             std::string::npos);
  BOOST_TEST(fileContent(both, fallback).find("listen [::]:443 ssl http2 default_server;") !=
             std::string::npos);
  BOOST_TEST(site(both, "example.com")
                 .find("    listen 443 ssl http2;\n    listen [::]:443 ssl "
                       "http2;\n") != std::string::npos);

  BOOST_TEST(fileContent(v4, plain).find("    listen 80;\n") != std::string::npos);
  BOOST_TEST(fileContent(v4, fallback).find("listen 443 ssl http2 default_server;") !=
             std::string::npos);
  BOOST_TEST(site(v4, "example.com").find("listen 443 ssl http2;") != std::string::npos);
  for (const auto& file : v4.files) {
    BOOST_TEST(file.content.find("[::]") == std::string::npos, file.path);
  }
  BOOST_TEST(both.generation != v4.generation);
}

BOOST_AUTO_TEST_CASE(generation_changes_with_the_configuration_and_is_served_by_the_probe) {
  auto a = edge::renderNginx(specWith(""), {});
  auto b = edge::renderNginx(
      specWith(R"(, "routes": [{"host": "x.example.com", "upstream": "http://127.0.0.1:1"}])"), {});
  BOOST_TEST(a.generation != b.generation);
  BOOST_TEST(a.generation == edge::renderNginx(specWith(""), {}).generation);
  BOOST_TEST(fileContent(a, std::string(edge::kNginxDir) + "/snippets/probe.conf")
                 .find("return 200 \"" + a.generation) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(nginx_paths_are_relative_so_the_staged_tree_checks_itself) {
  auto config = edge::renderNginx(specWith(""), {});
  for (const auto& file : config.files) {
    BOOST_TEST(file.content.find("include /") == std::string::npos, file.path);
    BOOST_TEST(file.content.find("ssl_certificate /") == std::string::npos, file.path);
  }
  BOOST_TEST(edge::fromConfigDir("/etc/cairn/rendered/tls/live/fullchain.pem") ==
             "../cairn/rendered/tls/live/fullchain.pem");
  BOOST_TEST(edge::fromPrefix("/var/lib/cairn/acme") == "../../../var/lib/cairn/acme");
}

BOOST_AUTO_TEST_CASE(only_the_host_is_exempt_from_the_rate_limits_and_every_sign_in_is_limited) {
  auto config = edge::renderNginx(specWith(""), {});
  std::string http = fileContent(config, std::string(edge::kNginxDir) + "/http.conf");
  BOOST_TEST(http.find("    127.0.0.0/8 1;\n    ::1/128 1;\n}") != std::string::npos);
  BOOST_TEST(http.find("172.16.0.0/12") == std::string::npos);
  BOOST_TEST(http.find("limit_req_zone $cairn_rate_limit_key zone=cairn_login:10m rate=5r/s;") !=
             std::string::npos);
  for (const auto& host : {"example.com", "grafana.example.com", "airflow.example.com"}) {
    std::string text = site(config, host);
    std::string signIn = text.substr(text.find("location @oauth2_signin {"));
    BOOST_TEST(signIn.find("limit_req zone=cairn_oauth2 ") < signIn.find("}"), host);
  }
}

BOOST_AUTO_TEST_CASE(every_proxied_location_sets_every_forwarding_header) {
  auto spec = specWith(
      R"(, "routes": [{"host": "x.example.com", "upstream": "http://127.0.0.1:1", "auth": "none"},
                      {"host": "y.example.com", "upstream": "http://127.0.0.1:1", "roles": ["admin"]}])");
  auto config = edge::renderNginx(spec, {});
  for (const auto& host : config.hosts) {
    std::string text = site(config, host);
    std::size_t locations = count(text, "proxy_pass ");
    for (const auto& header : edge::forwardingHeaders()) {
      BOOST_TEST(count(text, "proxy_set_header " + header + " ") == locations,
                 host << " " << header);
    }
    BOOST_TEST(count(text, "proxy_set_header X-Forwarded-Prefix \"\";") == locations, host);
  }
}

BOOST_AUTO_TEST_CASE(apps_get_the_cookies_without_the_gates_and_only_the_gate_gets_them_all) {
  auto spec = specWith(
      R"(, "routes": [{"host": "x.example.com", "upstream": "http://127.0.0.1:1", "auth": "none"}])");
  auto config = edge::renderNginx(spec, {});
  for (const auto& host : config.hosts) {
    std::string text = site(config, host);
    std::size_t toGate = count(text, "proxy_pass http://cairn_oauth2_proxy");
    std::size_t toApps = count(text, "proxy_pass ") - toGate;
    BOOST_TEST(count(text, "proxy_set_header Cookie $cairn_upstream_cookie;") == toApps, host);
    BOOST_TEST(count(text, "proxy_set_header Cookie") == toApps, host);
  }
  std::string http = fileContent(config, std::string(edge::kNginxDir) + "/http.conf");
  BOOST_TEST(std::string(edge::gateCookieName()) == "__Secure-cairn_auth");
  BOOST_TEST(http.find("map $cairn_cookie_4 $cairn_upstream_cookie {") != std::string::npos);
  BOOST_TEST(http.find("\"~(?:^|;)\\s*__Secure-cairn_auth(?:_[^=;]*)?=\" \"\";") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_websocket_locations_forward_upgrade) {
  auto spec = specWith(
      R"(, "routes": [{"host": "ws.example.com", "upstream": "http://127.0.0.1:1", "websockets": true},
                      {"host": "plain.example.com", "upstream": "http://127.0.0.1:1"}])");
  auto config = edge::renderNginx(spec, {});
  std::size_t upgrades = 0;
  for (const auto& host : config.hosts) {
    std::string text = site(config, host);
    upgrades += count(text, "proxy_set_header Upgrade $http_upgrade;");
    BOOST_TEST(count(text, "proxy_set_header Upgrade ") == count(text, "proxy_pass "), host);
  }
  std::string grafana = site(config, "grafana.example.com");
  std::string live = grafana.substr(grafana.find("location /api/live/ {"));
  BOOST_TEST(live.find("proxy_set_header Upgrade $http_upgrade;") < live.find("    }\n"));
  BOOST_TEST(count(site(config, "ws.example.com"), "proxy_set_header Upgrade $http_upgrade;") == 1u);
  BOOST_TEST(upgrades == 2u);
}

BOOST_AUTO_TEST_CASE(every_auth_subrequest_location_is_internal_on_every_gated_host) {
  auto spec = specWith(
      R"(, "routes": [{"host": "ops.example.com", "upstream": "http://127.0.0.1:1", "roles": ["admin"]},
                      {"host": "any.example.com", "upstream": "http://127.0.0.1:1"}])");
  auto config = edge::renderNginx(spec, {});
  for (const auto& host : {"example.com", "grafana.example.com", "airflow.example.com",
                           "ops.example.com", "any.example.com"}) {
    std::string text = site(config, host);
    BOOST_TEST(text.find("    location /oauth2/auth {\n        internal;\n    }\n") !=
                   std::string::npos,
               host);
    std::size_t exact = count(text, "location = /oauth2/auth");
    BOOST_TEST(exact == 1u, host);
    std::size_t at = text.find("location = /oauth2/auth");
    BOOST_TEST(text.find("internal;", at) < text.find("}", at), host);
  }
}

BOOST_AUTO_TEST_CASE(routes_carry_frame_protection_unless_the_spec_lets_others_frame_them) {
  auto spec = specWith(R"(, "routes": [
      {"host": "a.example.com", "upstream": "http://127.0.0.1:1"},
      {"host": "b.example.com", "upstream": "http://127.0.0.1:1", "auth": "none", "frame_ancestors": ["'none'"]},
      {"host": "c.example.com", "upstream": "http://127.0.0.1:1", "frame_ancestors": ["'self'", "https://portal.example.com"]},
      {"host": "d.example.com", "upstream": "http://127.0.0.1:1", "frame_ancestors": ["*"]}])");
  auto config = edge::renderNginx(spec, {});
  std::string a = site(config, "a.example.com");
  std::size_t locations = count(a, "location ") - count(a, "internal;");
  BOOST_TEST(count(a, "add_header X-Frame-Options \"SAMEORIGIN\" always;") == locations);
  BOOST_TEST(count(a, "add_header Content-Security-Policy \"frame-ancestors 'self'\" always;") ==
             locations);
  std::string b = site(config, "b.example.com");
  BOOST_TEST(b.find("add_header X-Frame-Options \"DENY\" always;") != std::string::npos);
  BOOST_TEST(b.find("\"frame-ancestors 'none'\"") != std::string::npos);
  std::string c = site(config, "c.example.com");
  BOOST_TEST(c.find("\"frame-ancestors 'self' https://portal.example.com\"") != std::string::npos);
  BOOST_TEST(c.find("X-Frame-Options") == std::string::npos);
  std::string d = site(config, "d.example.com");
  BOOST_TEST(d.find("frame-ancestors") == std::string::npos);
  BOOST_TEST(d.find("X-Frame-Options") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_probe_checks_the_client_before_it_answers) {
  auto config = edge::renderNginx(specWith(""), {});
  std::string probe = fileContent(config, std::string(edge::kNginxDir) + "/snippets/probe.conf");
  std::string own = probe.substr(probe.find("location = /.well-known/cairn-edge {"));
  own = own.substr(0, own.find("}"));
  BOOST_TEST(own.find("allow 127.0.0.0/8;") != std::string::npos);
  BOOST_TEST(own.find("deny all;") != std::string::npos);
  // No rewrite-phase answer in the location itself: it would come before allow/deny.
  BOOST_TEST(own.find("return") == std::string::npos);
  BOOST_TEST(own.find("try_files /generation @cairn_edge_generation;") != std::string::npos);
  BOOST_TEST(probe.find("location @cairn_edge_generation {") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_hosts_get_the_connection_closed_on_80_and_443) {
  auto config = edge::renderNginx(specWith(""), {});
  std::string fallback = fileContent(config, std::string(edge::kNginxDir) + "/sites/00-default.conf");
  BOOST_TEST(fallback.find("listen 80 default_server;") != std::string::npos);
  BOOST_TEST(fallback.find("listen 443 ssl http2 default_server;") != std::string::npos);
  BOOST_TEST(count(fallback, "return 444;") == 2u);
  BOOST_TEST(fallback.find("ssl_reject_handshake on;") != std::string::npos);
}

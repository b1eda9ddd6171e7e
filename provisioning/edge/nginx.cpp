#include "provisioning/edge/nginx.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <utility>

#include "appliance/host/http_client.hpp"
#include "appliance/spec/syntax.hpp"
#include "keycloak/desired_realm.hpp"
#include "provisioning/edge/edge_paths.hpp"

namespace cairn::edge {
namespace {

constexpr const char* kHeader = kRenderedHeader;
constexpr const char* kReload = "nginx";

// Mozilla's "intermediate" list: TLS 1.2 AEAD suites with forward secrecy (TLS 1.3 is implicit).
constexpr const char* kCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

std::string nginxFile(const std::string& relative) {
  return std::string(kNginxDir) + "/" + relative;
}
std::string include(const std::string& relative) {
  return "include " + fromConfigDir(nginxFile(relative)) + ";\n";
}

std::string fnv1a64Hex(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

// Lines written at one indentation level, for readable output.
class Block {
 public:
  explicit Block(int depth) : indent_(static_cast<std::size_t>(depth) * 4, ' ') {}
  Block& line(const std::string& text) {
    text_ += indent_ + text + "\n";
    return *this;
  }
  Block& raw(const std::string& text) {
    std::istringstream lines(text);
    for (std::string l; std::getline(lines, l);) line(l);
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  std::string indent_;
  std::string text_;
};

std::vector<std::string> listenLines(const EdgeOptions& options, int port,
                                     const std::string& flags) {
  std::string suffix = flags.empty() ? "" : " " + flags;
  if (!options.listenAddress.empty()) {
    return {"listen " + options.listenAddress + ":" + std::to_string(port) + suffix + ";"};
  }
  std::vector<std::string> lines = {"listen " + std::to_string(port) + suffix + ";"};
  if (options.ipv6) lines.push_back("listen [::]:" + std::to_string(port) + suffix + ";");
  return lines;
}

std::string httpsBase(const EdgeOptions& options) {
  return options.httpsPort == 443 ? "https://$host"
                                  : "https://$host:" + std::to_string(options.httpsPort);
}

struct HeaderPolicy {
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> hide;  // the upstream's own copy, replaced by ours
};

HeaderPolicy headerPolicy(const Site& site) {
  HeaderPolicy policy;
  policy.add = {{"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
                {"X-Content-Type-Options", "nosniff"},
                {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"}};
  policy.hide = {"X-Content-Type-Options", "Strict-Transport-Security"};
  auto add = [&](const std::string& name, const std::string& value) {
    policy.add.emplace_back(name, value);
    policy.hide.push_back(name);
  };
  switch (site.kind) {
    case SiteKind::kAuth:
      // Keycloak sends its own CSP, X-Frame-Options and Referrer-Policy (browserSecurityHeaders).
      break;
    case SiteKind::kStatus:
      add("Referrer-Policy", "strict-origin-when-cross-origin");
      add("X-Frame-Options", "DENY");
      add("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors "
          "'none'; "
          "base-uri 'none'; form-action 'none'");
      break;
    case SiteKind::kGrafana:
      // Grafana's UI evaluates code and inline styles, and Grafana Live needs its websocket.
      add("Referrer-Policy", "strict-origin-when-cross-origin");
      add("X-Frame-Options", "SAMEORIGIN");
      add("Content-Security-Policy",
          "default-src 'self'; script-src 'self' 'unsafe-eval' 'unsafe-inline'; style-src 'self' "
          "'unsafe-inline'; "
          "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self' wss://" +
              site.host +
              "; worker-src 'self' blob:; frame-ancestors 'self'; object-src 'none'; base-uri "
              "'self'");
      break;
    case SiteKind::kAirflow:
      // Airflow's React UI is young; its policy is reported rather than enforced.
      add("Referrer-Policy", "strict-origin-when-cross-origin");
      add("X-Frame-Options", "SAMEORIGIN");
      add("Content-Security-Policy-Report-Only",
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
          "'unsafe-inline'; "
          "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors "
          "'self'; "
          "object-src 'none'; base-uri 'self'");
      break;
    case SiteKind::kRoute: {
      add("Referrer-Policy", "strict-origin-when-cross-origin");
      // Added next to whatever the app sends, never hiding it: browsers enforce every CSP
      // header, so the app can only narrow who may frame it.
      const std::vector<std::string>& sources = site.frameAncestors;
      if (sources == std::vector<std::string>{"*"}) break;  // the route opted out
      std::string list;
      for (const auto& source : sources) list += (list.empty() ? "" : " ") + source;
      policy.add.emplace_back("Content-Security-Policy", "frame-ancestors " + list);
      // X-Frame-Options, for browsers without CSP, can only say these two.
      if (sources == std::vector<std::string>{"'self'"})
        policy.add.emplace_back("X-Frame-Options", "SAMEORIGIN");
      if (sources == std::vector<std::string>{"'none'"})
        policy.add.emplace_back("X-Frame-Options", "DENY");
      break;
    }
  }
  return policy;
}

void securityHeaders(Block& block, const Site& site, bool proxied) {
  HeaderPolicy policy = headerPolicy(site);
  if (proxied) {
    for (const auto& name : policy.hide) block.line("proxy_hide_header " + name + ";");
  }
  for (const auto& [name, value] : policy.add)
    block.line("add_header " + name + " \"" + value + "\" always;");
}

std::string identityValue(const Site& site, const std::string& header) {
  if (!site.gated) return "\"\"";
  if (header == "X-Auth-Request-User") return "$cairn_auth_user";
  if (header == "X-Auth-Request-Email") return "$cairn_auth_email";
  if (header == "X-Auth-Request-Groups") return "$cairn_auth_groups";
  if (header == "X-Auth-Request-Preferred-Username") return "$cairn_auth_preferred_username";
  if (site.kind == SiteKind::kGrafana) {
    // Grafana's auth proxy mode: [auth.proxy] header_name = X-WEBAUTH-USER, headers = Email:...
    // Role:...
    if (header == "X-WEBAUTH-USER") return "$cairn_auth_preferred_username";
    if (header == "X-WEBAUTH-EMAIL") return "$cairn_auth_email";
    if (header == "X-WEBAUTH-ROLE") return "$cairn_grafana_role";
  }
  return "\"\"";
}

// Who a location proxies to: oauth2-proxy (the gate) needs its cookies and the page asked for;
// an app gets neither the gate's cookies nor anything a client says about forwarding.
enum class Peer { kApp, kGate };

std::string forwardingValue(const std::string& header, const EdgeOptions& options, Peer peer) {
  // nginx is the edge: the client's own X-Forwarded-For is replaced, not appended to.
  if (header == "X-Real-IP" || header == "X-Forwarded-For") return "$remote_addr";
  if (header == "X-Forwarded-Proto") return "https";
  if (header == "X-Forwarded-Host") return "$host";
  if (header == "X-Forwarded-Port") return std::to_string(options.httpsPort);
  if (peer == Peer::kGate) {
    if (header == "X-Forwarded-Uri" || header == "X-Original-URI") return "$request_uri";
    if (header == "X-Forwarded-Method") return "$request_method";
  }
  return "\"\"";
}

void proxyHeaders(Block& block, const Site& site, const EdgeOptions& options, Peer peer,
                  bool websocket = false) {
  block.line("proxy_http_version 1.1;");
  block.line("proxy_set_header Host $host;");
  for (const auto& header : forwardingHeaders())
    block.line("proxy_set_header " + header + " " + forwardingValue(header, options, peer) + ";");
  if (websocket) {
    block.line("proxy_set_header Upgrade $http_upgrade;");
    block.line("proxy_set_header Connection $cairn_connection_upgrade;");
  } else {
    // Keep-alive to the upstream, and no protocol switch the site does not need.
    block.line("proxy_set_header Upgrade \"\";");
    block.line("proxy_set_header Connection \"\";");
  }
  if (peer == Peer::kApp) block.line("proxy_set_header Cookie $cairn_upstream_cookie;");
  for (const auto& header : identityHeaders()) {
    block.line("proxy_set_header " + header + " " + identityValue(site, header) + ";");
  }
}

void gate(Block& block, const Site& site) {
  block.line("auth_request " + authLocation(site.roles) + ";");
  block.line("error_page 401 = @oauth2_signin;");
  block.line("auth_request_set $cairn_auth_user $upstream_http_x_auth_request_user;");
  block.line("auth_request_set $cairn_auth_email $upstream_http_x_auth_request_email;");
  block.line("auth_request_set $cairn_auth_groups $upstream_http_x_auth_request_groups;");
  block.line(
      "auth_request_set $cairn_auth_preferred_username "
      "$upstream_http_x_auth_request_preferred_username;");
  block.line("auth_request_set $cairn_auth_cookie $upstream_http_set_cookie;");
  block.line("add_header Set-Cookie $cairn_auth_cookie;");
}

std::string proxyLocation(const std::string& match, const Site& site, const EdgeOptions& options,
                          const std::vector<std::string>& extra = {}, Peer peer = Peer::kApp,
                          bool websocket = false) {
  Block inner(2);
  if (site.gated) gate(inner, site);
  for (const auto& line : extra) inner.line(line);
  securityHeaders(inner, site, true);
  proxyHeaders(inner, site, options, peer, websocket);
  if (site.proxyPass.rfind("https://", 0) == 0) inner.line("proxy_ssl_server_name on;");
  inner.line("proxy_pass " + site.proxyPass + ";");
  return "    location " + match + " {\n" + inner.text() + "    }\n";
}

std::string authRequestLocation(const std::string& location, const std::vector<spec::Role>& roles,
                                const EdgeOptions& options) {
  std::string target = "http://cairn_oauth2_proxy";
  if (!roles.empty()) {
    std::string groups;
    for (auto role : roles) groups += std::string(groups.empty() ? "" : ",") + spec::roleName(role);
    target += "/oauth2/auth?allowed_groups=" + groups;
  }
  Block inner(2);
  inner.line("internal;");
  inner.line("proxy_pass " + target + ";");
  inner.line("proxy_pass_request_body off;");
  inner.line("proxy_set_header Content-Length \"\";");
  Site askingGate;
  askingGate.gated = false;  // the identity headers go to oauth2-proxy as ""
  proxyHeaders(inner, askingGate, options, Peer::kGate);
  return "    location = " + location + " {\n" + inner.text() + "    }\n";
}

// The oauth2-proxy endpoints every gated host needs: its own pages, the auth subrequests (one per
// distinct set of roles) and the redirect to sign-in that carries the page asked for.
std::string gateLocations(const Site& site, const std::vector<std::vector<spec::Role>>& roleSets,
                          const EdgeOptions& options) {
  std::string text;
  Site oauth2 = site;
  oauth2.gated = false;
  oauth2.proxyPass = "http://cairn_oauth2_proxy";
  text += proxyLocation("/oauth2/", oauth2, options,
                        {"limit_req zone=cairn_oauth2 burst=20 nodelay;"}, Peer::kGate);
  for (const auto& roles : roleSets)
    text += authRequestLocation(authLocation(roles), roles, options);
  // Any other /oauth2/auth... (another host's role set, a trailing slash) never reaches
  // oauth2-proxy from a client either.
  text += "    location /oauth2/auth {\n        internal;\n    }\n";
  // oauth2-proxy answers the sign-in itself (with skip_provider_button, a redirect to Keycloak that
  // carries the page in its state). The page goes in X-Auth-Request-Redirect rather than in an
  // rd= query argument: nginx core cannot URL-encode $request_uri, and oauth2-proxy parses rd as
  // a form value, so "/a?x=1&y=2" would come back as "/a?x=1". $request_uri is still the page
  // asked for here, because error_page redirects internally.
  Block signin(2);
  // Every refused page leads here: the same limit as oauth2-proxy's own pages.
  signin.line("limit_req zone=cairn_oauth2 burst=20 nodelay;");
  securityHeaders(signin, site, true);
  signin.line("rewrite ^ /oauth2/sign_in? break;");
  signin.line("proxy_method GET;");
  signin.line("proxy_pass_request_body off;");
  signin.line("proxy_set_header Content-Length \"\";");
  signin.line("proxy_set_header X-Auth-Request-Redirect $scheme://$http_host$request_uri;");
  proxyHeaders(signin, oauth2, options, Peer::kGate);
  signin.line("proxy_pass http://cairn_oauth2_proxy;");
  text += "    location @oauth2_signin {\n" + signin.text() + "    }\n";
  return text;
}

std::string serverOpen(const std::string& host, const EdgeOptions& options) {
  Block block(1);
  for (const auto& listen : listenLines(options, options.httpsPort, "ssl http2"))
    block.line(listen);
  block.line("server_name " + host + ";");
  block.raw(include("snippets/tls.conf"));
  block.raw(include("snippets/server.conf"));
  return "server {\n" + block.text();
}

std::string statusSite(const Site& site, const spec::Spec& spec, const EdgeOptions& options) {
  (void)spec;
  std::string text = serverOpen(site.host, options);
  text += gateLocations(site, {site.roles}, options);
  Block inner(2);
  gate(inner, site);
  securityHeaders(inner, site, false);
  inner.line("root " + fromPrefix(kStatusPageDir) + ";");
  inner.line("index index.html;");
  inner.line("try_files $uri $uri/ =404;");
  text += "    location / {\n" + inner.text() + "    }\n";
  return text + "}\n";
}

std::string authSite(const Site& site, const spec::Spec& spec, const EdgeOptions& options) {
  std::string text = serverOpen(site.host, options);
  // Only the public parts of Keycloak; /admin, /metrics and /health stay on loopback.
  Block home(2);
  securityHeaders(home, site, false);
  home.line("return 302 /realms/" + spec.sso.realm + "/account/;");
  text += "    location = / {\n" + home.text() + "    }\n";
  text += proxyLocation("~ ^/realms/[^/]+/(protocol/openid-connect/(auth|token)|login-actions/)",
                        site, options, {"limit_req zone=cairn_login burst=10 nodelay;"});
  for (const char* prefix : {"/realms/", "/resources/", "/js/"})
    text += proxyLocation(prefix, site, options);
  text += proxyLocation("= /robots.txt", site, options);
  Block rest(2);
  securityHeaders(rest, site, false);
  rest.line("return 404;");
  text += "    location / {\n" + rest.text() + "    }\n";
  return text + "}\n";
}

std::string proxiedSite(const Site& site, const EdgeOptions& options) {
  std::string text = serverOpen(site.host, options);
  if (site.gated) text += gateLocations(site, {site.roles}, options);
  if (site.kind == SiteKind::kGrafana) {
    text += proxyLocation("/api/live/", site, options,
                          {"proxy_read_timeout 3600s;", "proxy_send_timeout 3600s;"}, Peer::kApp,
                          true);
  }
  if (site.kind == SiteKind::kAirflow) {
    // Airflow's sign-out clears its own cookies and sends the browser to its login, which the
    // gate's session and Keycloak's would answer at once: it goes on to the gate's sign-out
    // instead, which ends both (oauth2-proxy's backend logout ends the Keycloak session).
    std::string root = "https://" + site.host + "/";
    text += proxyLocation("= /auth/logout", site, options,
                          {"proxy_redirect " + root + "auth/login/ " + root +
                           "oauth2/sign_out?rd=" + host::urlEncode(root) + ";"});
  }
  text += proxyLocation("/", site, options, {}, Peer::kApp, site.websockets);
  return text + "}\n";
}

std::string siteFile(const Site& site, const spec::Spec& spec, const EdgeOptions& options) {
  std::string body;
  switch (site.kind) {
    case SiteKind::kStatus:
      body = statusSite(site, spec, options);
      break;
    case SiteKind::kAuth:
      body = authSite(site, spec, options);
      break;
    default:
      body = proxiedSite(site, options);
      break;
  }
  return std::string(kHeader) + body;
}

std::string plainHttpSite(const std::vector<std::string>& hosts, const EdgeOptions& options) {
  Block block(1);
  for (const auto& listen : listenLines(options, options.httpPort, "")) block.line(listen);
  std::string names = "server_name";
  for (const auto& host : hosts) names += " " + host;
  block.line(names + ";");
  block.raw(include("snippets/server.conf"));
  block.line("location ^~ /.well-known/acme-challenge/ {");
  block.line("    root " + fromPrefix(kAcmeWebroot) + ";");
  block.line("    default_type text/plain;");
  block.line("    try_files $uri =404;");
  block.line("}");
  block.line("location / {");
  block.line("    return 301 " + httpsBase(options) + "$request_uri;");
  block.line("}");
  return std::string(kHeader) + "server {\n" + block.text() + "}\n";
}

// A Host the appliance does not serve gets no page from anyone (not nginx's welcome page): the
// connection is closed, on 80 as on 443 (where a known name in the TLS handshake can carry any
// Host).
std::string defaultSites(const EdgeOptions& options) {
  auto closingServer = [&](int port, const std::string& listenFlags, const std::string& tls) {
    Block block(1);
    for (const auto& listen : listenLines(options, port, listenFlags)) block.line(listen);
    block.line("server_name _;");
    block.line("server_tokens off;");
    block.line("access_log " + fromPrefix(kAccessLog) + " cairn_json;");
    block.raw(tls);
    block.line("return 444;");
    return "server {\n" + block.text() + "}\n";
  };
  std::string rejectUnknownNames = include("snippets/tls.conf") +
                                   "# Unknown names in the handshake get no certificate.\n"
                                   "ssl_reject_handshake on;\n";
  return std::string(kHeader) + closingServer(options.httpPort, "default_server", "") +
         closingServer(options.httpsPort, "ssl http2 default_server", rejectUnknownNames);
}

std::string tlsSnippet() {
  Block block(0);
  block.line("ssl_certificate " + fromConfigDir(kLiveCertificate) + ";");
  block.line("ssl_certificate_key " + fromConfigDir(kLiveKey) + ";");
  block.line("ssl_protocols TLSv1.2 TLSv1.3;");
  block.line(std::string("ssl_ciphers ") + kCiphers + ";");
  block.line("ssl_prefer_server_ciphers off;");
  block.line("ssl_session_cache shared:cairn_tls:10m;");
  block.line("ssl_session_timeout 1d;");
  block.line("ssl_session_tickets off;");
  return std::string(kHeader) + block.text();
}

std::string serverSnippet() {
  Block block(0);
  block.line("server_tokens off;");
  block.line("access_log " + fromPrefix(kAccessLog) + " cairn_json;");
  block.line("client_max_body_size 64m;");
  block.line("client_header_timeout 15s;");
  block.line("client_body_timeout 60s;");
  block.line("send_timeout 60s;");
  block.line("keepalive_timeout 65s;");
  block.line("# OIDC session cookies and identity headers are large.");
  block.line("large_client_header_buffers 4 32k;");
  block.line("proxy_buffer_size 32k;");
  block.line("proxy_buffers 8 32k;");
  block.line("proxy_busy_buffers_size 64k;");
  block.line("proxy_connect_timeout 5s;");
  block.line("proxy_send_timeout 60s;");
  block.line("proxy_read_timeout 60s;");
  block.line("gzip on;");
  block.line("gzip_vary on;");
  block.line("gzip_proxied any;");
  block.line("gzip_comp_level 5;");
  block.line("gzip_min_length 1024;");
  block.line(
      "gzip_types text/plain text/css text/xml application/json application/javascript "
      "application/xml image/svg+xml;");
  block.line("limit_req_status 429;");
  block.raw(include("snippets/probe.conf"));
  return std::string(kHeader) + block.text();
}

// `return` acts in the rewrite phase, before allow/deny (access phase) are looked at, so the
// generation comes from a named location that try_files reaches only after the access check (the
// file it tries is never there).
std::string probeSnippet(const std::string& generation) {
  Block block(0);
  block.line(std::string("location = ") + kProbePath + " {");
  block.line("    allow 127.0.0.0/8;");
  block.line("    allow ::1;");
  block.line("    deny all;");
  block.line("    access_log off;");
  block.line("    root " + fromPrefix(std::string(kNginxDir) + "/no-such-directory") + ";");
  block.line("    try_files /generation @cairn_edge_generation;");
  block.line("}");
  block.line("location @cairn_edge_generation {");
  block.line("    access_log off;");
  block.line("    default_type text/plain;");
  block.line("    return 200 \"" + generation + "\\n\";");
  block.line("}");
  return std::string(kHeader) + block.text();
}

// The Cookie header an app gets: the client's, without the gate's cookies. A map makes one
// replacement, so four in a row take out up to four of them; if any is left after that, no
// cookie at all is sent (the session must never reach an app).
std::string gateCookieMaps() {
  constexpr int kSteps = 4;
  std::string name = std::string(gateCookieName()) + "(?:_[^=;]*)?=[^;]*";
  std::string text =
      "# oauth2-proxy's cookies never reach an upstream other than oauth2-proxy: a route's app\n"
      "# could replay the session of whoever visits it.\n";
  std::string from = "$http_cookie";
  for (int step = 1; step <= kSteps; ++step) {
    std::string to = "$cairn_cookie_" + std::to_string(step);
    text += "map " + from + " " + to + " {\n";
    text += "    \"~^" + name + "(?:;\\s*)?(.*)$\" $1;\n";
    text += "    \"~^(.*?);\\s*" + name + "(.*)$\" $1$2;\n";
    text += "    default " + from + ";\n}\n";
    from = to;
  }
  text += "map " + from + " $cairn_upstream_cookie {\n";
  text += "    \"~(?:^|;)\\s*" + std::string(gateCookieName()) + "(?:_[^=;]*)?=\" \"\";\n";
  text += "    default " + from + ";\n}\n\n";
  return text;
}

std::string upstreamBlock(const std::string& name, const std::string& address) {
  return "upstream " + name + " {\n    server " + address + ";\n    keepalive 32;\n}\n";
}

std::string httpConf(const spec::Spec& spec, const EdgeOptions& options,
                     const std::vector<std::string>& siteFiles) {
  std::string text = kHeader;
  text +=
      "log_format cairn_json escape=json "
      "'{\"time\":\"$time_iso8601\",\"host\":\"$host\",\"remote_addr\":\"$remote_addr\","
      "\"method\":\"$request_method\",\"uri\":\"$request_uri\",\"protocol\":\"$server_protocol\","
      "\"status\":$status,"
      "\"body_bytes_sent\":$body_bytes_sent,\"request_time\":$request_time,\"upstream_status\":\"$"
      "upstream_status\","
      "\"upstream_response_time\":\"$upstream_response_time\",\"user\":\"$cairn_auth_preferred_"
      "username\","
      "\"request_id\":\"$request_id\",\"user_agent\":\"$http_user_agent\",\"referer\":\"$http_"
      "referer\"}';\n\n";
  text +=
      "map $http_upgrade $cairn_connection_upgrade {\n    default upgrade;\n    \"\" \"\";\n}\n\n";
  text += gateCookieMaps();
  text +=
      "# Grafana's organisation role from the groups oauth2-proxy reports.\n"
      "map $cairn_auth_groups $cairn_grafana_role {\n"
      "    \"~(^|,)admin(,|$)\" Admin;\n"
      "    \"~(^|,)operator(,|$)\" Editor;\n"
      "    default Viewer;\n"
      "}\n\n";
  // Only the host itself is exempt (EdgeOptions::rateLimitExempt); an empty key is never limited.
  text += "geo $cairn_rate_limit_exempt {\n    default 0;\n";
  for (const auto& network : options.rateLimitExempt) text += "    " + network + " 1;\n";
  text += "}\n";
  text +=
      "map $cairn_rate_limit_exempt $cairn_rate_limit_key {\n    1 \"\";\n    default "
      "$binary_remote_addr;\n}\n";
  text += "limit_req_zone $cairn_rate_limit_key zone=cairn_login:10m rate=5r/s;\n";
  text += "limit_req_zone $cairn_rate_limit_key zone=cairn_oauth2:10m rate=10r/s;\n\n";
  text += upstreamBlock("cairn_oauth2_proxy", options.upstreams.oauth2Proxy);
  if (spec.enabled("keycloak")) text += upstreamBlock("cairn_keycloak", options.upstreams.keycloak);
  if (spec.enabled("grafana")) text += upstreamBlock("cairn_grafana", options.upstreams.grafana);
  if (spec.enabled("airflow")) text += upstreamBlock("cairn_airflow", options.upstreams.airflow);
  text += "\n";
  for (const auto& file : siteFiles) text += include("sites/" + file);
  return text;
}

std::string htmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string statusPage(const std::vector<Site>& sites) {
  std::string items;
  for (const auto& site : sites) {
    if (site.kind == SiteKind::kStatus) continue;
    std::string host = htmlEscape(site.host);
    items += "<li><a href=\"https://" + host + "/\">" + host + "</a></li>\n";
  }
  return "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>cairn</title>\n"
         "<style>body{font-family:sans-serif;margin:3em;max-width:40em}</style></head>\n<body>\n"
         "<h1>cairn</h1>\n<p>The sites of this appliance:</p>\n<ul>\n" +
         items + "</ul>\n</body>\n</html>\n";
}

std::string routeProxyPass(const std::string& upstream) {
  auto url = spec::parseUpstreamUrl(upstream);
  if (!url) return upstream;  // validateSpec rejected it already; keep the text for the message
  std::string target =
      url->scheme + "://" + url->host + (url->port ? ":" + std::to_string(url->port) : "");
  // "/app" must become "/app/" so that "/x" maps to "/app/x", not "/appx".
  if (!url->path.empty()) target += url->path.back() == '/' ? url->path : url->path + "/";
  return target;
}

}  // namespace

const std::vector<std::string>& forwardingHeaders() {
  static const std::vector<std::string> kHeaders = {
      "X-Real-IP",          "X-Forwarded-For",    "X-Forwarded-Proto",   "X-Forwarded-Host",
      "X-Forwarded-Port",   "X-Forwarded-Prefix", "X-Forwarded-Uri",     "X-Forwarded-Method",
      "X-Forwarded-Server", "X-Forwarded-Ssl",    "X-Forwarded-Scheme",  "X-Forwarded-Path",
      "X-Forwarded-Client-Cert", "Forwarded",     "X-Original-URI",      "X-Original-URL",
      "X-Original-Host",    "X-Rewrite-URL",      "X-Host"};
  return kHeaders;
}

const char* gateCookieName() { return keycloak::kOauth2ProxyCookieName; }

const std::vector<std::string>& identityHeaders() {
  static const std::vector<std::string> kHeaders = {"X-Auth-Request-User",
                                                    "X-Auth-Request-Email",
                                                    "X-Auth-Request-Groups",
                                                    "X-Auth-Request-Preferred-Username",
                                                    "X-Auth-Request-Access-Token",
                                                    "X-Forwarded-User",
                                                    "X-Forwarded-Email",
                                                    "X-Forwarded-Groups",
                                                    "X-Forwarded-Preferred-Username",
                                                    "X-Forwarded-Access-Token",
                                                    "X-WEBAUTH-USER",
                                                    "X-WEBAUTH-EMAIL",
                                                    "X-WEBAUTH-NAME",
                                                    "X-WEBAUTH-ROLE",
                                                    "X-WEBAUTH-GROUPS",
                                                    "Remote-User",
                                                    "X-Remote-User"};
  return kHeaders;
}

std::string authLocation(const std::vector<spec::Role>& roles) {
  std::string location = "/oauth2/auth";
  if (roles.empty()) return location;
  std::vector<std::string> names;
  for (auto role : roles) names.emplace_back(spec::roleName(role));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& name : names) location += "-" + name;
  return location;
}

std::vector<Site> sitesOf(const spec::Spec& spec) {
  std::vector<Site> sites;
  sites.push_back({SiteKind::kStatus, spec.hosts.status, true, {}, ""});
  if (spec.enabled("keycloak"))
    sites.push_back({SiteKind::kAuth, spec.hosts.auth, false, {}, "http://cairn_keycloak"});
  if (spec.enabled("grafana"))
    sites.push_back({SiteKind::kGrafana, spec.hosts.grafana, true, {}, "http://cairn_grafana"});
  if (spec.enabled("airflow"))
    sites.push_back({SiteKind::kAirflow, spec.hosts.airflow, true, {}, "http://cairn_airflow"});
  for (const auto& route : spec.routes) {
    std::vector<spec::Role> roles = route.roles;
    std::sort(roles.begin(), roles.end());
    roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
    sites.push_back({SiteKind::kRoute, route.host, route.auth == spec::RouteAuth::kSso, roles,
                     routeProxyPass(route.upstream), route.frameAncestors, route.websockets});
  }
  return sites;
}

NginxConfig renderNginx(const spec::Spec& spec, const EdgeOptions& options) {
  NginxConfig config;
  std::vector<Site> sites = sitesOf(spec);
  std::vector<std::string> siteFiles = {"00-http.conf", "00-default.conf"};
  auto add = [&](const std::string& path, std::string content) {
    config.files.push_back({path, std::move(content), 0644, "", false, {kReload}});
  };
  for (const auto& site : sites) config.hosts.push_back(site.host);

  add(kNginxIncludeFile,
      std::string(kHeader) +
          "# Paths are relative to /etc/nginx so that a staged copy checks itself.\n" +
          include("http.conf"));
  add(nginxFile("snippets/tls.conf"), tlsSnippet());
  add(nginxFile("snippets/server.conf"), serverSnippet());
  add(nginxFile("sites/00-http.conf"), plainHttpSite(config.hosts, options));
  add(nginxFile("sites/00-default.conf"), defaultSites(options));
  // The appliance's own sites get a file each; the routes share one, because every file costs
  // the apply a durable write (1000 routes: about 18 s as separate files, well under 1 s as one).
  std::string routes;
  for (const auto& site : sites) {
    if (site.kind == SiteKind::kRoute) {
      routes += (routes.empty() ? "" : "\n") + siteFile(site, spec, options);
      continue;
    }
    siteFiles.push_back(site.host + ".conf");
    add(nginxFile("sites/" + site.host + ".conf"), siteFile(site, spec, options));
  }
  if (!routes.empty()) {
    siteFiles.push_back("routes.conf");
    add(nginxFile("sites/routes.conf"), routes);
  }
  add(nginxFile("http.conf"), httpConf(spec, options, siteFiles));
  add(std::string(kStatusPageDir) + "/index.html", statusPage(sites));

  std::string everything;
  for (const auto& file : config.files) everything += file.path + "\n" + file.content;
  config.generation = fnv1a64Hex(everything);
  add(nginxFile("snippets/probe.conf"), probeSnippet(config.generation));
  return config;
}

}  // namespace cairn::edge

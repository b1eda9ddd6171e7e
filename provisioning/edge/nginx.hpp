#pragma once
// Spec → nginx configuration: one server per host behind TLS, the oauth2-proxy gate on every
// protected host, and the port-80 server for ACME challenges and HTTPS redirects. Pure: no I/O,
// no logging; the same spec and options always give the same bytes.

#include <string>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/spec/spec.hpp"
#include "provisioning/edge/edge_options.hpp"

namespace cairn::edge {

enum class SiteKind { kStatus, kAuth, kGrafana, kAirflow, kRoute };

// One public host name and what nginx does with it.
struct Site {
  SiteKind kind = SiteKind::kRoute;
  std::string host;
  bool gated = true;              // behind oauth2-proxy
  std::vector<spec::Role> roles;  // allowed groups on the auth request; empty: any signed-in user
  std::string proxyPass;          // the proxy_pass target; empty for the static status page
  // Routes only: CSP frame-ancestors sources (spec::Route::frameAncestors) and whether the route
  // gets Upgrade/Connection (Grafana's /api/live/ always does).
  std::vector<std::string> frameAncestors{"'self'"};
  bool websockets = false;
};

// The sites of the spec in a stable order: status, auth, grafana, airflow (each only when its
// service is enabled), then the routes as listed.
std::vector<Site> sitesOf(const spec::Spec& spec);

// The internal location that asks oauth2-proxy about a request: "/oauth2/auth" for any signed-in
// user, "/oauth2/auth-admin-operator" when only those groups may pass.
std::string authLocation(const std::vector<spec::Role>& roles);

// The identity headers oauth2-proxy returns and the names apps trust for identity. Every proxied
// location overwrites all of them, so a client can never supply one.
const std::vector<std::string>& identityHeaders();

// The forwarding headers (X-Forwarded-*, X-Real-IP, Forwarded, X-Original-URI, ...) nginx owns:
// every proxied location sets each of them, to its own value or to "" (not sent), so a client's
// copy never reaches an upstream.
const std::vector<std::string>& forwardingHeaders();

// The name of oauth2-proxy's session cookie; it and every cookie named after it (split parts
// "_0", "_1", CSRF cookies "_..._csrf") are taken out of the Cookie header sent to any upstream
// but oauth2-proxy.
const char* gateCookieName();

struct NginxConfig {
  std::vector<bundle::BundleFile> files;  // every file names the reload action "nginx"
  std::string generation;                 // answered at kProbePath once this configuration is live
  std::vector<std::string> hosts;         // every server name, in site order
};

NginxConfig renderNginx(const spec::Spec& spec, const EdgeOptions& options);

}  // namespace cairn::edge

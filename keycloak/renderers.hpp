#pragma once
// Renderers of the single sign-on settings. Pure: Spec (+ Secrets) → text or Bundle.
//
// Files (all under /etc/cairn/rendered/, see docs/architecture.md, Paths):
//   oauth2-proxy/oauth2-proxy.cfg   the gate's settings (no secrets)         0644
//   oauth2-proxy/client-secret      its Keycloak client secret               0600 65532:65532, sensitive
//   oauth2-proxy/cookie-secret      32 bytes for the cookie cipher           0600 65532:65532, sensitive
//   grafana/grafana.ini             Grafana's server and OIDC login settings 0644 (secret via env)
//   airflow/webserver_config.py     Airflow's FAB OAuth login settings       0644 (secret via env)
//   keycloak/realm.json             the desired realm (keycloak/desired_realm.hpp) 0600, sensitive
// The oauth2-proxy secret files belong to the image's user (uid 65532, which has no name on the
// host), so that the container reads them and nobody else does.

#include <string>

#include "appliance/bundle/bundle.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"

namespace cairn::keycloak {

inline constexpr const char* kRenderedDir = "/etc/cairn/rendered";
inline constexpr const char* kRealmFile = "/etc/cairn/rendered/keycloak/realm.json";
// The user and group oauth2-proxy's image runs as.
inline constexpr const char* kOauth2ProxyOwner = "65532:65532";

std::string renderOauth2ProxyConfig(const spec::Spec& spec);
std::string renderGrafanaIni(const spec::Spec& spec);
std::string renderAirflowWebserverConfig(const spec::Spec& spec);
// The 32 characters oauth2-proxy reads as its AES-256 cookie key (the file is used as raw bytes).
std::string cookieSecretFileContent(const secrets::Secrets& secrets);

// Every file above that the enabled services need.
bundle::Bundle renderKeycloak(const spec::Spec& spec, const secrets::Secrets& secrets);

}  // namespace cairn::keycloak

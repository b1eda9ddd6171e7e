#pragma once
// What the Keycloak, oauth2-proxy, Grafana and Airflow containers need from single sign-on, as
// plain values for the service catalog (which owns containers.json). Pure. Values hold secrets:
// they belong only in sensitive files.

#include <map>
#include <string>
#include <vector>

#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"
#include "keycloak/admin_client.hpp"

namespace cairn::keycloak {

using Environment = std::map<std::string, std::string>;

// The `cairn` network's subnet; its gateway is the address oauth2-proxy trusts (renderers.hpp).
inline constexpr const char* kCairnNetworkSubnet = "172.30.0.0/24";

// `start` mode behind nginx, PostgreSQL, hostname, proxy headers, health and metrics on the
// management port, the bootstrap service account.
Environment keycloakEnvironment(const spec::Spec& spec, const secrets::Secrets& secrets);
std::vector<std::string> keycloakCommand();
// Readiness on the management port without curl (the image has none).
std::vector<std::string> keycloakHealthcheck();

std::vector<std::string> oauth2ProxyCommand();

Environment grafanaEnvironment(const secrets::Secrets& secrets);

// For every Airflow container: the FAB auth manager, its config file, the public base URL and the
// Keycloak client secret read by webserver_config.py.
Environment airflowEnvironment(const spec::Spec& spec, const secrets::Secrets& secrets);

}  // namespace cairn::keycloak

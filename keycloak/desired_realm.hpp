#pragma once
// The realm cairn wants in Keycloak, derived from the spec: realm settings, realm roles, the
// groups that carry them, the OIDC clients and the spec's users. Pure.
//
// The desired state is a JSON document in Keycloak's own representation format (the fields of
// RealmRepresentation, RoleRepresentation, GroupRepresentation, ClientRepresentation and
// UserRepresentation that cairn owns). It is rendered to /etc/cairn/rendered/keycloak/realm.json
// (sensitive: it holds the client secrets) and read back by `cairnctl keycloak sync`:
//
//   {"version": 1,
//    "realm":   {RealmRepresentation fields},
//    "roles":   [{"name", "description"}],
//    "groups":  [{"name", "realmRoles": [role names]}],
//    "clients": [{ClientRepresentation fields, "protocolMappers": [...], "defaultClientScopes":
//    [...]}], "users":   [{"username", "email", "firstName", "lastName", "enabled",
//    "emailVerified",
//                 "groups": [group names]}]}

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/spec.hpp"

namespace cairn::keycloak {

// Client ids of the realm's OIDC clients.
inline constexpr const char* kOauth2ProxyClientId = "oauth2-proxy";
inline constexpr const char* kGrafanaClientId = "grafana";
inline constexpr const char* kAirflowClientId = "airflow";

// oauth2-proxy's session cookie; the edge keeps it (and its _0/_1/_csrf relatives) from upstreams.
inline constexpr const char* kOauth2ProxyCookieName = "__Secure-cairn_auth";

// oauth2-proxy's session store: Redis's port published on the host's loopback, database 1
// (Airflow's Celery broker uses 0). The password comes from OAUTH2_PROXY_REDIS_PASSWORD.
inline constexpr const char* kOauth2ProxyRedisUrl = "redis://127.0.0.1:6379/1";

// Lifetimes shared by the realm and oauth2-proxy's cookie. oauth2-proxy refreshes its session
// before Keycloak's access token expires, and its cookie never outlives the SSO session.
inline constexpr std::chrono::seconds kAccessTokenLifespan{300};
inline constexpr std::chrono::seconds kCookieRefresh{240};

// Keycloak as the containers on the `cairn` network reach it (back channel: token, keys,
// userinfo, logout). The browser uses https://<hosts.auth> (front channel).
inline constexpr const char* kInternalKeycloakUrl = "http://keycloak:8080";
inline constexpr const char* kLoopbackKeycloakUrl = "http://127.0.0.1:8180";

// https://<hosts.auth>/realms/<realm>: the issuer in every token.
std::string issuerUrl(const spec::Spec& spec);
// http://keycloak:8080/realms/<realm>
std::string internalRealmUrl(const spec::Spec& spec);
// The realm as host-networked clients (oauth2-proxy, Grafana) reach it: Keycloak's port
// published on 127.0.0.1.
std::string loopbackRealmUrl(const spec::Spec& spec);

// Every host that the nginx gate may protect with oauth2-proxy: the status page, Grafana,
// Airflow and each route with auth "sso", without duplicates, in spec order.
std::vector<std::string> gatedHosts(const spec::Spec& spec);

// The group (and realm role) name of a spec role: "admin", "operator", "viewer".
std::string groupName(spec::Role role);

// The whole desired state. Needs the secrets oauth2_proxy_client_secret, grafana_client_secret
// and airflow_client_secret (throws std::out_of_range if one is missing).
nlohmann::json desiredRealm(const spec::Spec& spec, const secrets::Secrets& secrets);

// Checks the shape of a desired-state document read from disk; every problem, "" when fine.
std::string validateDesiredRealm(const nlohmann::json& desired);

}  // namespace cairn::keycloak

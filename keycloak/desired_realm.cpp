#include "keycloak/desired_realm.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>

namespace cairn::keycloak {

using nlohmann::json;

namespace {

const std::vector<spec::Role>& allRoles() {
  static const std::vector<spec::Role> kRoles = {spec::Role::kAdmin, spec::Role::kOperator,
                                                 spec::Role::kViewer};
  return kRoles;
}

std::string roleDescription(spec::Role role) {
  switch (role) {
    case spec::Role::kAdmin:
      return "cairn administrator: Grafana Admin, Airflow Admin";
    case spec::Role::kOperator:
      return "cairn operator: Grafana Editor, Airflow Op";
    case spec::Role::kViewer:
      return "cairn viewer: Grafana Viewer, Airflow Viewer";
  }
  return "";
}

long long seconds(const spec::Duration& duration) {
  return std::chrono::duration_cast<std::chrono::seconds>(duration.value).count();
}

json realmSettings(const spec::Spec& spec) {
  return {
      {"realm", spec.sso.realm},
      {"enabled", true},
      {"displayName", spec.domain},
      // Containers reach the token endpoint over the private Docker network; every public
      // request arrives through nginx with X-Forwarded-Proto https.
      {"sslRequired", "external"},
      {"registrationAllowed", false},
      {"registrationEmailAsUsername", false},
      {"editUsernameAllowed", false},
      {"rememberMe", false},
      {"verifyEmail", false},
      {"resetPasswordAllowed", false},
      {"loginWithEmailAllowed", true},
      {"duplicateEmailsAllowed", false},
      {"passwordPolicy", "length(12) and notUsername and notEmail and passwordHistory(3)"},
      {"bruteForceProtected", true},
      {"permanentLockout", false},
      {"failureFactor", 5},
      {"waitIncrementSeconds", 60},
      {"maxFailureWaitSeconds", 900},
      {"minimumQuickLoginWaitSeconds", 60},
      {"quickLoginCheckMilliSeconds", 1000},
      {"maxDeltaTimeSeconds", 43200},
      {"accessTokenLifespan", kAccessTokenLifespan.count()},
      {"ssoSessionIdleTimeout", seconds(spec.sso.sessionIdle)},
      {"ssoSessionMaxLifespan", seconds(spec.sso.sessionMax)},
      {"eventsEnabled", true},
      {"eventsExpiration", 604800},
      {"adminEventsEnabled", true},
  };
}

json groupsMapper() {
  return {{"name", "groups"},
          {"protocol", "openid-connect"},
          {"protocolMapper", "oidc-group-membership-mapper"},
          {"config",
           {{"claim.name", "groups"},
            {"full.path", "false"},
            {"id.token.claim", "true"},
            {"access.token.claim", "true"},
            {"userinfo.token.claim", "true"}}}};
}

// Puts the client's own id into `aud`; without it oauth2-proxy rejects tokens whose audience is
// only "account".
json audienceMapper(const std::string& clientId) {
  return {{"name", "audience"},
          {"protocol", "openid-connect"},
          {"protocolMapper", "oidc-audience-mapper"},
          {"config",
           {{"included.client.audience", clientId},
            {"id.token.claim", "true"},
            {"access.token.claim", "true"},
            {"introspection.token.claim", "true"}}}};
}

std::string joinUris(const std::vector<std::string>& uris) {
  std::string joined;
  for (const auto& uri : uris) joined += (joined.empty() ? "" : "##") + uri;
  return joined;
}

// A confidential client for the authorization code flow with PKCE and exact redirect URIs.
json confidentialClient(const std::string& clientId, const std::string& name,
                        const std::string& secret, const std::string& rootUrl,
                        const std::vector<std::string>& redirectUris,
                        const std::vector<std::string>& postLogoutUris) {
  return {
      {"clientId", clientId},
      {"name", name},
      {"protocol", "openid-connect"},
      {"enabled", true},
      {"publicClient", false},
      {"bearerOnly", false},
      {"clientAuthenticatorType", "client-secret"},
      {"secret", secret},
      {"standardFlowEnabled", true},
      {"implicitFlowEnabled", false},
      {"directAccessGrantsEnabled", false},
      {"serviceAccountsEnabled", false},
      {"frontchannelLogout", false},
      {"consentRequired", false},
      {"fullScopeAllowed", true},
      {"rootUrl", rootUrl},
      {"redirectUris", redirectUris},
      {"webOrigins", json::array()},
      {"attributes",
       {{"pkce.code.challenge.method", "S256"},
        {"post.logout.redirect.uris", joinUris(postLogoutUris)}}},
      {"protocolMappers", json::array({audienceMapper(clientId), groupsMapper()})},
      // Since Keycloak 25 `sub` comes from the `basic` scope: a client that lists its default
      // scopes must list it, or its tokens have no subject.
      {"defaultClientScopes", {"basic", "acr", "web-origins", "profile", "roles", "email"}},
  };
}

json oauth2ProxyClient(const spec::Spec& spec, const secrets::Secrets& secrets) {
  std::vector<std::string> redirects, logouts;
  for (const auto& host : gatedHosts(spec)) {
    redirects.push_back("https://" + host + "/oauth2/callback");
    logouts.push_back("https://" + host + "/");
  }
  return confidentialClient(kOauth2ProxyClientId, "cairn sign-in gate (oauth2-proxy)",
                            secrets.get("oauth2_proxy_client_secret"),
                            "https://" + spec.hosts.status, redirects, logouts);
}

json grafanaClient(const spec::Spec& spec, const secrets::Secrets& secrets) {
  std::string root = "https://" + spec.hosts.grafana;
  return confidentialClient(kGrafanaClientId, "Grafana", secrets.get("grafana_client_secret"), root,
                            {root + "/login/generic_oauth"}, {root + "/login"});
}

json airflowClient(const spec::Spec& spec, const secrets::Secrets& secrets) {
  std::string root = "https://" + spec.hosts.airflow;
  return confidentialClient(kAirflowClientId, "Airflow", secrets.get("airflow_client_secret"), root,
                            {root + "/auth/oauth-authorized/keycloak"}, {root + "/"});
}

// Keycloak keeps emails in lower case; asking for another case would be drift on every run.
std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

json desiredUser(const spec::User& user) {
  json groups = json::array();
  for (spec::Role role : user.roles) groups.push_back(groupName(role));
  return {{"username", user.username},
          {"email", lowerCase(user.email)},
          {"firstName", user.firstName},
          {"lastName", user.lastName},
          {"enabled", true},
          {"emailVerified", true},
          {"groups", groups}};
}

void requireArray(const json& desired, const char* key, std::string& problems) {
  if (!desired.contains(key) || !desired[key].is_array())
    problems += std::string("\"") + key + "\" must be an array\n";
}

}  // namespace

std::string issuerUrl(const spec::Spec& spec) {
  return "https://" + spec.hosts.auth + "/realms/" + spec.sso.realm;
}

std::string internalRealmUrl(const spec::Spec& spec) {
  return std::string(kInternalKeycloakUrl) + "/realms/" + spec.sso.realm;
}

std::string loopbackRealmUrl(const spec::Spec& spec) {
  return std::string(kLoopbackKeycloakUrl) + "/realms/" + spec.sso.realm;
}

std::vector<std::string> gatedHosts(const spec::Spec& spec) {
  std::vector<std::string> hosts = {spec.hosts.status};
  if (spec.enabled("grafana")) hosts.push_back(spec.hosts.grafana);
  if (spec.enabled("airflow")) hosts.push_back(spec.hosts.airflow);
  for (const auto& route : spec.routes) {
    if (route.auth == spec::RouteAuth::kSso) hosts.push_back(route.host);
  }
  std::vector<std::string> unique;
  for (const auto& host : hosts) {
    if (!host.empty() && std::find(unique.begin(), unique.end(), host) == unique.end())
      unique.push_back(host);
  }
  return unique;
}

std::string groupName(spec::Role role) { return spec::roleName(role); }

json desiredRealm(const spec::Spec& spec, const secrets::Secrets& secrets) {
  json roles = json::array(), groups = json::array();
  for (spec::Role role : allRoles()) {
    roles.push_back({{"name", spec::roleName(role)}, {"description", roleDescription(role)}});
    groups.push_back({{"name", groupName(role)}, {"realmRoles", {spec::roleName(role)}}});
  }
  json clients = json::array({oauth2ProxyClient(spec, secrets)});
  if (spec.enabled("grafana")) clients.push_back(grafanaClient(spec, secrets));
  if (spec.enabled("airflow")) clients.push_back(airflowClient(spec, secrets));
  json users = json::array();
  for (const auto& user : spec.users) users.push_back(desiredUser(user));
  return {{"version", 1},     {"realm", realmSettings(spec)}, {"roles", roles},
          {"groups", groups}, {"clients", clients},           {"users", users}};
}

std::string validateDesiredRealm(const json& desired) {
  if (!desired.is_object()) return "the desired realm must be a JSON object\n";
  std::string problems;
  if (desired.value("version", 0) != 1) problems += "\"version\" must be 1\n";
  if (!desired.contains("realm") || !desired["realm"].is_object() ||
      !desired["realm"].contains("realm") || !desired["realm"]["realm"].is_string()) {
    problems += "\"realm\" must be an object with a \"realm\" name\n";
  }
  for (const char* key : {"roles", "groups", "clients", "users"})
    requireArray(desired, key, problems);
  if (!problems.empty()) return problems;
  auto requireName = [&](const char* section, const char* field) {
    for (std::size_t i = 0; i < desired[section].size(); ++i) {
      const json& item = desired[section][i];
      if (!item.is_object() || !item.contains(field) || !item[field].is_string() ||
          item[field].get<std::string>().empty()) {
        problems +=
            std::string(section) + "[" + std::to_string(i) + "] needs a \"" + field + "\"\n";
      }
    }
  };
  requireName("roles", "name");
  requireName("groups", "name");
  requireName("clients", "clientId");
  requireName("users", "username");
  return problems;
}

}  // namespace cairn::keycloak

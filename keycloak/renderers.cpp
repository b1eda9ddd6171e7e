#include "keycloak/renderers.hpp"

#include <algorithm>
#include <chrono>

#include "appliance/host/http_client.hpp"
#include "keycloak/desired_realm.hpp"

namespace cairn::keycloak {

namespace {

std::string jsonString(const std::string& text) { return nlohmann::json(text).dump(); }

std::string tomlList(const std::vector<std::string>& items) {
  std::string list = "[";
  for (std::size_t i = 0; i < items.size(); ++i) list += (i ? ", " : "") + jsonString(items[i]);
  return list + "]";
}

bool isUnder(const std::string& host, const std::string& domain) {
  return host == domain || (host.size() > domain.size() &&
                            host.compare(host.size() - domain.size(), domain.size(), domain) == 0 &&
                            host[host.size() - domain.size() - 1] == '.');
}

// Hosts of the appliance that are not below its domain each need their own entry.
std::vector<std::string> hostsOutsideDomain(const spec::Spec& spec) {
  std::vector<std::string> hosts = gatedHosts(spec);
  hosts.push_back(spec.hosts.auth);
  std::vector<std::string> outside;
  for (const auto& host : hosts) {
    if (!isUnder(host, spec.domain) &&
        std::find(outside.begin(), outside.end(), host) == outside.end()) {
      outside.push_back(host);
    }
  }
  return outside;
}

std::string seconds(std::chrono::milliseconds duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(duration).count()) + "s";
}

std::string oidcEndpoint(const std::string& realmUrl, const std::string& name) {
  return realmUrl + "/protocol/openid-connect/" + name;
}

}  // namespace

std::string renderOauth2ProxyConfig(const spec::Spec& spec) {
  std::string issuer = issuerUrl(spec);
  std::string internal = loopbackRealmUrl(spec);
  // oauth2-proxy matches a cookie domain as a suffix of the request host, so the bare domain
  // (the status page) needs its own entry after the one every subdomain shares.
  std::vector<std::string> cookieDomains = {"." + spec.domain, spec.domain};
  std::vector<std::string> whitelist = {spec.domain, "." + spec.domain};
  for (const auto& host : hostsOutsideDomain(spec)) {
    cookieDomains.push_back(host);
    whitelist.push_back(host);
  }
  std::vector<std::string> groups;
  for (spec::Role role : {spec::Role::kAdmin, spec::Role::kOperator, spec::Role::kViewer})
    groups.push_back(groupName(role));

  std::string text;
  text +=
      "# oauth2-proxy settings of cairn, rendered from /etc/cairn/appliance.json by `cairnctl "
      "apply`.\n";
  text += "# Do not edit: the next apply overwrites this file. Needs oauth2-proxy >= 7.15.3.\n\n";
  text += "# Host networking, on loopback only: nginx on this host is its only client.\n";
  text += "http_address = \"127.0.0.1:4180\"\n";
  text += "reverse_proxy = true\n";
  text += "# X-Forwarded-* headers are believed only from nginx on the host: the container's\n";
  text += "# command passes --trusted-proxy-ip=127.0.0.1/32 (a flag, as the 7.15.2 advisory gives it).\n";
  text += "upstreams = [\"static://202\"]\n";
  text += "set_xauthrequest = true\n";
  text += "pass_access_token = false\n";
  text += "skip_provider_button = true\n";
  text += "silence_ping_logging = true\n\n";

  text += "provider = \"keycloak-oidc\"\n";
  text += "provider_display_name = \"cairn\"\n";
  text += "client_id = " + jsonString(kOauth2ProxyClientId) + "\n";
  text += "client_secret_file = \"/etc/oauth2-proxy/client-secret\"\n";
  text += "code_challenge_method = \"S256\"\n";
  text += "scope = \"openid email profile\"\n";
  text += "oidc_issuer_url = " + jsonString(issuer) + "\n";
  text +=
      "# The browser goes to the public login page; tokens and keys come from Keycloak's loopback "
      "port.\n";
  text += "skip_oidc_discovery = true\n";
  text += "login_url = " + jsonString(oidcEndpoint(issuer, "auth")) + "\n";
  text += "redeem_url = " + jsonString(oidcEndpoint(internal, "token")) + "\n";
  text += "oidc_jwks_url = " + jsonString(oidcEndpoint(internal, "certs")) + "\n";
  text += "validate_url = " + jsonString(oidcEndpoint(internal, "userinfo")) + "\n";
  text += "insecure_oidc_allow_unverified_email = false\n";
  text += "email_domains = [\"*\"]\n";
  text += "# Only members of cairn's role groups get past the gate.\n";
  text += "allowed_groups = " + tomlList(groups) + "\n";
  text += "# Signing out also ends the Keycloak session.\n";
  text += "backend_logout_url = " +
          jsonString(oidcEndpoint(internal, "logout") + "?id_token_hint={id_token}") + "\n\n";

  text += "cookie_name = " + jsonString(kOauth2ProxyCookieName) + "\n";
  text += "cookie_secret_file = \"/etc/oauth2-proxy/cookie-secret\"\n";
  text += "cookie_domains = " + tomlList(cookieDomains) + "\n";
  text += "whitelist_domains = " + tomlList(whitelist) + "\n";
  text += "cookie_secure = true\n";
  text += "cookie_httponly = true\n";
  text += "cookie_samesite = \"lax\"\n";
  text += "cookie_csrf_per_request = true\n";
  text += "cookie_csrf_expire = \"15m\"\n";
  text +=
      "# Refreshed before Keycloak's access token expires; never longer than the SSO session.\n";
  text += "cookie_refresh = " + jsonString(seconds(kCookieRefresh)) + "\n";
  text += "cookie_expire = " + jsonString(seconds(spec.sso.sessionMax.value)) + "\n\n";

  text += "# Sessions live in Redis and the cookie carries only a ticket: it never splits into _0/_1\n";
  text += "# parts, so the one Set-Cookie nginx passes back from a refresh is the whole session.\n";
  text += "# The password comes from the environment: OAUTH2_PROXY_REDIS_PASSWORD.\n";
  text += "session_store_type = \"redis\"\n";
  text += "redis_connection_url = " + jsonString(kOauth2ProxyRedisUrl) + "\n";
  return text;
}

std::string renderGrafanaIni(const spec::Spec& spec) {
  std::string root = "https://" + spec.hosts.grafana;
  std::string issuer = issuerUrl(spec);
  std::string internal = loopbackRealmUrl(spec);
  std::string logout = oidcEndpoint(issuer, "logout") + "?client_id=" + kGrafanaClientId +
                       "&post_logout_redirect_uri=" + host::urlEncode(root + "/login");
  std::string text;
  text +=
      "; Grafana settings of cairn, rendered from /etc/cairn/appliance.json by `cairnctl apply`.\n";
  text +=
      "; Do not edit: the next apply overwrites this file. Secrets come from the environment:\n";
  text += "; GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET and GF_SECURITY_ADMIN_PASSWORD.\n\n";
  text += "; Host networking, on loopback only: nginx is its only client.\n";
  text += "[server]\nprotocol = http\nhttp_addr = 127.0.0.1\nhttp_port = 3000\n";
  text +=
      "domain = " + spec.hosts.grafana + "\nroot_url = " + root + "/\nenforce_domain = false\n\n";
  text += "[paths]\nprovisioning = /etc/grafana/provisioning\n\n";
  text += "[security]\nadmin_user = admin\ncookie_secure = true\ncookie_samesite = lax\n";
  text += "disable_gravatar = true\nallow_embedding = false\nx_content_type_options = true\n\n";
  text += "[users]\nallow_sign_up = false\nallow_org_create = false\nauto_assign_org = true\n";
  text += "auto_assign_org_role = Viewer\n\n";
  text += "[auth]\n; One login at Keycloak: no Grafana login form, straight to the OIDC login.\n";
  text += "disable_login_form = true\n";
  text +=
      "login_maximum_inactive_lifetime_duration = " + seconds(spec.sso.sessionIdle.value) + "\n";
  text += "login_maximum_lifetime_duration = " + seconds(spec.sso.sessionMax.value) + "\n";
  text += "signout_redirect_url = " + logout + "\n";
  text += "oauth_allow_insecure_email_lookup = false\n\n";
  text += "[auth.basic]\nenabled = false\n\n";
  text += "[auth.anonymous]\nenabled = false\n\n";
  text +=
      "; Identity headers are not trusted: any process on the host can reach Grafana's port.\n";
  text += "[auth.proxy]\nenabled = false\n\n";
  text +=
      "[auth.generic_oauth]\nenabled = true\nname = cairn\nallow_sign_up = true\nauto_login = "
      "true\n";
  text += "client_id = " + std::string(kGrafanaClientId) + "\n";
  text += "scopes = openid email profile\n";
  text += "auth_url = " + oidcEndpoint(issuer, "auth") + "\n";
  text += "token_url = " + oidcEndpoint(internal, "token") + "\n";
  text += "api_url = " + oidcEndpoint(internal, "userinfo") + "\n";
  text += "use_pkce = true\nuse_refresh_token = true\n";
  text +=
      "email_attribute_path = email\nlogin_attribute_path = "
      "preferred_username\nname_attribute_path = name\n";
  text += "groups_attribute_path = groups\nallowed_groups = admin, operator, viewer\n";
  text +=
      "role_attribute_path = contains(groups[*], 'admin') && 'GrafanaAdmin' || "
      "contains(groups[*], 'operator') && 'Editor' || contains(groups[*], 'viewer') && 'Viewer'\n";
  text +=
      "role_attribute_strict = true\nallow_assign_grafana_admin = true\nskip_org_role_sync = "
      "false\n";
  text += "tls_skip_verify_insecure = false\n\n";
  text +=
      "[analytics]\nreporting_enabled = false\ncheck_for_updates = false\ncheck_for_plugin_updates "
      "= false\n";
  return text;
}

std::string renderAirflowWebserverConfig(const spec::Spec& spec) {
  std::string issuer = issuerUrl(spec);
  std::string internal = internalRealmUrl(spec);
  std::string text;
  text +=
      "# Airflow login settings of cairn (FAB auth manager with Keycloak OAuth), rendered from\n";
  text +=
      "# /etc/cairn/appliance.json by `cairnctl apply`. Do not edit: the next apply overwrites "
      "it.\n";
  text += "# The client secret comes from the environment: AIRFLOW_KEYCLOAK_CLIENT_SECRET.\n";
  text += "import os\n\n";
  text += "from flask import redirect, request, url_for\n";
  text += "from flask_appbuilder import expose\n";
  text += "from flask_appbuilder.security.manager import AUTH_OAUTH\n";
  text +=
      "from airflow.providers.fab.auth_manager.security_manager.override import "
      "FabAirflowSecurityManagerOverride\n";
  text += "from airflow.providers.fab.auth_manager.views.auth_oauth import CustomAuthOAuthView\n\n";
  text += "AUTH_TYPE = AUTH_OAUTH\n";
  text += "AUTH_USER_REGISTRATION = True\n";
  text += "# Users without one of cairn's roles get no permissions.\n";
  text += "AUTH_USER_REGISTRATION_ROLE = \"Public\"\n";
  text += "AUTH_ROLES_SYNC_AT_LOGIN = True\n";
  text +=
      "AUTH_ROLES_MAPPING = {\"admin\": [\"Admin\"], \"operator\": [\"Op\"], \"viewer\": "
      "[\"Viewer\"]}\n";
  text += "WTF_CSRF_ENABLED = True\n";
  text +=
      "SESSION_COOKIE_SECURE = True\nSESSION_COOKIE_HTTPONLY = True\nSESSION_COOKIE_SAMESITE = "
      "\"Lax\"\n";
  text += "PREFERRED_URL_SCHEME = \"https\"\n";
  text += "PERMANENT_SESSION_LIFETIME = " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::seconds>(spec.sso.sessionMax.value).count()) +
          "\n\n";
  text +=
      "OAUTH_PROVIDERS = [\n    {\n        \"name\": \"keycloak\",\n        \"icon\": "
      "\"fa-key\",\n";
  text += "        \"token_key\": \"access_token\",\n        \"remote_app\": {\n";
  text += "            \"client_id\": " + jsonString(kAirflowClientId) + ",\n";
  text += "            \"client_secret\": os.environ[\"AIRFLOW_KEYCLOAK_CLIENT_SECRET\"],\n";
  text +=
      "            # The browser uses the public login page; tokens and keys come over the Docker "
      "network.\n";
  text += "            \"authorize_url\": " + jsonString(oidcEndpoint(issuer, "auth")) + ",\n";
  text +=
      "            \"access_token_url\": " + jsonString(oidcEndpoint(internal, "token")) + ",\n";
  text += "            \"jwks_uri\": " + jsonString(oidcEndpoint(internal, "certs")) + ",\n";
  text += "            \"api_base_url\": " + jsonString(internal + "/protocol/") + ",\n";
  text +=
      "            \"client_kwargs\": {\"scope\": \"openid email profile\", "
      "\"code_challenge_method\": \"S256\"},\n";
  text += "        },\n    },\n]\n\n\n";
  text += "class CairnAuthOAuthView(CustomAuthOAuthView):\n";
  text +=
      "    \"\"\"Sends the browser straight to Keycloak: with one provider, FAB's page of "
      "provider buttons is a second login step.\"\"\"\n\n";
  text += "    @expose(\"/login/\")\n    @expose(\"/login/<provider>\")\n";
  text += "    def login(self, provider=None):\n";
  text += "        if provider is None:\n";
  text +=
      "            return redirect(url_for(\".login\", provider=\"keycloak\", "
      "**request.args.to_dict()))\n";
  text += "        return super().login(provider)\n\n\n";
  text += "class CairnSecurityManager(FabAirflowSecurityManagerOverride):\n";
  text +=
      "    \"\"\"Takes the user and cairn's role groups from Keycloak's userinfo "
      "endpoint.\"\"\"\n\n";
  text += "    authoauthview = CairnAuthOAuthView\n\n";
  text += "    def get_oauth_user_info(self, provider, resp):\n";
  text +=
      "        if provider != \"keycloak\":\n            return "
      "super().get_oauth_user_info(provider, resp)\n";
  text += "        answer = self.oauth_remotes[provider].get(\"openid-connect/userinfo\")\n";
  text += "        answer.raise_for_status()\n        claims = answer.json()\n";
  text += "        return {\n";
  text += "            \"username\": claims.get(\"preferred_username\", \"\"),\n";
  text += "            \"first_name\": claims.get(\"given_name\", \"\"),\n";
  text += "            \"last_name\": claims.get(\"family_name\", \"\"),\n";
  text += "            \"email\": claims.get(\"email\", \"\"),\n";
  text +=
      "            \"role_keys\": [g for g in claims.get(\"groups\", []) if g in "
      "AUTH_ROLES_MAPPING],\n";
  text += "        }\n\n";
  text += "    def _oauth_calculate_user_roles(self, userinfo):\n";
  text +=
      "        \"\"\"The roles of the user's cairn groups; the registration role only for a user "
      "with none.\"\"\"\n";
  text += "        roles = list(self.get_roles_from_keys(userinfo.get(\"role_keys\", [])))\n";
  text += "        return roles or [self.find_role(AUTH_USER_REGISTRATION_ROLE)]\n\n\n";
  text += "SECURITY_MANAGER_CLASS = CairnSecurityManager\n";
  return text;
}

std::string cookieSecretFileContent(const secrets::Secrets& secrets) {
  // The secret is URL-safe base64 of 32 random bytes; oauth2-proxy takes a file's content as raw
  // key bytes, so 32 of its characters (192 bits of entropy) make the AES-256 key.
  return secrets.get("oauth2_proxy_cookie_secret").substr(0, 32);
}

bundle::Bundle renderKeycloak(const spec::Spec& spec, const secrets::Secrets& secrets) {
  bundle::Bundle rendered;
  auto add = [&rendered](const std::string& relative, std::string content, mode_t mode,
                         const char* owner, bool sensitive) {
    rendered.files.push_back({std::string(kRenderedDir) + "/" + relative,
                              std::move(content),
                              mode,
                              owner,
                              sensitive,
                              {}});
  };
  if (spec.enabled("oauth2-proxy")) {
    add("oauth2-proxy/oauth2-proxy.cfg", renderOauth2ProxyConfig(spec), 0644, "", false);
    add("oauth2-proxy/client-secret", secrets.get("oauth2_proxy_client_secret"), 0600,
        kOauth2ProxyOwner, true);
    add("oauth2-proxy/cookie-secret", cookieSecretFileContent(secrets), 0600, kOauth2ProxyOwner,
        true);
  }
  if (spec.enabled("grafana")) add("grafana/grafana.ini", renderGrafanaIni(spec), 0644, "", false);
  if (spec.enabled("airflow")) {
    add("airflow/webserver_config.py", renderAirflowWebserverConfig(spec), 0644, "", false);
  }
  if (spec.enabled("keycloak"))
    add("keycloak/realm.json", desiredRealm(spec, secrets).dump(2) + "\n", 0600, "", true);
  return rendered;
}

}  // namespace cairn::keycloak

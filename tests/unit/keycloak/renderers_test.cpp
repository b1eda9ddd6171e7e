#include "keycloak/renderers.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "keycloak/desired_realm.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

using namespace cairn::keycloak;

namespace {

// Compares `rendered` with golden/<name>; CAIRN_UPDATE_GOLDEN=1 rewrites the golden file instead.
void checkGolden(const std::string& name, const std::string& rendered) {
  std::string path = std::string(CAIRN_KEYCLOAK_GOLDEN_DIR) + "/" + name;
  if (const char* update = std::getenv("CAIRN_UPDATE_GOLDEN");
      update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << rendered;
  }
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "missing golden file " + path + " (run with CAIRN_UPDATE_GOLDEN=1)");
  std::stringstream golden;
  golden << in.rdbuf();
  BOOST_TEST(rendered == golden.str(), "rendered " + name + " differs from " + path);
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

struct Fixture {
  cairn::spec::Spec spec = cairn::testing::keycloakTestSpec();
  cairn::secrets::Secrets secrets = cairn::testing::keycloakTestSecrets();
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(renderers, Fixture)

BOOST_AUTO_TEST_CASE(rendered_files_match_the_golden_files) {
  checkGolden("oauth2-proxy.cfg", renderOauth2ProxyConfig(spec));
  checkGolden("grafana.ini", renderGrafanaIni(spec));
  checkGolden("webserver_config.py", renderAirflowWebserverConfig(spec));
  checkGolden("realm.json", desiredRealm(spec, secrets).dump(2) + "\n");
}

BOOST_AUTO_TEST_CASE(oauth2_proxy_has_every_security_property) {
  std::string cfg = renderOauth2ProxyConfig(spec);
  BOOST_TEST(has(cfg, "provider = \"keycloak-oidc\"\n"));
  BOOST_TEST(has(cfg, "oidc_issuer_url = \"https://auth.example.com/realms/cairn\"\n"));
  BOOST_TEST(has(cfg, "client_secret_file = \"/etc/oauth2-proxy/client-secret\"\n"));
  BOOST_TEST(has(cfg, "cookie_secret_file = \"/etc/oauth2-proxy/cookie-secret\"\n"));
  BOOST_TEST(!has(cfg, "client_secret ="));
  BOOST_TEST(!has(cfg, "cookie_secret ="));
  BOOST_TEST(!has(cfg, secrets.get("oauth2_proxy_client_secret")));
  BOOST_TEST(has(cfg, "cookie_secure = true\n"));
  BOOST_TEST(has(cfg, "cookie_httponly = true\n"));
  BOOST_TEST(has(cfg, "cookie_samesite = \"lax\"\n"));
  BOOST_TEST(has(cfg, "cookie_domains = [\".example.com\", \"example.com\"]\n"));
  BOOST_TEST(has(cfg, "whitelist_domains = [\"example.com\", \".example.com\"]\n"));
  BOOST_TEST(has(cfg, "reverse_proxy = true\n"));
  BOOST_TEST(has(cfg, "set_xauthrequest = true\n"));
  BOOST_TEST(!has(cfg, "trusted_proxy_ips"));  // a flag of the container's command instead
  BOOST_TEST(has(cfg, "http_address = \"127.0.0.1:4180\"\n"));
  BOOST_TEST(has(cfg, "code_challenge_method = \"S256\"\n"));
  BOOST_TEST(has(cfg, "insecure_oidc_allow_unverified_email = false\n"));
  BOOST_TEST(!has(cfg, "ping_user_agent"));
  BOOST_TEST(has(cfg,
                 "backend_logout_url = "
                 "\"http://127.0.0.1:8180/realms/cairn/protocol/openid-connect/"
                 "logout?id_token_hint={id_token}\"\n"));
  BOOST_TEST(has(cfg, "allowed_groups = [\"admin\", \"operator\", \"viewer\"]\n"));
}

BOOST_AUTO_TEST_CASE(
    oauth2_proxy_refreshes_before_the_access_token_and_expires_with_the_sso_session) {
  std::string cfg = renderOauth2ProxyConfig(spec);
  BOOST_TEST(has(cfg, "cookie_refresh = \"240s\"\n"));
  BOOST_TEST(has(cfg, "cookie_expire = \"36000s\"\n"));
  BOOST_TEST(kCookieRefresh.count() < kAccessTokenLifespan.count());
  BOOST_TEST(kCookieRefresh.count() <
             std::chrono::duration_cast<std::chrono::seconds>(spec.sso.sessionIdle.value).count());
}

BOOST_AUTO_TEST_CASE(hosts_outside_the_domain_get_their_own_cookie_and_redirect_entries) {
  auto text = std::string(cairn::testing::kKeycloakTestSpec);
  text.replace(text.rfind('}'), 1, R"(, "hosts": {"grafana": "grafana.other.org"}})");
  std::string cfg = renderOauth2ProxyConfig(cairn::testing::keycloakTestSpec(text));
  BOOST_TEST(has(cfg, "cookie_domains = [\".example.com\", \"example.com\", \"grafana.other.org\"]\n"));
  BOOST_TEST(
      has(cfg, "whitelist_domains = [\"example.com\", \".example.com\", \"grafana.other.org\"]\n"));
}

BOOST_AUTO_TEST_CASE(config_files_set_every_key_once) {
  auto keysOf = [](const std::string& text, char comment) {
    std::map<std::string, int> seen;
    std::string section;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == comment) continue;
      if (line[0] == '[') {
        section = line;
        continue;
      }
      std::size_t equals = line.find(" = ");
      BOOST_TEST(equals != std::string::npos, "not key = value: " + line);
      ++seen[section + line.substr(0, equals)];
    }
    for (const auto& [key, count] : seen)
      BOOST_TEST(count == 1, key + " is set " + std::to_string(count) + " times");
    return seen.size();
  };
  BOOST_TEST(keysOf(renderOauth2ProxyConfig(spec), '#') > 30u);
  BOOST_TEST(keysOf(renderGrafanaIni(spec), ';') > 30u);
}

BOOST_AUTO_TEST_CASE(cookie_secret_file_holds_32_bytes) {
  std::string secret = cookieSecretFileContent(secrets);
  BOOST_TEST(secret.size() == 32u);
  BOOST_TEST(secret.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(grafana_logs_in_through_keycloak_only_with_mapped_roles) {
  std::string ini = renderGrafanaIni(spec);
  BOOST_TEST(has(ini, "root_url = https://grafana.example.com/\n"));
  BOOST_TEST(has(ini, "[auth.generic_oauth]\nenabled = true\n"));
  BOOST_TEST(has(ini, "auto_login = true\n"));
  BOOST_TEST(has(ini, "disable_login_form = true\n"));
  BOOST_TEST(has(ini, "[auth.basic]\nenabled = false\n"));
  BOOST_TEST(has(ini, "[auth.anonymous]\nenabled = false\n"));
  BOOST_TEST(has(ini, "[auth.proxy]\nenabled = false\n"));
  BOOST_TEST(has(ini, "use_pkce = true\n"));
  BOOST_TEST(has(ini, "role_attribute_strict = true\n"));
  BOOST_TEST(has(ini, "contains(groups[*], 'admin') && 'GrafanaAdmin'"));
  BOOST_TEST(has(ini, "contains(groups[*], 'operator') && 'Editor'"));
  BOOST_TEST(has(ini, "contains(groups[*], 'viewer') && 'Viewer'"));
  BOOST_TEST(has(ini, "allow_assign_grafana_admin = true\n"));
  BOOST_TEST(has(ini, "cookie_secure = true\n"));
  BOOST_TEST(
      has(ini, "auth_url = https://auth.example.com/realms/cairn/protocol/openid-connect/auth\n"));
  BOOST_TEST(has(ini,
                 "signout_redirect_url = "
                 "https://auth.example.com/realms/cairn/protocol/openid-connect/"
                 "logout?client_id=grafana&post_logout_redirect_uri=https%3A%2F%2Fgrafana.example."
                 "com%2Flogin\n"));
  BOOST_TEST(!has(ini, secrets.get("grafana_client_secret")));
  BOOST_TEST(!has(ini, "client_secret ="));
}

BOOST_AUTO_TEST_CASE(airflow_maps_keycloak_groups_to_its_roles_over_oauth_with_pkce) {
  std::string py = renderAirflowWebserverConfig(spec);
  BOOST_TEST(has(py, "AUTH_TYPE = AUTH_OAUTH\n"));
  BOOST_TEST(has(py,
                 "AUTH_ROLES_MAPPING = {\"admin\": [\"Admin\"], \"operator\": [\"Op\"], "
                 "\"viewer\": [\"Viewer\"]}\n"));
  BOOST_TEST(has(py, "AUTH_ROLES_SYNC_AT_LOGIN = True\n"));
  BOOST_TEST(has(py, "AUTH_USER_REGISTRATION_ROLE = \"Public\"\n"));
  BOOST_TEST(has(py, "\"code_challenge_method\": \"S256\""));
  BOOST_TEST(has(py, "os.environ[\"AIRFLOW_KEYCLOAK_CLIENT_SECRET\"]"));
  BOOST_TEST(has(py, "SESSION_COOKIE_SECURE = True\n"));
  BOOST_TEST(has(
      py,
      "\"authorize_url\": \"https://auth.example.com/realms/cairn/protocol/openid-connect/auth\""));
  BOOST_TEST(has(py, "SECURITY_MANAGER_CLASS = CairnSecurityManager\n"));
  BOOST_TEST(!has(py, secrets.get("airflow_client_secret")));
  // One login: FAB's page of provider buttons redirects straight to Keycloak (the real FAB
  // follows it in tests/integration/services/catalog/airflow_test.cpp).
  BOOST_TEST(has(py, "    authoauthview = CairnAuthOAuthView\n"));
  BOOST_TEST(has(py, "    @expose(\"/login/\")\n    @expose(\"/login/<provider>\")\n"));
  BOOST_TEST(has(py, "redirect(url_for(\".login\", provider=\"keycloak\", **request.args.to_dict()))"));
}

BOOST_AUTO_TEST_CASE(bundle_has_the_contract_paths_and_keeps_secrets_private) {
  auto bundle = renderKeycloak(spec, secrets);
  struct Expected {
    const char* path;
    mode_t mode;
    bool sensitive;
  };
  for (const Expected& expected :
       {Expected{"/etc/cairn/rendered/oauth2-proxy/oauth2-proxy.cfg", 0644, false},
        Expected{"/etc/cairn/rendered/oauth2-proxy/client-secret", 0600, true},
        Expected{"/etc/cairn/rendered/oauth2-proxy/cookie-secret", 0600, true},
        Expected{"/etc/cairn/rendered/grafana/grafana.ini", 0644, false},
        Expected{"/etc/cairn/rendered/airflow/webserver_config.py", 0644, false},
        Expected{"/etc/cairn/rendered/keycloak/realm.json", 0600, true}}) {
    const auto* file = bundle.find(expected.path);
    BOOST_REQUIRE_MESSAGE(file, std::string("missing ") + expected.path);
    BOOST_TEST(file->mode == expected.mode, expected.path);
    BOOST_TEST(file->sensitive == expected.sensitive, expected.path);
    if (!expected.sensitive)
      BOOST_TEST(!has(file->content, secrets.get("oauth2_proxy_client_secret")));
  }
  for (const char* secret : {"client-secret", "cookie-secret"}) {
    BOOST_TEST(bundle.find(std::string("/etc/cairn/rendered/oauth2-proxy/") + secret)->owner ==
               "65532:65532");
  }
  BOOST_TEST(bundle.find("/etc/cairn/rendered/oauth2-proxy/client-secret")->content ==
             secrets.get("oauth2_proxy_client_secret"));
}

BOOST_AUTO_TEST_CASE(disabled_services_get_no_files) {
  auto text = std::string(cairn::testing::kKeycloakTestSpec);
  text.replace(text.rfind('}'), 1,
               R"(, "services": {"grafana": {"enabled": false}, "airflow": {"enabled": false}}})");
  auto bundle = renderKeycloak(cairn::testing::keycloakTestSpec(text), secrets);
  BOOST_TEST(!bundle.find("/etc/cairn/rendered/grafana/grafana.ini"));
  BOOST_TEST(!bundle.find("/etc/cairn/rendered/airflow/webserver_config.py"));
  BOOST_TEST(bundle.find("/etc/cairn/rendered/keycloak/realm.json"));
}

BOOST_AUTO_TEST_SUITE_END()

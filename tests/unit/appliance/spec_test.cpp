#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "appliance/spec/load.hpp"
#include "appliance/spec/syntax.hpp"

namespace data = boost::unit_test::data;
using namespace cairn::spec;
using nlohmann::json;

namespace {

// A minimal valid spec with `patch` merged in (RFC 7386).
std::string specWith(const std::string& patch) {
  json doc = {{"version", 1}, {"domain", "example.com"}};
  doc.merge_patch(json::parse(patch));
  return doc.dump();
}

std::vector<SpecIssue> issuesOf(const std::string& text) {
  try {
    loadSpec(text);
  } catch (const SpecError& error) {
    return error.issues();
  }
  return {};
}

struct RuleCase {
  const char* rule;
  const char* patch;
  const char* path;
  const char* message;  // a part of the expected message
};

std::ostream& operator<<(std::ostream& out, const RuleCase& c) { return out << c.rule; }

const RuleCase kRules[] = {
    {"unknown top-level key", R"({"domian": "x"})", "domian", "did you mean \"domain\""},
    {"unknown nested key", R"({"tls": {"mdoe": "acme"}})", "tls.mdoe", "did you mean \"mode\""},
    {"unknown service", R"({"services": {"postgress": {}}})", "services.postgress", "did you mean \"postgres\""},
    {"version other than 1", R"({"version": 2})", "version", "out of range"},
    {"invalid domain", R"({"domain": "a..b"})", "domain", "not a valid hostname"},
    {"single-label domain", R"({"domain": "localhost"})", "domain", "at least two labels"},
    {"invalid admin email", R"({"admin_email": "ops"})", "admin_email", "not a valid email"},
    {"unknown tls mode", R"({"tls": {"mode": "letsencrypt"}})", "tls.mode", "not a TLS mode"},
    {"provided tls without paths", R"({"tls": {"mode": "provided"}})", "tls.certificate", "absolute path"},
    {"tls paths without provided", R"({"tls": {"certificate": "/x.pem"}})", "tls.mode", "only used with"},
    {"invalid service host", R"({"hosts": {"grafana": "Grafana.example.com"}})", "hosts.grafana", "not a valid hostname"},
    {"duplicate service hosts", R"({"hosts": {"airflow": "grafana.example.com"}})", "hosts.airflow", "already used by hosts.grafana"},
    {"invalid route host", R"({"routes": [{"host": "a..b", "upstream": "http://127.0.0.1:1"}]})", "routes[0].host",
     "\"a..b\" is not a valid hostname"},
    {"route colliding with a service host",
     R"({"routes": [{"host": "grafana.example.com", "upstream": "http://127.0.0.1:1"}]})", "routes[0].host",
     "collides with the service host hosts.grafana"},
    {"duplicate route hosts",
     R"({"routes": [{"host": "a.example.com", "upstream": "http://127.0.0.1:1"}, {"host": "a.example.com", "upstream": "http://127.0.0.1:2"}]})",
     "routes[1].host", "already used by routes[0].host"},
    {"route upstream not a URL", R"({"routes": [{"host": "a.example.com", "upstream": "127.0.0.1:80"}]})",
     "routes[0].upstream", "not an http(s)://"},
    {"route without host", R"({"routes": [{"upstream": "http://127.0.0.1:1"}]})", "routes[0].host", "is required"},
    {"route unknown auth", R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "auth": "basic"}]})",
     "routes[0].auth", "not an auth mode"},
    {"route unknown role", R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "roles": ["root"]}]})",
     "routes[0].roles[0]", "not a role"},
    {"roles on an open route",
     R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "auth": "none", "roles": ["admin"]}]})",
     "routes[0].roles", "need auth \"sso\""},
    {"routes not an array", R"({"routes": {}})", "routes", "must be an array"},
    {"frame ancestor not a source",
     R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "frame_ancestors": ["http://portal.example.com"]}]})",
     "routes[0].frame_ancestors[0]", "not a frame-ancestors source"},
    {"frame ancestor with a quote",
     R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "frame_ancestors": ["https://a.example.com\"; x"]}]})",
     "routes[0].frame_ancestors[0]", "not a frame-ancestors source"},
    {"frame ancestors empty", R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "frame_ancestors": []}]})",
     "routes[0].frame_ancestors", "non-empty array"},
    {"frame ancestors none with others",
     R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "frame_ancestors": ["'none'", "'self'"]}]})",
     "routes[0].frame_ancestors", "must be the only source"},
    {"websockets not a boolean", R"({"routes": [{"host": "a.example.com", "upstream": "http://x:1", "websockets": "yes"}]})",
     "routes[0].websockets", "must be true or false"},
    {"oauth2-proxy without redis", R"({"services": {"redis": {"enabled": false}, "airflow": {"enabled": false}}})",
     "services.oauth2-proxy.enabled", "needs redis"},
    {"invalid image", R"({"services": {"redis": {"image": "Redis:7"}}})", "services.redis.image", "not a valid image reference"},
    {"malformed memory", R"({"services": {"redis": {"memory": "1 GB"}}})", "services.redis.memory", "not a size"},
    {"memory too small", R"({"services": {"redis": {"memory": "1MiB"}}})", "services.redis.memory", "below 64MiB"},
    {"cpus out of range", R"({"services": {"redis": {"cpus": 0}}})", "services.redis.cpus", "out of range"},
    {"workers outside airflow", R"({"services": {"redis": {"workers": 2}}})", "services.redis.workers", "unknown key"},
    {"airflow workers out of range", R"({"services": {"airflow": {"workers": 0}}})", "services.airflow.workers", "out of range"},
    {"worker concurrency out of range", R"({"services": {"airflow": {"worker_concurrency": 65}}})",
     "services.airflow.worker_concurrency", "out of range"},
    {"worker concurrency outside airflow", R"({"services": {"redis": {"worker_concurrency": 2}}})",
     "services.redis.worker_concurrency", "unknown key"},
    {"enabled not a boolean", R"({"services": {"loki": {"enabled": "no"}}})", "services.loki.enabled", "true or false"},
    {"dependency disabled", R"({"services": {"postgres": {"enabled": false}}})", "services.keycloak.enabled",
     "needs postgres"},
    {"user without email", R"({"users": [{"username": "ann", "roles": ["admin"]}]})", "users[0].email", "is required"},
    {"user invalid name", R"({"users": [{"username": "Ann", "email": "a@x.com", "roles": []}]})", "users[0].username",
     "not a valid username"},
    {"user name Keycloak refuses", R"({"users": [{"username": "ann", "email": "a@x.com", "last_name": "ops=1", "roles": []}]})",
     "users[0].last_name", "which Keycloak refuses in a person's name"},
    {"user unknown role", R"({"users": [{"username": "ann", "email": "a@x.com", "roles": ["root"]}]})",
     "users[0].roles[0]", "not a role"},
    {"user role twice", R"({"users": [{"username": "ann", "email": "a@x.com", "roles": ["admin", "admin"]}]})",
     "users[0].roles[1]", "listed twice"},
    {"duplicate username",
     R"({"users": [{"username": "ann", "email": "a@x.com", "roles": []}, {"username": "ann", "email": "b@x.com", "roles": []}]})",
     "users[1].username", "listed twice"},
    {"duplicate email",
     R"({"users": [{"username": "ann", "email": "a@x.com", "roles": []}, {"username": "bob", "email": "a@x.com", "roles": []}]})",
     "users[1].email", "used by another user"},
    {"malformed duration", R"({"monitoring": {"scrape_interval": "15 seconds"}})", "monitoring.scrape_interval",
     "not a duration"},
    {"scrape interval too short", R"({"monitoring": {"scrape_interval": "10ms"}})", "monitoring.scrape_interval",
     "at least 1s"},
    {"retention too short", R"({"monitoring": {"retention": "5m"}})", "monitoring.retention", "at least 1h"},
    {"bad exporter listen", R"({"monitoring": {"exporter_listen": "localhost"}})", "monitoring.exporter_listen", "ADDR:PORT"},
    {"bad loki url", R"({"logs": {"loki_url": "loki:3100"}})", "logs.loki_url", "not an http(s)"},
    {"label not a string", R"({"logs": {"labels": {"env": 1}}})", "logs.labels.env", "must be a string"},
    {"batch size out of range", R"({"logs": {"batch_size": "1B"}})", "logs.batch_size", "between 1KiB and 100MiB"},
    {"invalid realm", R"({"sso": {"realm": "master"}})", "sso.realm", "not a valid realm name"},
    {"session idle above max", R"({"sso": {"session_idle": "12h", "session_max": "10h"}})", "sso.session_idle",
     "not be longer than"},
    {"ssh port out of range", R"({"firewall": {"ssh_port": 70000}})", "firewall.ssh_port", "not a valid port"},
    {"ssh port taken by nginx", R"({"firewall": {"ssh_port": 443}})", "firewall.ssh_port", "taken by nginx"},
    {"allowed port invalid", R"({"firewall": {"allowed_ports": [8443, "x"]}})", "firewall.allowed_ports[1]",
     "not a valid port"},
    {"allowed port twice", R"({"firewall": {"allowed_ports": [8443, 8443]}})", "firewall.allowed_ports[1]", "listed twice"},
    {"wrong type for an object", R"({"tls": "acme"})", "tls", "must be an object"},
    {"dags folder relative", R"({"airflow": {"dags": {"folder": "dags"}}})", "airflow.dags.folder", "not an absolute"},
    {"dags folder with ..", R"({"airflow": {"dags": {"folder": "/srv/../etc"}}})", "airflow.dags.folder", "normalized"},
    {"dags folder under /etc", R"({"airflow": {"dags": {"folder": "/etc/cairn/dags"}}})", "airflow.dags.folder",
     "outside /etc"},
    {"dags folder with a colon", R"({"airflow": {"dags": {"folder": "/srv/a:b"}}})", "airflow.dags.folder", "not an absolute"},
    {"dags folder not a string", R"({"airflow": {"dags": {"folder": 7}}})", "airflow.dags.folder", "must be a string"},
    {"unknown airflow key", R"({"airflow": {"dag": {}}})", "airflow.dag", "did you mean \"dags\""},
    {"git without url", R"({"airflow": {"dags": {"git": {"branch": "main"}}}})", "airflow.dags.git.url", "is required"},
    {"git url a host path", R"({"airflow": {"dags": {"git": {"url": "/srv/dags.git"}}}})", "airflow.dags.git.url",
     "not a Git URL"},
    {"git url file://", R"({"airflow": {"dags": {"git": {"url": "file:///srv/dags.git"}}}})", "airflow.dags.git.url",
     "not a Git URL"},
    {"git branch with ..", R"({"airflow": {"dags": {"git": {"url": "https://g.example.com/d.git", "branch": "a..b"}}}})",
     "airflow.dags.git.branch", "not a valid branch"},
    {"git subfolder escaping", R"({"airflow": {"dags": {"git": {"url": "https://g.example.com/d.git", "subfolder": "../x"}}}})",
     "airflow.dags.git.subfolder", "not a relative path"},
    {"git credentials relative", R"({"airflow": {"dags": {"git": {"url": "https://g.example.com/d.git", "credentials_file": "t"}}}})",
     "airflow.dags.git.credentials_file", "not an absolute path"},
    {"git refresh too short", R"({"airflow": {"dags": {"git": {"url": "https://g.example.com/d.git", "refresh": "1s"}}}})",
     "airflow.dags.git.refresh", "at least 10s"},
    {"git unknown key", R"({"airflow": {"dags": {"git": {"url": "https://g.example.com/d.git", "token": "x"}}}})",
     "airflow.dags.git.token", "unknown key"},
    {"user named like the local admin",
     R"({"users": [{"username": "cairn-local-admin", "email": "a@x.com", "roles": ["admin"]}]})", "users[0].username",
     "reserved for Airflow's local emergency account"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(spec)

// The tests run the real Keycloak, oauth2-proxy and Airflow at the versions their fetch scripts
// pin; the appliance must run those same versions.
BOOST_AUTO_TEST_CASE(default_images_are_the_versions_the_tests_run) {
  BOOST_TEST(defaultImage("keycloak") == "quay.io/keycloak/keycloak:" CAIRN_TESTED_KEYCLOAK);
  BOOST_TEST(defaultImage("oauth2-proxy") == "quay.io/oauth2-proxy/oauth2-proxy:" CAIRN_TESTED_OAUTH2_PROXY);
  BOOST_TEST(defaultImage("airflow") == "apache/airflow:" CAIRN_TESTED_AIRFLOW);
}

BOOST_AUTO_TEST_CASE(minimal_spec_gets_every_default) {
  Spec spec = loadSpec(R"({"version": 1, "domain": "example.com"})");
  BOOST_TEST(spec.adminEmail == "admin@example.com");
  BOOST_TEST(spec.hosts.auth == "auth.example.com");
  BOOST_TEST(spec.hosts.status == "example.com");
  BOOST_TEST(std::string(tlsModeName(spec.tls.mode)) == "self-signed");
  BOOST_TEST(spec.services.size() == serviceNames().size());
  BOOST_TEST(spec.service("postgres").image == defaultImage("postgres"));
  BOOST_TEST(spec.service("airflow").workers == 1);
  BOOST_TEST(spec.monitoring.scrapeInterval.value.count() == 15'000);
  BOOST_TEST(spec.sso.realm == "cairn");
  BOOST_TEST(spec.firewall.sshPort == 22);
  BOOST_TEST(spec.airflow.dags.folder == "/var/lib/cairn/airflow/dags");
}

BOOST_AUTO_TEST_CASE(the_dags_folder_is_the_operators_choice_outside_system_trees) {
  BOOST_TEST(loadSpec(specWith(R"({"airflow": {"dags": {"folder": "/srv/team/dags"}}})")).airflow.dags.folder ==
             "/srv/team/dags");
  for (const char* bad : {"/", "/srv/", "//srv", "/srv//dags", "/srv/./dags", "/proc/dags", "/run/x", "/usr/dags"}) {
    BOOST_TEST(!isValidDagsFolder(bad), bad);
  }
  BOOST_TEST(isValidDagsFolder("/home/ann/dags"));
  BOOST_TEST(isValidDagsFolder("/var/lib/cairn/airflow/dags"));
}

BOOST_AUTO_TEST_CASE(a_git_repository_of_dags_takes_network_urls_with_defaults) {
  const Spec spec = loadSpec(specWith(R"({"airflow": {"dags": {"git": {"url": "https://git.example.com/team/dags.git"}}}})"));
  BOOST_REQUIRE(spec.airflow.dags.git.has_value());
  BOOST_TEST(spec.airflow.dags.git->branch == "main");
  BOOST_TEST(spec.airflow.dags.git->subfolder.empty());
  BOOST_TEST(spec.airflow.dags.git->refresh.text == "60s");
  BOOST_TEST(!loadSpec(specWith("{}")).airflow.dags.git.has_value());
  for (const char* good : {"https://git.example.com/d.git", "http://10.0.0.5:3000/d.git", "ssh://git@git.example.com:2222/d.git",
                           "git@github.com:team/dags.git", "git://git-server/dags.git", "https://user@git.example.com/d"}) {
    BOOST_TEST(isValidGitUrl(good), good);
  }
  for (const char* bad : {"", "/srv/d.git", "file:///srv/d.git", "ftp://x/d.git", "https://", "https://a b/d.git", "-upload-pack=x", "-o@h:x"}) {
    BOOST_TEST(!isValidGitUrl(bad), bad);
  }
  for (const char* good : {"main", "release/2026.12", "v1.2.3", "0123abcd"}) BOOST_TEST(isValidGitRef(good), good);
  for (const char* bad : {"", "-x", "a..b", "a//b", "/main", "main/", "x@{1}", "a b", "main."}) BOOST_TEST(!isValidGitRef(bad), bad);
}

BOOST_AUTO_TEST_CASE(old_upstream_sso_images_are_refused_but_other_repositories_are_the_operators_choice) {
  auto issues = issuesOf(specWith(R"({"services": {"oauth2-proxy": {"image": "quay.io/oauth2-proxy/oauth2-proxy:v7.14.2"}}})"));
  BOOST_REQUIRE(issues.size() == 1u);
  BOOST_TEST(issues[0].path == "services.oauth2-proxy.image");
  BOOST_TEST(issuesOf(specWith(R"({"services": {"oauth2-proxy": {"image": "local/oauth2-proxy:1"},
                                               "keycloak": {"image": "mirror.example.com/keycloak:20"}}})"))
                 .empty());
}

BOOST_AUTO_TEST_CASE(comments_are_allowed) {
  Spec spec = loadSpec("// the appliance\n{ /* required */ \"version\": 1,\n \"domain\": \"example.com\" // mine\n}");
  BOOST_TEST(spec.domain == "example.com");
}

BOOST_AUTO_TEST_CASE(only_the_domain_is_required) {
  auto issues = issuesOf(R"({"version": 1})");
  BOOST_REQUIRE(issues.size() == 1u);
  BOOST_TEST(issues[0].path == "domain");
  BOOST_TEST(issues[0].message == "is required");
}

BOOST_DATA_TEST_CASE(each_rule_reports_its_json_path, data::make(kRules), rule) {
  auto issues = issuesOf(specWith(rule.patch));
  bool found = false;
  for (const auto& issue : issues) {
    found = found || (issue.path == rule.path && issue.message.find(rule.message) != std::string::npos);
  }
  BOOST_TEST(found, rule.rule << ": expected \"" << rule.path << ": ..." << rule.message << "...\", got:\n"
                               << formatIssues(issues));
}

BOOST_AUTO_TEST_CASE(every_error_is_reported_at_once) {
  auto issues = issuesOf(specWith(
      R"({"domian": 1, "admin_email": "x", "routes": [{"host": "a..b", "upstream": "ftp://x"}], "firewall": {"ssh_port": 80}})"));
  std::vector<std::string> paths;
  for (const auto& issue : issues) paths.push_back(issue.path);
  std::vector<std::string> expected = {"domian", "admin_email", "routes[0].host", "routes[0].upstream", "firewall.ssh_port"};
  for (const auto& path : expected) {
    BOOST_TEST((std::find(paths.begin(), paths.end(), path) != paths.end()), "missing " << path);
  }
}

BOOST_AUTO_TEST_CASE(syntax_errors_name_line_and_column) {
  try {
    loadSpec("{\n  \"version\": 1,\n  \"domain\": \"example.com\"\n  \"x\": 1\n}");
    BOOST_FAIL("no error");
  } catch (const SpecError& error) {
    BOOST_REQUIRE(error.issues().size() == 1u);
    BOOST_TEST(error.issues()[0].message.rfind("line 4, column ", 0) == 0, error.issues()[0].message);
  }
}

BOOST_AUTO_TEST_CASE(an_invalid_domain_is_reported_once_not_for_every_derived_host) {
  auto issues = issuesOf(R"({"version": 1, "domain": "a..b"})");
  BOOST_TEST(issues.size() == 1u, formatIssues(issues));
}

BOOST_AUTO_TEST_CASE(normalized_spec_reads_back_to_the_same_values) {
  Spec spec = loadSpec(specWith(
      R"({"routes": [{"host": "app.example.com", "upstream": "http://127.0.0.1:9000", "roles": ["operator"],
                      "frame_ancestors": ["'self'", "https://*.portal.example.com:8443"], "websockets": true}],
          "users": [{"username": "ann", "email": "ann@example.com", "roles": ["viewer"]}],
          "logs": {"labels": {"env": "prod"}}, "firewall": {"allowed_ports": [8443]},
          "airflow": {"dags": {"git": {"url": "git@git.example.com:team/dags.git", "branch": "prod", "subfolder": "dags",
                                       "credentials_file": "/etc/cairn/dags-git.key", "refresh": "5m"}}}})"));
  json normalized = specToJson(spec);
  Spec again = loadSpec(normalized.dump());
  BOOST_TEST(specToJson(again) == normalized);
  BOOST_TEST(std::string(roleName(again.routes.at(0).roles.at(0))) == "operator");
  BOOST_TEST(again.routes.at(0).frameAncestors.size() == 2u);
  BOOST_TEST(again.routes.at(0).websockets);
  BOOST_TEST(loadSpec(specWith(R"({"routes": [{"host": "b.example.com", "upstream": "http://x:1"}]})"))
                 .routes.at(0)
                 .frameAncestors == std::vector<std::string>{"'self'"});
  BOOST_TEST(again.logs.labels.at("env") == "prod");
  BOOST_REQUIRE(again.airflow.dags.git.has_value());
  BOOST_TEST(again.airflow.dags.git->subfolder == "dags");
  BOOST_TEST(again.airflow.dags.git->refresh.value.count() == 300000);
}

BOOST_AUTO_TEST_SUITE_END()

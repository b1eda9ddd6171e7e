#pragma once
// The appliance spec (/etc/cairn/appliance.json) as typed values with every default filled in.
// A Spec is built once by loadSpec() (spec/load.hpp) and passed around by const reference.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cairn::spec {

// A duration as written ("15s", "5m", "15d") and its value.
struct Duration {
  std::string text;
  std::chrono::milliseconds value{0};
};

// A size as written ("512MiB") and its value in bytes.
struct Size {
  std::string text;
  std::uint64_t bytes = 0;
};

enum class TlsMode { kSelfSigned, kAcme, kProvided };
enum class RouteAuth { kSso, kNone };
enum class Role { kAdmin, kOperator, kViewer };

const char* tlsModeName(TlsMode mode);
const char* routeAuthName(RouteAuth auth);
const char* roleName(Role role);
std::optional<Role> roleFromName(const std::string& name);

struct TlsSettings {
  TlsMode mode = TlsMode::kSelfSigned;
  std::string certificateFile;  // only for kProvided
  std::string keyFile;          // only for kProvided
};

// Full host names of the appliance's own sites.
struct Hosts {
  std::string status;   // the bare domain
  std::string auth;     // Keycloak
  std::string grafana;
  std::string airflow;
};

struct Resources {
  Size memory;
  double cpus = 1.0;
};

struct ServiceSettings {
  bool enabled = true;
  std::string image;
  Resources resources;
  int workers = 0;  // Airflow Celery workers; 0 for every other service
  int workerConcurrency = 0;  // task processes per Airflow worker; 0 for every other service
};

// The services cairn runs, in the order they are listed everywhere.
inline const std::vector<std::string>& serviceNames() {
  static const std::vector<std::string> kNames = {"postgres", "redis",      "keycloak",
                                                  "oauth2-proxy", "grafana", "prometheus",
                                                  "loki",     "airflow"};
  return kNames;
}

struct Route {
  std::string host;
  std::string upstream;  // http(s)://host[:port][/path]
  RouteAuth auth = RouteAuth::kSso;
  std::vector<Role> roles;  // empty: any signed-in user
  // Who may frame the route's pages (CSP frame-ancestors sources): "'self'" (the default, also
  // X-Frame-Options SAMEORIGIN), "'none'", "*" (no frame protection) or https:// origins.
  std::vector<std::string> frameAncestors{"'self'"};
  bool websockets = false;  // Upgrade/Connection are forwarded only when set
};

struct User {
  std::string username;
  std::string email;
  std::string firstName;
  std::string lastName;
  std::vector<Role> roles;
};

struct Monitoring {
  Duration scrapeInterval;
  Duration retention;
  Size retentionSize;
  std::string exporterListen;  // ADDR:PORT
};

struct Logs {
  Duration retention;
  std::string lokiUrl;  // empty: the appliance's own Loki
  std::string tenant;
  std::string username;
  std::string passwordFile;
  std::map<std::string, std::string> labels;
  Size maxLineSize;
  Size batchSize;
  Duration batchWait;
};

struct Sso {
  std::string realm;
  Duration sessionIdle;
  Duration sessionMax;
};

struct Firewall {
  bool enabled = true;
  int sshPort = 22;
  std::vector<int> allowedPorts;
};

// Where Airflow finds its DAGs (spec "airflow.dags").
// A Git repository Airflow reads DAGs from as a DAG bundle (spec "airflow.dags.git"), beside the
// folder; every Airflow container fetches it every `refresh`.
struct AirflowGitDags {
  std::string url;              // https://, http://, ssh://, git:// or user@host:path
  std::string branch = "main";  // a branch, a tag or a commit
  std::string subfolder;        // the DAGs' folder inside the repository; "" for its root
  // A host file, mounted read-only into the Airflow containers (which run with group 0): for
  // http(s) URLs git-credentials lines (https://user:token@host), for ssh a private key.
  std::string credentialsFile;
  Duration refresh;
};

struct AirflowDags {
  // A host folder, mounted read-only into every Airflow container; the package makes the default
  // root:cairn 2775 so that users of group cairn deliver DAGs by writing files there.
  std::string folder;
  std::optional<AirflowGitDags> git;
};

struct Airflow {
  AirflowDags dags;
};

// The local Airflow account init creates, for API and CLI use when Keycloak is down. Its name is
// reserved: a spec user of that name would sign in through Keycloak as the same Airflow user.
inline constexpr const char* kAirflowLocalAdmin = "cairn-local-admin";
inline constexpr const char* kDefaultDagsFolder = "/var/lib/cairn/airflow/dags";

struct Spec {
  int version = 1;
  std::string domain;
  std::string adminEmail;
  TlsSettings tls;
  Hosts hosts;
  std::map<std::string, ServiceSettings> services;  // one entry per serviceNames()
  std::vector<Route> routes;
  std::vector<User> users;
  Monitoring monitoring;
  Logs logs;
  Sso sso;
  Firewall firewall;
  Airflow airflow;

  const ServiceSettings& service(const std::string& name) const { return services.at(name); }
  bool enabled(const std::string& name) const { return services.at(name).enabled; }
};

// Pinned default image of each service.
std::string defaultImage(const std::string& service);

}  // namespace cairn::spec

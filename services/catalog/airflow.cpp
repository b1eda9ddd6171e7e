#include <cctype>
#include <cstdint>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "services/catalog/services.hpp"

namespace cairn::catalog {

namespace {

// Airflow 3.x as laid out by the official docker-compose file: a one-shot init job, then the
// API server, scheduler, DAG processor, triggerer and Celery workers on Redis.

const char* const kAirflowUser = "50000:0";  // the image's airflow user; GID 0 is required

// Percent-encodes everything but unreserved characters, for credentials inside URLs.
std::string urlEncoded(const std::string& text) {
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", ch);
      out += escaped;
    }
  }
  return out;
}

// After a rotation the new key encrypts and both decrypt, until `airflow rotate-fernet-key` has
// re-encrypted everything and the old key is forgotten (`cairnctl airflow rotate-fernet-key`).
std::string fernetKeys(const secrets::Secrets& secrets) {
  std::string previous = secrets.previous("airflow_fernet_key");
  return secrets.get("airflow_fernet_key") + (previous.empty() ? "" : "," + previous);
}

// The settings every Airflow container shares. The Fernet key and the JWT secret in particular
// must be the same everywhere: each process would otherwise make up its own JWT secret and task
// processes would fail with "Signature verification failed".
std::map<std::string, std::string> commonEnv(const spec::Spec& spec, const secrets::Secrets& secrets) {
  std::string database = "airflow:" + urlEncoded(secrets.get("airflow_db_password")) + "@postgres:5432/airflow";
  return {
      {"AIRFLOW__CORE__EXECUTOR", "CeleryExecutor"},
      {"AIRFLOW__CORE__AUTH_MANAGER", "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"},
      {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "postgresql+psycopg2://" + database},
      // The driver is named: SQLAlchemy 2.1 makes psycopg 3 the default for postgresql://, on which
      // Celery's database result backend fails ("cannot use a string pattern on a bytes-like object").
      {"AIRFLOW__CELERY__RESULT_BACKEND", "db+postgresql+psycopg2://" + database},
      {"AIRFLOW__CELERY__BROKER_URL", "redis://:" + urlEncoded(secrets.get("redis_password")) + "@redis:6379/0"},
      {"AIRFLOW__CORE__FERNET_KEY", fernetKeys(secrets)},
      {"AIRFLOW__API_AUTH__JWT_SECRET", secrets.get("airflow_jwt_secret")},
      {"AIRFLOW__API__SECRET_KEY", secrets.get("airflow_secret_key")},
      {"AIRFLOW__API__BASE_URL", "https://" + spec.hosts.airflow},
      // Task processes report to the API server over the cairn network: the default, derived
      // from the base URL, would send them through the edge, which wants a browser login.
      {"AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "http://airflow-apiserver:8080/execution/"},
      {"AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "true"},
      {"AIRFLOW__CORE__LOAD_EXAMPLES", "false"},
      {"AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK", "true"},
      // A task whose worker died (killed, out of memory, host rebooted) is failed and retried
      // per its retries after 2 minutes without a heartbeat instead of 5; task processes beat
      // every few seconds, so only a dead one misses that many.
      {"AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT", "120"},
      // A DAG file dropped into the folder shows up within half a minute (default 5 minutes).
      {"AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", "30"},
      // Read by webserver_config.py (rendered by the keycloak part), which every process that
      // sets up the FAB auth manager loads, the init job's `users create` included.
      {"AIRFLOW_KEYCLOAK_CLIENT_SECRET", secrets.get("airflow_client_secret")},
  };
}

const char* const kGitCredentials = "/opt/airflow/dags-git-credentials";

bool isSshUrl(const std::string& url) { return url.rfind("ssh://", 0) == 0 || url.find("://") == std::string::npos; }

// With airflow.dags.git, two DAG bundles: the host folder, as without, and the repository
// (the git provider's GitDagBundle on the connection cairn_dags_git). Credentials reach git from
// the mounted file: a credential store for http(s), the connection's key file for ssh.
void addGitDags(Container& c, const spec::AirflowGitDags& git) {
  nlohmann::json repository = {{"git_conn_id", "cairn_dags_git"},
                               {"tracking_ref", git.branch},
                               {"refresh_interval", std::chrono::duration_cast<std::chrono::seconds>(git.refresh.value).count()}};
  if (!git.subfolder.empty()) repository["subdir"] = git.subfolder;
  const nlohmann::json bundles = {
      {{"name", "dags-folder"}, {"classpath", "airflow.dag_processing.bundles.local.LocalDagBundle"}, {"kwargs", nlohmann::json::object()}},
      {{"name", "git"}, {"classpath", "airflow.providers.git.bundles.git.GitDagBundle"}, {"kwargs", repository}}};
  c.env["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"] = bundles.dump();
  nlohmann::json connection = {{"conn_type", "git"}, {"host", git.url}};
  if (!git.credentialsFile.empty()) {
    c.mounts.push_back({"bind", git.credentialsFile, kGitCredentials, true});
    if (isSshUrl(git.url)) {
      connection["extra"] = {{"key_file", kGitCredentials}, {"strict_host_key_checking", "accept-new"}};
    } else {
      c.env["GIT_CONFIG_COUNT"] = "1";
      c.env["GIT_CONFIG_KEY_0"] = "credential.helper";
      c.env["GIT_CONFIG_VALUE_0"] = std::string("store --file=") + kGitCredentials;
    }
  }
  c.env["AIRFLOW_CONN_CAIRN_DAGS_GIT"] = connection.dump();
}

// The memory of the Airflow containers that run no tasks, about twice what each uses at rest
// (measured with the real image: API server with two workers about 560 MiB, the others 170 to
// 250 MiB; tests/bench/footprint measures it again).
// services.airflow.memory is the workers', whose tasks need what the DAGs need.
const std::map<std::string, std::uint64_t> kControlPlaneMemory = {
    {"airflow-init", 1024ULL << 20},       // migrations, once, before everything else starts
    {"airflow-apiserver", 1024ULL << 20},
    {"airflow-scheduler", 512ULL << 20},
    {"airflow-dag-processor", 512ULL << 20},  // grows with the number of DAG files
    {"airflow-triggerer", 512ULL << 20}};

Container airflowContainer(const std::string& service, const spec::Spec& spec, const secrets::Secrets& secrets) {
  const spec::ServiceSettings& settings = spec.service("airflow");
  spec::Resources resources = settings.resources;
  if (auto fixed = kControlPlaneMemory.find(service); fixed != kControlPlaneMemory.end())
    resources.memory = spec::Size{std::to_string(fixed->second >> 20) + "MiB", fixed->second};
  Container c = hardenedContainer(service, settings.image, resources);
  c.user = kAirflowUser;
  c.env = commonEnv(spec, secrets);
  // The DAG folder is the host's (users of group cairn write it); Airflow only reads it.
  c.mounts = {{"bind", spec.airflow.dags.folder, "/opt/airflow/dags", true},
              volumeMount("cairn-airflow-logs", "/opt/airflow/logs"),
              volumeMount("cairn-airflow-plugins", "/opt/airflow/plugins"),
              renderedMount("airflow/webserver_config.py", "/opt/airflow/webserver_config.py")};
  if (spec.airflow.dags.git) addGitDags(c, *spec.airflow.dags.git);
  c.pidsLimit = 1024;
  return c;
}

// Airflow's processes take minutes to start on two busy cores (the compose file's 30 s start
// period had the API server restarted before it ever answered): failures count after 180 s.
constexpr int kAirflowStartPeriodMs = 180000;

// An HTTP probe (curl): cheap, every 30 s.
Healthcheck airflowCheck(std::vector<std::string> test) { return {std::move(test), 30000, 10000, 5, kAirflowStartPeriodMs}; }

// A probe through Airflow's or Celery's CLI: a Python process that imports Airflow, which takes
// seconds (over 10 under load, the compose file's timeout), so it gets 60 s and runs once a minute.
Healthcheck cliCheck(std::vector<std::string> test) { return {std::move(test), 60000, 60000, 5, kAirflowStartPeriodMs}; }

// `airflow jobs check` for a job of this container; $HOSTNAME is expanded by the probe's shell.
Healthcheck jobCheck(const std::string& jobType) {
  return cliCheck({"CMD-SHELL", "airflow jobs check --job-type " + jobType + " --hostname \"$HOSTNAME\""});
}

// The entrypoint migrates the database and creates the admin user (from the _AIRFLOW_* variables)
// but ignores a failed migration, so the job checks the schema itself before reporting success.
const char* const kInitScript =
    "set -euo pipefail\n"
    "chown -R 50000:0 /opt/airflow/logs /opt/airflow/plugins\n"
    "/entrypoint airflow version\n"
    "airflow db check-migrations --migration-wait-timeout 60\n";

Service initService(const spec::Spec& spec, const secrets::Secrets& secrets) {
  Container c = airflowContainer("airflow-init", spec, secrets);
  c.user = "0:0";  // to chown the volumes
  c.entrypoint = {"/bin/bash"};
  c.command = {"-c", kInitScript};
  c.env["_AIRFLOW_DB_MIGRATE"] = "true";
  c.env["_AIRFLOW_WWW_USER_CREATE"] = "true";
  // Not `admin`: a spec user of that name signs in through Keycloak, and FAB would make them this
  // local account. The emergency account signs in only with its password (API token, CLI).
  c.env["_AIRFLOW_WWW_USER_USERNAME"] = spec::kAirflowLocalAdmin;
  c.env["_AIRFLOW_WWW_USER_FIRSTNAME"] = "cairn";
  c.env["_AIRFLOW_WWW_USER_LASTNAME"] = "local admin";
  c.env["_AIRFLOW_WWW_USER_EMAIL"] = std::string(spec::kAirflowLocalAdmin) + "@" + spec.hosts.airflow;
  c.env["_AIRFLOW_WWW_USER_PASSWORD"] = secrets.get("airflow_admin_password");
  c.capAdd = {"CHOWN", "DAC_OVERRIDE", "FOWNER"};
  c.oneShot = true;
  return {"airflow-init", {"postgres", "redis"}, {c}};
}

const std::vector<std::string> kAfterInit = {"postgres", "redis", "airflow-init"};

Service apiServerService(const spec::Spec& spec, const secrets::Secrets& secrets) {
  Container c = airflowContainer("airflow-apiserver", spec, secrets);
  // Behind nginx, which ends TLS and overwrites X-Forwarded-*: without trusting them the login
  // flow builds http:// redirect URIs that Keycloak rejects. --proxy-headers makes uvicorn read
  // them, FORWARDED_ALLOW_IPS from any peer: requests arrive from the bridge gateway, whose
  // address is not fixed; the port is reachable only from the host's loopback and the cairn network.
  c.command = {"api-server", "--proxy-headers"};
  c.env["FORWARDED_ALLOW_IPS"] = "*";
  c.env["AIRFLOW__API__WORKERS"] = "2";  // the default 4 processes of ~200 MB each on a 2-core VPS
  c.env["AIRFLOW__FAB__ENABLE_PROXY_FIX"] = "True";
  // Airflow's public URL is https://<hosts.airflow>/ (AIRFLOW__API__BASE_URL): the port nginx
  // listens on is not part of the redirect URIs Keycloak knows.
  c.env["AIRFLOW__FAB__PROXY_FIX_X_PORT"] = "0";
  c.ports = {{"127.0.0.1", 8080, 8080}};
  c.healthcheck = airflowCheck({"CMD", "curl", "--fail", "http://localhost:8080/api/v2/monitor/health"});
  return {"airflow-apiserver", kAfterInit, {c}};
}

Service schedulerService(const spec::Spec& spec, const secrets::Secrets& secrets) {
  Container c = airflowContainer("airflow-scheduler", spec, secrets);
  c.command = {"scheduler"};
  c.healthcheck = airflowCheck({"CMD", "curl", "--fail", "http://localhost:8974/health"});
  return {"airflow-scheduler", kAfterInit, {c}};
}

Service dagProcessorService(const spec::Spec& spec, const secrets::Secrets& secrets) {
  Container c = airflowContainer("airflow-dag-processor", spec, secrets);
  c.command = {"dag-processor"};
  c.healthcheck = jobCheck("DagProcessorJob");
  return {"airflow-dag-processor", kAfterInit, {c}};
}

Service triggererService(const spec::Spec& spec, const secrets::Secrets& secrets) {
  Container c = airflowContainer("airflow-triggerer", spec, secrets);
  c.command = {"triggerer"};
  c.healthcheck = jobCheck("TriggererJob");
  return {"airflow-triggerer", kAfterInit, {c}};
}

Service workerService(const spec::Spec& spec, const secrets::Secrets& secrets) {
  Service service{"airflow-worker", kAfterInit, {}};
  service.dependsOn.push_back("airflow-apiserver");  // tasks report to the API server
  for (int i = 1; i <= spec.service("airflow").workers; ++i) {
    Container c = airflowContainer("airflow-worker", spec, secrets);
    c.name += "-" + std::to_string(i);
    c.command = {"celery", "worker"};
    c.env["DUMB_INIT_SETSID"] = "0";  // lets Celery shut down warm on SIGTERM
    c.env["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = std::to_string(spec.service("airflow").workerConcurrency);
    c.healthcheck = cliCheck(
        {"CMD-SHELL",
         "celery --app airflow.providers.celery.executors.celery_executor.app inspect ping -d \"celery@$HOSTNAME\" || "
         "celery --app airflow.executors.celery_executor.app inspect ping -d \"celery@$HOSTNAME\""});
    c.stopTimeoutSeconds = 120;  // running tasks get time to finish
    service.containers.push_back(std::move(c));
  }
  return service;
}

// $1: the folder as seen by this apply (under --root), $2: as the spec writes it, $3: "default"
// when it is the package's folder, which postinst makes (a root of tests may lack it).
const char* const kDagsFolderCheck =
    "dir=$1 shown=$2\n"
    "[ ! -e \"$dir\" ] && [ \"$3\" = default ] && exit 0\n"
    "if [ ! -d \"$dir\" ]; then\n"
    "  echo \"airflow.dags.folder: $shown does not exist or is not a folder (create it: install -d -g cairn -m 2775 $shown)\"\n"
    "  exit 1\n"
    "fi\n"
    "mode=$(stat -c %a \"$dir\") owner=$(stat -c %U:%G \"$dir\")\n"
    "if [ $((0$mode & 002)) -ne 0 ]; then\n"
    "  echo \"airflow.dags.folder: $shown ($owner, mode $mode) is writable by everyone; a DAG is code Airflow runs (chmod o-w $shown)\"\n"
    "  exit 1\n"
    "fi\n"
    "if [ $((0$mode & 020)) -eq 0 ]; then\n"
    "  echo \"airflow.dags.folder: $shown ($owner, mode $mode) is not writable by its group; users of group cairn deliver DAGs there (chgrp cairn $shown; chmod 2775 $shown)\"\n"
    "  exit 1\n"
    "fi\n";

// $1: the file as seen by this apply (under --root), $2: as the spec writes it. The containers
// run as 50000 with group 0, so the file is read through its group (root) or by that owner.
const char* const kGitCredentialsCheck =
    "file=$1 shown=$2\n"
    "if [ ! -f \"$file\" ]; then\n"
    "  echo \"airflow.dags.git.credentials_file: $shown does not exist or is not a file\"\n"
    "  exit 1\n"
    "fi\n"
    "mode=$(stat -c %a \"$file\") owner=$(stat -c %u:%g \"$file\")\n"
    "if [ $((0$mode & 004)) -ne 0 ]; then\n"
    "  echo \"airflow.dags.git.credentials_file: $shown (mode $mode) is readable by everyone (chmod 0640 $shown)\"\n"
    "  exit 1\n"
    "fi\n"
    "if [ \"${owner%%:*}\" != 50000 ] && { [ \"${owner#*:}\" != 0 ] || [ $((0$mode & 040)) -eq 0 ]; }; then\n"
    "  echo \"airflow.dags.git.credentials_file: $shown (owner $owner, mode $mode) cannot be read by Airflow's containers (uid 50000, gid 0): chgrp root $shown; chmod 0640 $shown\"\n"
    "  exit 1\n"
    "fi\n";

}  // namespace

bundle::Command airflowDagsGitCredentialsCheck(const spec::Spec& spec) {
  const std::string& file = spec.airflow.dags.git->credentialsFile;
  return {"airflow-dags-git-credentials", {"/bin/sh", "-c", kGitCredentialsCheck, "sh", "{root}" + file, file}, 10};
}

bundle::Command airflowDagsFolderCheck(const spec::Spec& spec) {
  const std::string& folder = spec.airflow.dags.folder;
  std::string which = folder == spec::kDefaultDagsFolder ? "default" : "spec";
  return {"airflow-dags-folder", {"/bin/sh", "-c", kDagsFolderCheck, "sh", "{root}" + folder, folder, which}, 10};
}

std::vector<Service> airflowServices(const spec::Spec& spec, const secrets::Secrets& secrets) {
  return {initService(spec, secrets),         apiServerService(spec, secrets), schedulerService(spec, secrets),
          dagProcessorService(spec, secrets), triggererService(spec, secrets), workerService(spec, secrets)};
}

}  // namespace cairn::catalog

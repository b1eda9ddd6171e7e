// Real Apache Airflow 3.3 as the catalog renders it, under cairn-supervisord: PostgreSQL and Redis
// from the test service image (tests/support/service_image), Airflow from cairn's Airflow test
// image (tests/support/airflow_image: Airflow and its providers from PyPI, the official image's
// entrypoint contract). Every Airflow container runs the catalog's command and healthcheck
// unchanged. Through Airflow's REST API, as the init job's local account: the package's example
// DAG, dropped into the host DAG folder, is triggered and succeeds on a Celery worker, and its
// task log is readable; a Git repository's DAGs load and a push brings new ones; two workers
// both take tasks, and a worker killed in the middle of a task has that task retried to success;
// a broken DAG file shows its import error in `cairnctl airflow dags`; a Fernet key rotation keeps
// a connection and a variable readable. In Chromium, through the rendered edge, the real
// oauth2-proxy and the real Keycloak of the keycloak_server fixture (reached by the containers as
// keycloak:8080, tests/support/docker/netns_relay.py): the spec's admin, operator and viewer land
// in Airflow as Admin, Op and Viewer, and Airflow's sign-out ends every session. One catalog for
// the whole module, cases in order.
#define BOOST_TEST_MODULE services_airflow
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "appliance/host/http_client.hpp"
#include "appliance/secrets/secrets.hpp"
#include "appliance/spec/load.hpp"
#include "keycloak/desired_realm.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"
#include "tests/integration/services/catalog/supervised_catalog.hpp"
#include "tests/support/browser/browser_support.hpp"
#include "tests/support/keycloak/real_gate.hpp"

using namespace cairn::testing;
using nlohmann::json;

namespace {

const char* const kApi = "http://127.0.0.1:8080";

// The realm of this run in the fixture's Keycloak, whose public name is auth.example.com.
const std::string& realmName() {
  static const std::string realm = uniqueRealmName("airflow");
  return realm;
}

json specJson() {
  json services = {{"postgres", {{"image", "cairn-standin/postgres:1"}}},
                   {"redis", {{"image", "cairn-standin/redis:1"}}},
                   {"airflow", {{"image", AIRFLOW_IMAGE}, {"workers", 2}, {"worker_concurrency", 2}}}};
  // Keycloak is the keycloak_server fixture's, the gate one of the test's own.
  for (const char* off : {"keycloak", "oauth2-proxy", "grafana", "prometheus", "loki"}) services[off] = {{"enabled", false}};
  // The DAG repository is served by git daemon in a container on the cairn network, as a Git
  // server elsewhere would be; the test pushes to it from the host.
  json git = {{"url", "git://git-server/dags.git"}, {"branch", "main"}, {"subfolder", "dags"}, {"refresh", "10s"}};
  json users = json::array();
  for (const char* role : {"admin", "operator", "viewer"})
    users.push_back({{"username", role}, {"email", std::string(role) + "@example.com"}, {"roles", {role}}});
  return json{{"version", 1}, {"domain", "example.com"}, {"sso", {{"realm", realmName()}}}, {"users", users},
              {"services", services}, {"airflow", {{"dags", {{"git", git}}}}}};
}

std::string specText() { return specJson().dump(2); }

std::string quoted(const std::string& text) { return "'" + text + "'"; }  // no ' in what is quoted

// An API answer as JSON (null when curl failed or the body is not JSON).
json api(const std::string& token, const std::string& method, const std::string& path, const json& body = nullptr) {
  std::string command = "curl -sS -X " + method + " -H 'Authorization: Bearer " + token + "' " + quoted(std::string(kApi) + path);
  if (!body.is_null()) command += " -H 'Content-Type: application/json' -d " + quoted(body.dump());
  std::string output;
  if (runCommand(command + " 2>/dev/null", &output) != 0) return nullptr;
  return json::parse(output, nullptr, false);
}

std::string tokenFor(const std::string& username, const std::string& password) {
  json body = {{"username", username}, {"password", password}};
  std::string output = run("curl -sS -X POST -H 'Content-Type: application/json' -d " + quoted(body.dump()) + " " +
                           std::string(kApi) + "/auth/token");
  json answer = json::parse(output, nullptr, false);
  BOOST_REQUIRE_MESSAGE(answer.is_object() && answer.contains("access_token"), "no token: " + output);
  return answer["access_token"];
}

// A string field of an API answer, "" when it is missing or null (a task not started yet has no hostname).
std::string field(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

// Airflow's answers and docker exec are slow: conditions on them are polled every 3 s.
constexpr std::chrono::seconds kAirflowPoll{3};

std::string cairnctl(SupervisedCatalog& catalog, const std::string& arguments, int* status = nullptr) {
  std::string output;
  int code = runCommand(std::string(CAIRN_CTL) + " --root " + catalog.root.path() + " " + arguments + " 2>&1", &output);
  if (status) *status = code;
  return output;
}

std::string dagsListing(SupervisedCatalog& catalog) { return cairnctl(catalog, "airflow dags"); }

std::string schedulerFernetKeys() {
  return run("docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' cairn-airflow-scheduler | "
             "sed -n 's/^AIRFLOW__CORE__FERNET_KEY=//p'");
}

// Whether every long-running Airflow container runs with exactly these Fernet keys and is healthy
// (what the engine says now, not the supervisor's last look).
bool airflowHealthyWithKeys(const std::string& keys) {
  for (const char* name : {"cairn-airflow-apiserver", "cairn-airflow-scheduler", "cairn-airflow-dag-processor",
                           "cairn-airflow-triggerer", "cairn-airflow-worker-1", "cairn-airflow-worker-2"}) {
    std::string state;
    runCommand(std::string("docker inspect -f '{{println .State.Health.Status}}{{range .Config.Env}}{{println .}}{{end}}' ") + name +
                   " 2>/dev/null",
               &state);
    if (state.rfind("healthy\n", 0) != 0 || state.find("\nAIRFLOW__CORE__FERNET_KEY=" + keys + "\n") == std::string::npos) {
      return false;
    }
  }
  return true;
}

json waitForDag(const std::string& token, const std::string& dagId) {
  json dag;
  BOOST_REQUIRE_MESSAGE(waitFor([&] { return (dag = api(token, "GET", "/api/v2/dags/" + dagId)).value("dag_id", "") == dagId; },
                                std::chrono::minutes(3), kAirflowPoll),
                        dagId + " was not parsed: " + dag.dump());
  return dag;
}

// Unpauses the DAG and triggers a run with `conf`; the run's API path.
std::string unpauseAndTrigger(const std::string& token, const std::string& dagId, const json& conf = json::object()) {
  json unpaused = api(token, "PATCH", "/api/v2/dags/" + dagId, {{"is_paused", false}});
  BOOST_REQUIRE_MESSAGE(unpaused.value("is_paused", true) == false, unpaused.dump());
  json triggered = api(token, "POST", "/api/v2/dags/" + dagId + "/dagRuns", {{"logical_date", nullptr}, {"conf", conf}});
  BOOST_REQUIRE_MESSAGE(triggered.contains("dag_run_id"), triggered.dump());
  return "/api/v2/dags/" + dagId + "/dagRuns/" + cairn::host::urlEncode(triggered["dag_run_id"].get<std::string>());
}

// The run once it succeeded or failed (as it stands at the deadline otherwise).
json waitForRunEnd(const std::string& token, const std::string& runPath, std::chrono::minutes deadline) {
  json dagRun;
  waitFor([&] {
    std::string state = field(dagRun = api(token, "GET", runPath), "state");
    return state == "success" || state == "failed";
  }, deadline, kAirflowPoll);
  return dagRun;
}

// Worker container names by the host name their tasks report.
std::map<std::string, std::string> workerContainersByHostname() {
  std::map<std::string, std::string> workers;
  for (const char* name : {"cairn-airflow-worker-1", "cairn-airflow-worker-2"}) {
    std::string hostname = run(std::string("docker inspect -f '{{.Config.Hostname}}' ") + name);
    hostname.erase(hostname.find_last_not_of('\n') + 1);
    workers[hostname] = name;
  }
  return workers;
}

// A DAG with one task that does nothing.
std::string dagSource(const std::string& dagId) {
  return "import datetime\n"
         "from airflow.sdk import dag, task\n\n\n"
         "@dag(dag_id=\"" + dagId + "\", schedule=None, catchup=False,\n"
         "     start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc))\n"
         "def the_dag():\n"
         "    @task\n"
         "    def nothing() -> None:\n"
         "        pass\n\n"
         "    nothing()\n\n\n"
         "the_dag()\n";
}

const char* const kGitServer = "airflow-test-git";

// Commits everything in the work tree and pushes it to the bare repository.
void commitAndPush(const std::string& work, const std::string& message) {
  run("git -C " + work + " add -A && git -C " + work + " -c user.name=test -c user.email=test@example.com commit -q -m " +
      quoted(message) + " && git -C " + work + " push -q origin main");
}

// The catalog with the example DAG in its host folder and a DAG repository, up and healthy, for
// every case below.
struct AirflowCatalog {
  static SupervisedCatalog* catalog;
  std::unique_ptr<SupervisedCatalog> owned;

  AirflowCatalog() {
    owned = std::make_unique<SupervisedCatalog>(specText(), [](const TempDir& root) {
      std::string dags = root / "var/lib/cairn/airflow/dags";
      run("install -d -m 2775 " + dags);
      run("install -m 0644 " + std::string(EXAMPLE_DAG) + " " + dags + "/cairn_example.py");
      run("install -m 0644 " + std::string(TEST_DAGS) + "/cairn_spread.py " + dags + "/cairn_spread.py");
      // The repository: a DAG in the bundle's subfolder, and one outside it that must not load.
      run("git init -q --bare -b main " + (root / "srv/git/dags.git"));
      run("git clone -q " + (root / "srv/git/dags.git") + " " + (root / "work/dags") + " 2>/dev/null");
      run("mkdir -p " + (root / "work/dags/dags"));
      writeFile(root / "work/dags/dags/cairn_from_git.py", dagSource("cairn_from_git"));
      writeFile(root / "work/dags/outside.py", dagSource("cairn_outside_the_subfolder"));
      commitAndPush(root / "work/dags", "first DAGs");
    });
    catalog = owned.get();
    runCommand(std::string("docker rm -f ") + kGitServer + " >/dev/null 2>&1");
    BOOST_REQUIRE_MESSAGE(waitFor([] { return runCommand("docker network inspect cairn >/dev/null 2>&1") == 0; },
                                  std::chrono::minutes(2)),
                          "the supervisor made no cairn network");
    run(std::string("docker run -d --name ") + kGitServer + " --network cairn --network-alias git-server --user 0:0 " +
        "--entrypoint git -v " + (catalog->root / "srv/git") + ":/srv/git:ro " + AIRFLOW_IMAGE +
        " daemon --base-path=/srv/git --export-all --reuseaddr --informative-errors /srv/git");
  }
  ~AirflowCatalog() {
    runCommand(std::string("docker rm -f ") + kGitServer + " >/dev/null 2>&1");  // before the network goes
    catalog = nullptr;
  }

  static json waitUntilReady(std::chrono::minutes deadline) {
    json status;
    BOOST_REQUIRE_MESSAGE(waitFor([&] { return everyServiceReady(status = catalog->status()); }, deadline, kAirflowPoll),
                          "Airflow did not come up healthy: " + status.dump(1) + "\n" +
                              logOf(catalog->root / "supervisord.log").substr(0, 20000));
    return status;
  }
  static std::string token() {
    return tokenFor("cairn-local-admin", catalog->secrets()["airflow_admin_password"]["value"]);
  }
};
SupervisedCatalog* AirflowCatalog::catalog = nullptr;

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(AirflowCatalog);

BOOST_AUTO_TEST_CASE(every_airflow_container_turns_healthy_with_the_catalogs_own_healthchecks) {
  json status = AirflowCatalog::waitUntilReady(std::chrono::minutes(8));
  int checked = 0;
  for (const auto& service : status["services"]) {
    std::string name = service.value("name", "");
    if (name.rfind("airflow", 0) != 0 || name == "airflow-init") continue;
    BOOST_TEST(service.value("health", "") == "healthy", name);
    ++checked;
  }
  BOOST_TEST(checked == 5);  // api-server, scheduler, dag-processor, triggerer, the workers (both containers)
  BOOST_TEST(run("docker inspect -f '{{.State.Health.Status}}' cairn-airflow-worker-1 cairn-airflow-worker-2") == "healthy\nhealthy\n");
}

BOOST_AUTO_TEST_CASE(the_local_admin_gets_api_tokens_and_a_wrong_password_none) {
  std::string token = AirflowCatalog::token();
  BOOST_TEST(run("curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "
                 "'{\"username\": \"cairn-local-admin\", \"password\": \"wrong\"}' " + std::string(kApi) + "/auth/token") ==
             "401");
  json me = api(token, "GET", "/auth/fab/v1/users/cairn-local-admin");
  BOOST_TEST(me.dump().find("\"Admin\"") != std::string::npos, me.dump());
  // No local account is named like the spec's users: `admin` signs in through Keycloak only.
  BOOST_TEST(run("curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer " + token + "' " +
                 std::string(kApi) + "/auth/fab/v1/users/admin") == "404");
}

BOOST_AUTO_TEST_CASE(the_login_goes_straight_to_keycloak_with_https_redirects_behind_the_edge) {
  auto location = [](const std::string& path, const std::string& headers) {
    return run("curl -s -o /dev/null -w '%{redirect_url}' " + headers + " " + quoted(std::string(kApi) + path));
  };
  const std::string edge = "-H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: airflow.example.com'";
  // No page of provider buttons: /auth/login/ sends the browser on to the Keycloak provider.
  BOOST_TEST(location("/auth/login/?next=https://airflow.example.com/dags", edge) ==
             std::string(kApi) + "/auth/login/keycloak?next=https://airflow.example.com/dags");
  std::string keycloak = location("/auth/login/keycloak", edge);
  BOOST_TEST(keycloak.rfind("https://auth.example.com/realms/" + realmName() + "/protocol/openid-connect/auth?", 0) == 0u,
             keycloak);
  BOOST_TEST(keycloak.find("redirect_uri=https%3A%2F%2Fairflow.example.com%2Fauth%2Foauth-authorized%2Fkeycloak") !=
                 std::string::npos, keycloak);
  BOOST_TEST(keycloak.find("code_challenge_method=S256") != std::string::npos, keycloak);
}

// The catalog's containers reach Keycloak as keycloak:8080 on the cairn network; here that name
// belongs to an idle container whose network namespace relays to the fixture's Keycloak on the
// host's loopback. Nothing listens on the host for it.
struct KeycloakOnTheCairnNetwork {
  static constexpr const char* kName = "airflow-test-keycloak";
  std::unique_ptr<ChildProcess> relay;

  KeycloakOnTheCairnNetwork(const KeycloakServer& server, const std::string& log) {
    runCommand(std::string("docker rm -f ") + kName + " >/dev/null 2>&1");
    run(std::string("docker run -d --name ") + kName + " --network cairn --network-alias keycloak --entrypoint sleep " +
        AIRFLOW_IMAGE + " infinity");
    std::string pid = run(std::string("docker inspect -f '{{.State.Pid}}' ") + kName);
    std::string port = server.url.substr(server.url.rfind(':') + 1);
    relay = std::make_unique<ChildProcess>(
        std::vector<std::string>{"python3", NETNS_RELAY, pid.substr(0, pid.find('\n')), "8080", port}, log);
    BOOST_REQUIRE_MESSAGE(waitFor([&] { return logOf(log).find("ready") != std::string::npos; }, std::chrono::seconds(10)),
                          "the relay did not start: " + logOf(log));
  }
  ~KeycloakOnTheCairnNetwork() {
    relay->stop();
    runCommand(std::string("docker rm -f ") + kName + " >/dev/null 2>&1");
  }
};

BOOST_AUTO_TEST_CASE(admin_operator_and_viewer_sign_in_through_the_edge_and_land_with_their_airflow_roles) {
  SupervisedCatalog& catalog = *AirflowCatalog::catalog;
  AirflowCatalog::waitUntilReady(std::chrono::minutes(8));
  waitForDag(AirflowCatalog::token(), "cairn_example");
  auto server = keycloakServer();
  RealmCleanup cleanup(server, realmName());
  TempDir dir;
  std::string screenshots = AIRFLOW_SIGN_IN_OUTPUT;
  std::filesystem::remove_all(screenshots);
  std::filesystem::create_directories(screenshots);

  // The spec the catalog was applied with, as the edge and the gate see it: with the test's
  // certificate, and with Keycloak and the gate, which run outside the catalog here.
  json edgeSpec = specJson();
  edgeSpec["services"]["keycloak"] = {{"enabled", true}};
  edgeSpec["services"]["oauth2-proxy"] = {{"enabled", true}};
  edgeSpec["tls"] = {{"mode", "provided"}, {"certificate", "/etc/ssl/cairn-test/fullchain.pem"},
                     {"key", "/etc/ssl/cairn-test/privkey.pem"}};
  auto spec = cairn::spec::loadSpec(edgeSpec.dump());
  auto secrets = cairn::secrets::Secrets::fromJson(readJson(catalog.root / "etc/cairn/secrets.json"));
  auto passwords = syncIntoFixture(server, spec, secrets, dir);

  KeycloakOnTheCairnNetwork keycloak(server, dir / "relay.log");
  RedisServer redis(secrets.get("redis_password"), dir.path());
  std::string config = writeRenderedGate(spec, secrets, dir, server.url, redis.url());
  Oauth2Proxy gate(config, freeLoopbackPort(), dir / "oauth2-proxy.log", secrets.get("redis_password"));
  EdgeHarness edge(EdgeHarness::Gate::kNone);
  makeTrustedCertificate(spec.domain, edge.root() + "/etc/ssl/cairn-test", dir / "home", dir.path());
  std::string keycloakAddress = server.url.substr(server.url.find("://") + 3);
  std::string gateAddress = gate.url().substr(gate.url().find("://") + 3);
  edge.setUpstreams({keycloakAddress, gateAddress, edge.options().upstreams.grafana, "127.0.0.1:8080"});
  auto applied = edge.apply(spec);
  BOOST_REQUIRE_MESSAGE(applied.status == cairn::apply::ApplyStatus::kApplied, applied.message);

  const std::vector<std::string> roles = {"admin", "operator", "viewer"};
  json users;
  for (const auto& role : roles)
    users[role] = {{"username", role}, {"password", passwords.take(role).value()}, {"newPassword", "Airflow-" + role + "-1"}};
  std::string port = std::to_string(edge.options().httpsPort);
  json settings = {{"chromium", "/usr/bin/chromium"},
                   {"home", dir / "home"},
                   {"host_resolver_rules", "MAP example.com 127.0.0.1:" + port + ", MAP *.example.com 127.0.0.1:" + port},
                   {"screenshots", screenshots},
                   {"cookie_name", cairn::keycloak::kOauth2ProxyCookieName},
                   {"hosts", {{"airflow", spec.hosts.airflow}, {"auth", spec.hosts.auth}}},
                   {"roles", roles},
                   {"users", users},
                   {"dag", "cairn_example"}};
  auto journey = runBrowserJourney(AIRFLOW_SIGN_IN_JOURNEY, settings, dir.path(), std::chrono::seconds(420));
  BOOST_REQUIRE_MESSAGE(journey.exitCode == 0 && journey.seen.is_object(),
                        journey.output + "\noauth2-proxy:\n" + logOf(dir / "oauth2-proxy.log").substr(0, 6000) +
                            "\nAirflow's API server:\n" + run("docker logs --tail 80 cairn-airflow-apiserver 2>&1"));
  const json& seen = journey.seen;
  BOOST_TEST_MESSAGE("Airflow sign-in journey: " << seen.dump());

  // What Airflow made of each user, as its API tells the local admin: the role of their group.
  const std::map<std::string, std::string> expected = {{"admin", "Admin"}, {"operator", "Op"}, {"viewer", "Viewer"}};
  std::string token = AirflowCatalog::token();
  for (const auto& [role, airflowRole] : expected) {
    const json& user = seen["users"][role];
    BOOST_TEST(user["login_host"] == spec.hosts.auth, role);
    BOOST_TEST(user["landed"].get<std::string>().rfind("https://" + spec.hosts.airflow + "/", 0) == 0u, user.dump());
    BOOST_TEST(user["keycloak_visits"] == 2, role + ": the gate's and Airflow's, " + user.dump());
    BOOST_TEST(user["airflow_logins"] == 1, user.dump());
    json account = api(token, "GET", "/auth/fab/v1/users/" + role);
    json names = json::array();
    for (const auto& r : account.value("roles", json::array())) names.push_back(r.value("name", ""));
    BOOST_TEST(names == json::array({airflowRole}), role + ": " + account.dump());
    BOOST_TEST(account.value("email", "") == role + "@example.com", account.dump());
    // The browser's own Airflow session, through the edge: everyone reads, a viewer may not pause.
    BOOST_TEST(user["read"]["status"] == 200, user.dump());
    BOOST_TEST(user["pause"]["status"] == (role == "viewer" ? 403 : 200), user.dump());
    BOOST_TEST(user["security_menu"] == (role == "admin"), user.dump());
  }
  for (const auto& step : seen["steps"]) BOOST_TEST(std::filesystem::file_size(step["screenshot"].get<std::string>()) > 10000u);

  // Signing out of Airflow went through the gate's sign-out: Keycloak asks for the password again,
  // the gate's cookie is gone, and Airflow's token of that session no longer works.
  const json& out = seen["sign_out"];
  bool viaGate = false;
  for (const auto& step : out["chain"]) viaGate = viaGate || step.get<std::string>().find("/oauth2/sign_out") != std::string::npos;
  BOOST_TEST(viaGate, out.dump());
  BOOST_TEST(out["asks_for_password"] == true, out.dump());
  BOOST_TEST(out["gate_cookie_left"] == false, out.dump());
  BOOST_REQUIRE_MESSAGE(out["token_before"].is_string(), out.dump());
  json refused = api(out["token_before"], "GET", "/api/v2/dags/cairn_example");
  BOOST_TEST(refused.value("detail", "") == "Invalid JWT token", refused.dump());  // revoked
  BOOST_TEST(api(token, "GET", "/api/v2/dags/cairn_example").value("dag_id", "") == "cairn_example");
}

BOOST_AUTO_TEST_CASE(the_example_dag_runs_to_success_on_a_celery_worker_with_a_readable_task_log) {
  std::string token = AirflowCatalog::token();
  json dag = waitForDag(token, "cairn_example");
  BOOST_TEST(dag.value("is_paused", false));  // every new DAG starts paused

  std::string runPath = unpauseAndTrigger(token, "cairn_example");
  json dagRun = waitForRunEnd(token, runPath, std::chrono::minutes(4));
  json tasks = api(token, "GET", runPath + "/taskInstances");
  BOOST_REQUIRE_MESSAGE(field(dagRun, "state") == "success", dagRun.dump() + "\n" + tasks.dump(1));

  // It ran on a Celery worker: the task instance names a worker container's host name.
  const auto workers = workerContainersByHostname();
  std::string hostname;
  int succeeded = 0;
  for (const auto& task : tasks.value("task_instances", json::array())) {
    succeeded += field(task, "state") == "success";
    if (task.value("task_id", "") == "hello") hostname = field(task, "hostname");
  }
  BOOST_TEST(succeeded == 2);
  BOOST_TEST(workers.count(hostname) == 1u, hostname);
  json log = api(token, "GET", runPath + "/taskInstances/hello/logs/1?full_content=true");
  BOOST_TEST(log.dump().find("hello from cairn on worker " + hostname) != std::string::npos, log.dump().substr(0, 2000));
}

BOOST_AUTO_TEST_CASE(a_git_repository_brings_the_dags_of_its_subfolder_and_a_push_updates_them) {
  SupervisedCatalog& catalog = *AirflowCatalog::catalog;
  std::string token = AirflowCatalog::token();
  json dag = waitForDag(token, "cairn_from_git");
  BOOST_TEST(field(dag, "bundle_name") == "git", dag.dump());
  BOOST_TEST(field(api(token, "GET", "/api/v2/dags/cairn_outside_the_subfolder"), "dag_id").empty());
  // A worker runs it from its own copy of the bundle, at the version the DAG was parsed from.
  std::string runPath = unpauseAndTrigger(token, "cairn_from_git");
  json dagRun = waitForRunEnd(token, runPath, std::chrono::minutes(4));
  BOOST_TEST(field(dagRun, "state") == "success", dagRun.dump() + "\n" + api(token, "GET", runPath + "/taskInstances").dump(1));

  writeFile(catalog.root / "work/dags/dags/cairn_pushed.py", dagSource("cairn_pushed"));
  commitAndPush(catalog.root / "work/dags", "one more DAG");
  dag = waitForDag(token, "cairn_pushed");
  BOOST_TEST(field(dag, "bundle_name") == "git", dag.dump());
  std::string listing = dagsListing(catalog);
  BOOST_TEST(listing.find("cairn_pushed") != std::string::npos, listing);
  BOOST_TEST(listing.find(" git ") != std::string::npos, listing);
}

BOOST_AUTO_TEST_CASE(with_two_workers_both_take_tasks) {
  std::string token = AirflowCatalog::token();
  waitForDag(token, "cairn_spread");
  std::string runPath = unpauseAndTrigger(token, "cairn_spread");
  json dagRun = waitForRunEnd(token, runPath, std::chrono::minutes(5));
  json tasks = api(token, "GET", runPath + "/taskInstances?limit=100");
  BOOST_REQUIRE_MESSAGE(field(dagRun, "state") == "success", dagRun.dump() + "\n" + tasks.dump(1));
  // Six tasks of 15 s, two at a time per worker: one worker alone could not have run them all.
  const auto workers = workerContainersByHostname();
  std::map<std::string, int> perWorker;
  for (const auto& task : tasks.value("task_instances", json::array())) {
    BOOST_TEST(field(task, "state") == "success");
    ++perWorker[workers.count(field(task, "hostname")) ? workers.at(field(task, "hostname")) : "elsewhere"];
  }
  BOOST_TEST(perWorker["cairn-airflow-worker-1"] > 0, tasks.dump(1));
  BOOST_TEST(perWorker["cairn-airflow-worker-2"] > 0, tasks.dump(1));
  BOOST_TEST(perWorker.count("elsewhere") == 0u);
}

BOOST_AUTO_TEST_CASE(a_worker_killed_in_the_middle_of_a_task_gets_it_retried_and_the_dag_succeeds) {
  SupervisedCatalog& catalog = *AirflowCatalog::catalog;
  std::string token = AirflowCatalog::token();
  // hello holds its worker for 40 s, time to kill that worker while it runs.
  std::string runPath = unpauseAndTrigger(token, "cairn_example", {{"seconds", 40}});
  json hello;
  BOOST_REQUIRE_MESSAGE(waitFor([&] {
    hello = api(token, "GET", runPath + "/taskInstances/hello");
    return field(hello, "state") == "running" && !field(hello, "hostname").empty();
  }, std::chrono::minutes(3), kAirflowPoll), hello.dump());
  const auto workers = workerContainersByHostname();
  BOOST_REQUIRE(workers.count(field(hello, "hostname")) == 1u);
  const std::string victim = workers.at(field(hello, "hostname"));
  BOOST_TEST(hello.value("try_number", 0) == 1);
  run("docker kill " + victim);

  json dagRun = waitForRunEnd(token, runPath, std::chrono::minutes(8));
  hello = api(token, "GET", runPath + "/taskInstances/hello");
  BOOST_REQUIRE_MESSAGE(field(dagRun, "state") == "success", dagRun.dump() + "\n" + hello.dump(1));
  BOOST_TEST(hello.value("try_number", 0) == 2, hello.dump());  // the killed try failed, the retry ran it
  // The supervisor brought the killed worker back.
  json status;
  BOOST_TEST(waitFor([&] { return everyServiceReady(status = catalog.status()); }, std::chrono::minutes(5), kAirflowPoll),
             status.dump(1));
}

BOOST_AUTO_TEST_CASE(a_dropped_dag_file_appears_and_a_broken_one_shows_its_import_error) {
  SupervisedCatalog& catalog = *AirflowCatalog::catalog;
  std::string dags = catalog.root / "var/lib/cairn/airflow/dags";
  writeFile(dags + "/broken.py", "from airflow.sdk import dag\n\ndef oops(:\n    pass\n");
  run("sed 's/cairn_example/cairn_example_copy/g' " + dags + "/cairn_example.py > " + dags + "/copy.py");
  std::string listing;
  BOOST_TEST(waitFor([&] {
    listing = dagsListing(catalog);
    return listing.find("cairn_example_copy") != std::string::npos && listing.find("broken.py: ") != std::string::npos;
  }, std::chrono::minutes(3), kAirflowPoll), listing);
  BOOST_TEST(listing.find("broken.py: SyntaxError: invalid syntax") != std::string::npos, listing);
  BOOST_TEST(listing.find("cairn_example  ") != std::string::npos, listing);
  json asJson = json::parse(cairnctl(catalog, "airflow dags --json"), nullptr, false);
  BOOST_TEST(asJson["import_errors"].size() == 1u, asJson.dump());
  BOOST_TEST(everyServiceReady(catalog.status()));  // a broken DAG stops nothing
}

BOOST_AUTO_TEST_CASE(a_fernet_key_rotation_keeps_connections_and_variables_readable) {
  SupervisedCatalog& catalog = *AirflowCatalog::catalog;
  std::string token = AirflowCatalog::token();
  json created = api(token, "POST", "/api/v2/connections",
                     {{"connection_id", "cairn_rotation"}, {"conn_type", "http"}, {"host", "example.com"},
                      {"password", "kept-across-rotation"}});
  BOOST_REQUIRE_MESSAGE(created.value("connection_id", "") == "cairn_rotation", created.dump());
  json variable = api(token, "POST", "/api/v2/variables", {{"key", "cairn_rotation"}, {"value", "kept-too"}});
  BOOST_REQUIRE_MESSAGE(variable.value("key", "") == "cairn_rotation", variable.dump());
  std::string oldKey = catalog.secrets()["airflow_fernet_key"]["value"];
  BOOST_TEST(schedulerFernetKeys() == oldKey + "\n");

  int status = 0;
  std::string output = cairnctl(catalog, "airflow rotate-fernet-key", &status);
  BOOST_TEST(status == 2, "nothing to retire yet: " + output);

  run(std::string(CAIRN_CTL) + " --root " + catalog.root.path() + " secrets rotate airflow_fernet_key");
  std::string newKey = catalog.secrets()["airflow_fernet_key"]["value"];
  BOOST_REQUIRE(newKey != oldKey);
  BOOST_TEST(catalog.secrets()["airflow_fernet_key"]["previous"] == oldKey);
  run(std::string(CAIRN_CTL) + " --root " + catalog.root.path() + " apply");
  BOOST_REQUIRE_MESSAGE(waitFor([&] { return airflowHealthyWithKeys(newKey + "," + oldKey); }, std::chrono::minutes(10), kAirflowPoll),
                        "Airflow was not recreated healthy with both keys: " + cairnctl(catalog, "status"));

  output = cairnctl(catalog, "airflow rotate-fernet-key", &status);
  BOOST_REQUIRE_MESSAGE(status == 0, output);
  BOOST_TEST(!catalog.secrets()["airflow_fernet_key"].contains("previous"));
  run(std::string(CAIRN_CTL) + " --root " + catalog.root.path() + " apply");
  BOOST_REQUIRE_MESSAGE(waitFor([&] { return airflowHealthyWithKeys(newKey); }, std::chrono::minutes(10), kAirflowPoll),
                        "Airflow was not recreated healthy with the new key alone: " + cairnctl(catalog, "status"));

  // Only the new key is left, and it decrypts what was written before the rotation.
  std::string connection = run("docker exec cairn-airflow-scheduler airflow connections get cairn_rotation -o json");
  BOOST_TEST(connection.find("\"kept-across-rotation\"") != std::string::npos, connection);
  json read = api(AirflowCatalog::token(), "GET", "/api/v2/variables/cairn_rotation");
  BOOST_TEST(read.value("value", "") == "kept-too", read.dump());
}

// Real Apache Airflow 3.3 as the catalog renders it, under cairn-supervisord: PostgreSQL and Redis
// from the test service image (tests/support/service_image), Airflow from cairn's Airflow test
// image (tests/support/airflow_image: Airflow and its providers from PyPI, the official image's
// entrypoint contract). Every Airflow container runs the catalog's command and healthcheck
// unchanged. Through Airflow's REST API, as the init job's local account: the package's example
// DAG, dropped into the host DAG folder, is triggered and succeeds on a Celery worker, and its
// task log is readable; a broken DAG file shows its import error in `cairnctl airflow dags`; the
// login goes straight to Keycloak with https redirect URIs behind the edge; a Fernet key rotation
// keeps a connection and a variable readable. One catalog for the whole module, cases in order.
#define BOOST_TEST_MODULE services_airflow
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <thread>

#include "appliance/host/http_client.hpp"
#include "tests/integration/services/catalog/supervised_catalog.hpp"

using namespace cairn::testing;
using nlohmann::json;

namespace {

const char* const kApi = "http://127.0.0.1:8080";

std::string specText() {
  json services = {{"postgres", {{"image", "cairn-standin/postgres:1"}}},
                   {"redis", {{"image", "cairn-standin/redis:1"}}},
                   {"airflow", {{"image", AIRFLOW_IMAGE}, {"workers", 1}}}};
  for (const char* off : {"keycloak", "oauth2-proxy", "grafana", "prometheus", "loki"}) services[off] = {{"enabled", false}};
  return json{{"version", 1}, {"domain", "airflow.localhost"}, {"services", services}}.dump(2);
}

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
                           "cairn-airflow-triggerer", "cairn-airflow-worker-1"}) {
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

// The catalog with the example DAG in its host folder, up and healthy, for every case below.
struct AirflowCatalog {
  static SupervisedCatalog* catalog;
  std::unique_ptr<SupervisedCatalog> owned;

  AirflowCatalog() {
    owned = std::make_unique<SupervisedCatalog>(specText(), [](const TempDir& root) {
      std::string dags = root / "var/lib/cairn/airflow/dags";
      run("install -d -m 2775 " + dags);
      run("install -m 0644 " + std::string(EXAMPLE_DAG) + " " + dags + "/cairn_example.py");
    });
    catalog = owned.get();
  }
  ~AirflowCatalog() { catalog = nullptr; }

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
  BOOST_TEST(checked == 5);  // api-server, scheduler, dag-processor, triggerer, one worker
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
  const std::string edge = "-H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: airflow.airflow.localhost'";
  // No page of provider buttons: /auth/login/ sends the browser on to the Keycloak provider.
  BOOST_TEST(location("/auth/login/?next=https://airflow.airflow.localhost/dags", edge) ==
             std::string(kApi) + "/auth/login/keycloak?next=https://airflow.airflow.localhost/dags");
  std::string keycloak = location("/auth/login/keycloak", edge);
  BOOST_TEST(keycloak.rfind("https://auth.airflow.localhost/realms/cairn/protocol/openid-connect/auth?", 0) == 0u, keycloak);
  BOOST_TEST(keycloak.find("redirect_uri=https%3A%2F%2Fairflow.airflow.localhost%2Fauth%2Foauth-authorized%2Fkeycloak") !=
                 std::string::npos, keycloak);
  BOOST_TEST(keycloak.find("code_challenge_method=S256") != std::string::npos, keycloak);
}

BOOST_AUTO_TEST_CASE(the_example_dag_runs_to_success_on_a_celery_worker_with_a_readable_task_log) {
  std::string token = AirflowCatalog::token();
  json dag;
  BOOST_REQUIRE_MESSAGE(waitFor([&] { return (dag = api(token, "GET", "/api/v2/dags/cairn_example")).value("dag_id", "") == "cairn_example"; },
                                   std::chrono::minutes(3), kAirflowPoll),
                        "cairn_example was not parsed: " + dag.dump() + "\n" + dagsListing(*AirflowCatalog::catalog));
  BOOST_TEST(dag.value("is_paused", false));  // every new DAG starts paused

  json unpaused = api(token, "PATCH", "/api/v2/dags/cairn_example", {{"is_paused", false}});
  BOOST_REQUIRE_MESSAGE(unpaused.value("is_paused", true) == false, unpaused.dump());
  json triggered = api(token, "POST", "/api/v2/dags/cairn_example/dagRuns", {{"logical_date", nullptr}});
  BOOST_REQUIRE_MESSAGE(triggered.contains("dag_run_id"), triggered.dump());
  std::string runPath = "/api/v2/dags/cairn_example/dagRuns/" + cairn::host::urlEncode(triggered["dag_run_id"].get<std::string>());
  json dagRun;
  BOOST_REQUIRE(waitFor([&] {
    std::string state = (dagRun = api(token, "GET", runPath)).value("state", "");
    return state == "success" || state == "failed";
  }, std::chrono::minutes(4), kAirflowPoll));
  json tasks = api(token, "GET", runPath + "/taskInstances");
  BOOST_REQUIRE_MESSAGE(dagRun.value("state", "") == "success", dagRun.dump() + "\n" + tasks.dump(1));

  // It ran on the Celery worker: the task instance names the worker container's host name.
  std::string workerHost = run("docker inspect -f '{{.Config.Hostname}}' cairn-airflow-worker-1");
  workerHost.erase(workerHost.find_last_not_of('\n') + 1);
  std::string hostname;
  int succeeded = 0;
  for (const auto& task : tasks.value("task_instances", json::array())) {
    succeeded += task.value("state", "") == "success";
    if (task.value("task_id", "") == "hello") hostname = task.value("hostname", "");
  }
  BOOST_TEST(succeeded == 2);
  BOOST_TEST(hostname == workerHost);
  json log = api(token, "GET", runPath + "/taskInstances/hello/logs/1?full_content=true");
  BOOST_TEST(log.dump().find("hello from cairn on worker " + workerHost) != std::string::npos, log.dump().substr(0, 2000));
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

// The whole rendered catalog on the real Docker engine: `cairnctl apply` renders containers.json
// from a spec that points every service at the test's service image (tests/support/service_image:
// real PostgreSQL, Redis and Prometheus, stand-ins for the services that cannot be obtained here), and
// cairn-supervisord brings it up. Docker's own event record proves the dependency order.
#define BOOST_TEST_MODULE services_rendered_catalog
#include <boost/test/unit_test.hpp>

#include <map>
#include <sstream>

#include "tests/integration/services/catalog/supervised_catalog.hpp"

using namespace cairn::testing;
using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

const std::vector<std::string> kServices = {"postgres", "redis", "keycloak", "oauth2-proxy",
                                            "loki", "grafana", "prometheus", "airflow"};

std::string specFor(const std::string& domain) {
  json services = json::object();
  for (const auto& service : kServices) services[service] = {{"image", "cairn-standin/" + service + ":1"}};
  return json{{"version", 1}, {"domain", domain}, {"admin_email", "ops@" + domain}, {"services", services}}.dump(2);
}

// When each container first started, first turned healthy and first exited 0, from recorded
// Docker events (one JSON object per line).
struct Moments {
  std::map<std::string, Clock::time_point> started, healthy, completed;
};

Moments momentsOf(const std::string& recordedEvents) {
  Moments moments;
  std::istringstream lines(recordedEvents);
  std::string line;
  while (std::getline(lines, line)) {
    json event = json::parse(line, nullptr, false);
    if (!event.is_object()) continue;
    std::string name = event["Actor"]["Attributes"].value("name", "");
    std::string action = event.value("Action", event.value("status", ""));
    Clock::time_point at{std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(event.value("timeNano", 0LL)))};
    auto note = [&](std::map<std::string, Clock::time_point>& first) { first.emplace(name, at); };
    if (action == "start") note(moments.started);
    if (action == "health_status: healthy") note(moments.healthy);
    if (action == "die" && event["Actor"]["Attributes"].value("exitCode", "") == "0") note(moments.completed);
  }
  return moments;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_rendered_catalog_comes_up_in_dependency_order_and_postgres_serves_its_users) {
  SupervisedCatalog catalog(specFor("catalog.localhost"),
                            [](const TempDir& root) { run("install -d -m 2775 " + root / "var/lib/cairn/airflow/dags"); });
  json status;
  BOOST_REQUIRE_MESSAGE(waitFor([&] { return everyServiceReady(status = catalog.status()); }, std::chrono::minutes(5)),
                        "the catalog did not come up: " + status.dump(1) + "\n" + logOf(catalog.root / "supervisord.log"));

  json rendered = catalog.rendered();
  std::map<std::string, json> services;
  for (const auto& service : rendered["services"]) services[service["name"]] = service;
  BOOST_TEST(services.size() == status["services"].size());
  BOOST_TEST(services.count("airflow-worker") == 1u);  // the whole catalog, Airflow's components included

  // Every container of a service started only once each dependency was ready: healthy, or for a
  // one-shot job, exited 0; without a healthcheck, running.
  Moments moments = momentsOf(logOf(catalog.root / "events.jsonl"));
  int checkedPairs = 0;
  for (const auto& [name, service] : services) {
    for (const auto& dependency : service["depends_on"]) {
      for (const auto& container : service["containers"]) {
        std::string dependent = container["name"];
        BOOST_REQUIRE_MESSAGE(moments.started.count(dependent), dependent + " never started");
        for (const auto& needed : services[dependency.get<std::string>()]["containers"]) {
          std::string neededName = needed["name"];
          const auto& readyAt = needed.value("one_shot", false)         ? moments.completed
                                : !needed.contains("healthcheck")         ? moments.started
                                                                         : moments.healthy;
          BOOST_REQUIRE_MESSAGE(readyAt.count(neededName), neededName + " never became ready");
          bool inOrder = readyAt.at(neededName) <= moments.started.at(dependent);
          BOOST_TEST(inOrder, dependent + " started before " + neededName + " was ready");
          ++checkedPairs;
        }
      }
    }
  }
  BOOST_TEST(checkedPairs >= 15);

  // Prometheus is Debian's own, on the host network: it runs the rendered configuration and rules.
  json config = json::parse(run("curl -sf http://127.0.0.1:9090/api/v1/status/config"), nullptr, false);
  BOOST_TEST(config.value("status", "") == "success");
  BOOST_TEST(config["data"].value("yaml", "").find("job_name: cairn-exporter") != std::string::npos);
  json rules = json::parse(run("curl -sf http://127.0.0.1:9090/api/v1/rules"), nullptr, false);
  BOOST_TEST(rules["data"]["groups"].size() >= 2u);

  json secrets = catalog.secrets();
  for (const std::string role : {"airflow", "keycloak"}) {
    std::string password = secrets[role + "_db_password"]["value"];
    std::string who = run("docker exec -e PGPASSWORD=" + password + " cairn-postgres psql -h 127.0.0.1 -U " + role +
                          " -d " + role + " -tAc 'SELECT current_user'");
    BOOST_TEST(who == role + "\n");
    std::string output;
    BOOST_TEST(runCommand("docker exec -e PGPASSWORD=wrong cairn-postgres psql -h 127.0.0.1 -U " + role + " -d " + role +
                              " -tAc 'SELECT 1' 2>&1",
                          &output) != 0,
               "a wrong password was accepted: " + output);
  }
}

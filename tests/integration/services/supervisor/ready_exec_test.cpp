#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "appliance/spec/load.hpp"
#include "services/catalog/catalog.hpp"
#include "tests/integration/services/supervisor/docker_cli.hpp"
#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The catalog's PostgreSQL as `cairnctl apply` renders it, moved into this test's namespace: its
// container, volume and network carry the test's prefix, and the image is the local stand-in
// built from Debian's PostgreSQL. Env, mounts, limits and ready_exec stay as rendered.
struct RenderedPostgres {
  json containers;
  std::string initScript;
};

RenderedPostgres renderPostgres(const secrets::Secrets& secrets, const std::string& p) {
  bundle::Bundle rendered =
      catalog::renderCatalog(spec::loadSpec(R"({"version": 1, "domain": "example.com"})"), secrets);
  json all = json::parse(rendered.find(catalog::kContainersPath)->content);
  json postgres;
  for (const auto& item : all["services"]) {
    if (item["name"] == "postgres") postgres = item;
  }
  json& container = postgres["containers"][0];
  container["name"] = p + "-postgres";
  container["image"] = kPgRedisImage;
  for (auto& mount : container["mounts"]) {
    if (mount["type"] == "volume") mount["source"] = p + "-pgdata";
  }
  // The stand-in image has its entrypoint as CMD and takes server options only (the official
  // image's entrypoint also accepts a leading "postgres"); the catalog's options stay.
  json command = container["command"];
  if (!command.empty() && command[0] == "postgres") command.erase(0);
  container["entrypoint"] = {"/usr/local/bin/pg-entrypoint"};
  container["command"] = command;
  // The catalog probes every 5 s after a 30 s grace period; the test need not wait that long.
  container["healthcheck"]["interval_ms"] = 500;
  container["healthcheck"]["start_period_ms"] = 1000;
  container["healthcheck"]["retries"] = 20;
  return {{{"version", 1}, {"network", p + "-net"}, {"volumes", {p + "-pgdata"}}, {"services", {postgres}}},
          rendered.find(catalog::kPostgresInitPath)->content};
}

secrets::Secrets freshSecrets() {
  secrets::Secrets secrets = secrets::Secrets::fromJson({{"version", 1}, {"secrets", json::object()}});
  secrets.fillMissing(secrets::kernelRandom(), "2026-01-01T00:00:00Z");
  return secrets;
}

std::string idOf(SupervisedRoot& root, const std::string& name) {
  for (const auto& container : root.containers()) {
    if (container.name == name) return container.id;
  }
  return "";
}

// The status reports `name` running (healthy, ready_exec done) as a container other than `oldId`.
bool runningAsNewContainer(SupervisedRoot& root, const std::string& name, const std::string& oldId) {
  auto status = root.status();
  const auto* postgres = root.findService(status, "postgres");
  if (!postgres || postgres->state != "running" || postgres->containers.empty()) return false;
  std::string shownId = postgres->containers[0].id;
  return !shownId.empty() && oldId.rfind(shownId, 0) != 0 && idOf(root, name).rfind(shownId, 0) == 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ready_exec)

BOOST_AUTO_TEST_CASE(rotated_database_passwords_reach_postgresql_in_the_recreated_container_and_data_is_kept) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  const std::string pg = p + "-postgres";
  secrets::Secrets before = freshSecrets();
  RenderedPostgres first = renderPostgres(before, p);
  std::string initdb = root.root() + "/etc/cairn/rendered/postgres/initdb";
  writeFile(root.root() + catalog::kPostgresInitPath, first.initScript, 0755);
  ::chmod(initdb.c_str(), 0755);
  root.writeContainers(first.containers);
  root.startSupervisor();
  // "running" = healthy and ready_exec done (converged alone does not wait for health).
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.serviceIn("postgres", "running"); }, 120s), root.supervisorLog());

  const std::string oldKeycloak = before.get("keycloak_db_password");
  const std::string oldSuperuser = before.get("postgres_password");
  BOOST_REQUIRE(psql(pg, "keycloak", oldKeycloak, "select current_user") == "keycloak");
  BOOST_REQUIRE(psql(pg, "postgres", oldSuperuser, "select current_user") == "postgres");
  BOOST_REQUIRE(psql(pg, "keycloak", oldKeycloak, "create table kept (v text); insert into kept values ('still here')")
                    .rfind("failed", 0) != 0u);
  std::string firstId = idOf(root, pg);

  // `cairnctl secrets rotate keycloak_db_password` (and postgres_password), then `cairnctl apply`.
  secrets::Secrets after = before;
  BOOST_REQUIRE(after.rotate("keycloak_db_password", secrets::kernelRandom(), "2026-01-02T00:00:00Z").ok());
  BOOST_REQUIRE(after.rotate("postgres_password", secrets::kernelRandom(), "2026-01-02T00:00:00Z").ok());
  root.writeContainers(renderPostgres(after, p).containers);
  BOOST_REQUIRE(root.call("POST", "/v1/reconcile").value().status == 202);
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return runningAsNewContainer(root, pg, firstId); }, 120s),
                        root.supervisorLog());

  const std::string newKeycloak = after.get("keycloak_db_password");
  const std::string newSuperuser = after.get("postgres_password");
  BOOST_TEST(psql(pg, "keycloak", newKeycloak, "select v from kept") == "still here");
  BOOST_TEST(psql(pg, "keycloak", oldKeycloak, "select 1").rfind("failed", 0) == 0u);
  BOOST_TEST(psql(pg, "postgres", newSuperuser, "select current_user") == "postgres");
  BOOST_TEST(psql(pg, "postgres", oldSuperuser, "select 1").rfind("failed", 0) == 0u);
  BOOST_TEST(psql(pg, "airflow", after.get("airflow_db_password"), "select current_user") == "airflow");

  // No secret in the status, the supervisor's log, or PostgreSQL's own log.
  std::string status = root.call("GET", "/v1/status").value().body;
  std::string logs = root.call("GET", "/v1/services/postgres/logs?tail=200").value().body;
  for (const std::string& secret : {oldKeycloak, newKeycloak, oldSuperuser, newSuperuser}) {
    BOOST_TEST(status.find(secret) == std::string::npos);
    BOOST_TEST(root.supervisorLog().find(secret) == std::string::npos);
    BOOST_TEST(logs.find(secret) == std::string::npos);
  }
  BOOST_TEST(root.supervisorLog().find("ready_exec=succeeded") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failing_ready_exec_is_reported_redacted_retried_and_holds_dependents_until_it_succeeds) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  const std::string secret = "Kx7Qw2Lm9Zp4Rt8Vn3Bc";
  json db = standinContainer(p + "-db", {{"DB_SECRET", secret}});
  // Fails (echoing the secret, as a careless script might) until /tmp/ready exists.
  db["ready_exec"] = {{"argv", {"sh", "-c", "test -e /tmp/ready && exit 0; echo \"refused: $DB_SECRET\"; exit 3"}}};
  root.writeContainers({{"version", 1},
                        {"network", p + "-net"},
                        {"services", {service("db", {}, {db}), service("web", {"db"}, {standinContainer(p + "-web")})}}});
  root.startSupervisor();

  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.serviceIn("db", "failed"); }, 30s), root.supervisorLog());
  auto status = root.status();
  const auto* failed = root.findService(status, "db");
  BOOST_TEST(failed->message.find("ready_exec exited 3: refused: [redacted]") != std::string::npos, failed->message);
  BOOST_TEST(failed->message.find(secret) == std::string::npos);
  BOOST_TEST(root.findService(status, "web")->containers[0].state == "created");
  BOOST_TEST(root.call("GET", "/v1/status").value().body.find(secret) == std::string::npos);
  BOOST_TEST(root.supervisorLog().find(secret) == std::string::npos);
  // Retried with growing delays: 1 s, then 2 s.
  BOOST_REQUIRE(waitUntil([&] { return root.findService(root.status(), "db")->message.find("failure 2") != std::string::npos; }, 10s));

  BOOST_REQUIRE(dockerExec(p + "-db", {"touch", "/tmp/ready"}).exitCode == 0);
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 30s), root.supervisorLog());
  BOOST_TEST(root.findService(root.status(), "db")->state == "running");
  BOOST_TEST(root.inspect(p + "-web").state.status == "running");
}

BOOST_AUTO_TEST_SUITE_END()

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "tests/integration/services/supervisor/docker_cli.hpp"
#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// What the catalog renders into /etc/cairn/rendered/postgres/initdb (hand-written here).
const char* kInitdbScript = R"(#!/bin/sh
set -e
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD 'airflow-pw';
CREATE DATABASE airflow OWNER airflow;
CREATE ROLE keycloak LOGIN PASSWORD 'keycloak-pw';
CREATE DATABASE keycloak OWNER keycloak;
SQL
)";

json postgresAndRedis(const std::string& p) {
  json postgres = {
      {"name", p + "-postgres"},
      {"image", kPgRedisImage},
      {"env", {{"POSTGRES_PASSWORD", "super-secret"}}},
      {"mounts",
       {{{"type", "volume"}, {"source", p + "-pgdata"}, {"target", "/var/lib/postgresql/data"}, {"read_only", false}},
        {{"type", "bind"}, {"source", "/etc/cairn/rendered/postgres/initdb"}, {"target", "/docker-entrypoint-initdb.d"}, {"read_only", true}}}},
      {"aliases", {"postgres"}},
      {"healthcheck",
       {{"test", {"CMD-SHELL", "pg_isready -h 127.0.0.1 -U postgres"}}, {"interval_ms", 500}, {"timeout_ms", 5000}, {"retries", 10},
        {"start_period_ms", 1000}}},
      {"memory_bytes", 512 * 1024 * 1024},
      {"pids_limit", 256},
      {"cap_drop", {"ALL"}},
      {"cap_add", {"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"}},
      {"no_new_privileges", true},
      {"stop_timeout_s", 20}};
  json redis = {{"name", p + "-redis"},
                {"image", kPgRedisImage},
                {"command", {"redis-server", "--port", "6379", "--protected-mode", "no", "--save", ""}},
                {"user", "redis"},
                {"aliases", {"redis"}},
                {"healthcheck", {{"test", {"CMD-SHELL", "redis-cli ping | grep -q PONG"}}, {"interval_ms", 500}, {"retries", 10}}},
                {"cap_drop", {"ALL"}},
                {"no_new_privileges", true},
                {"stop_timeout_s", 5}};
  return {{"version", 1},
          {"network", p + "-net"},
          {"volumes", {p + "-pgdata"}},
          {"services", {service("postgres", {}, {postgres}), service("redis", {}, {redis})}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(postgres)

BOOST_AUTO_TEST_CASE(postgres_accepts_the_airflow_and_keycloak_users_and_keeps_its_data_across_down_and_up) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  std::string initdb = root.root() + "/etc/cairn/rendered/postgres/initdb";
  writeFile(initdb + "/10-users.sh", kInitdbScript, 0755);
  ::chmod(initdb.c_str(), 0755);
  root.writeContainers(postgresAndRedis(p));
  root.startSupervisor();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 120s), root.supervisorLog());

  std::string pg = p + "-postgres";
  BOOST_TEST(psql(pg, "airflow", "airflow-pw", "select current_user") == "airflow");
  BOOST_TEST(psql(pg, "keycloak", "keycloak-pw", "select current_user") == "keycloak");
  BOOST_TEST(psql(pg, "airflow", "wrong", "select 1").rfind("failed", 0) == 0u);
  // Both reach each other by their aliases on the cairn network.
  BOOST_TEST(dockerExec(p + "-redis", {"pg_isready", "-h", "postgres"}).exitCode == 0);
  BOOST_TEST(dockerExec(pg, {"redis-cli", "-h", "redis", "ping"}).output.find("PONG") != std::string::npos);

  BOOST_REQUIRE(psql(pg, "airflow", "airflow-pw", "create table kept (v text); insert into kept values ('still here')")
                    .rfind("failed", 0) != 0u);
  auto down = root.call("POST", "/v1/down");
  BOOST_REQUIRE(down.ok());
  BOOST_REQUIRE_MESSAGE(down.value().status == 200, down.value().body);
  BOOST_TEST(root.inspect(pg).state.status == "exited");
  BOOST_TEST(root.inspect(p + "-redis").state.status == "exited");
  BOOST_TEST(root.status().reconcile.down);
  BOOST_TEST(root.findService(root.status(), "postgres")->state == "stopped");
  // Held down: a reconcile does not start them again.
  BOOST_REQUIRE(root.call("POST", "/v1/reconcile").ok());
  std::this_thread::sleep_for(1s);
  BOOST_TEST(root.inspect(pg).state.status == "exited");

  BOOST_REQUIRE(root.call("POST", "/v1/up").value().status == 202);
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 120s), root.supervisorLog());
  BOOST_TEST(psql(pg, "airflow", "airflow-pw", "select v from kept") == "still here");
}

BOOST_AUTO_TEST_SUITE_END()

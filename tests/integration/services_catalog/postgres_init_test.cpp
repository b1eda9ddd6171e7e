#define BOOST_TEST_MODULE services_catalog_integration
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "appliance/spec/load.hpp"
#include "services/catalog/catalog.hpp"
#include "services/catalog/services.hpp"
#include "tests/integration/services_catalog/throwaway_cluster.hpp"

// Runs the rendered PostgreSQL init script against a real, throwaway PostgreSQL cluster (Debian's
// postgresql package) and checks what the Keycloak and Airflow roles can do afterwards.

namespace cairn::catalog {
namespace {

using testing::ThrowawayCluster;

secrets::Secrets generatedSecrets() {
  secrets::Secrets secrets = secrets::Secrets::fromJson({{"version", 1}, {"secrets", nlohmann::json::object()}});
  secrets.fillMissing(secrets::kernelRandom(), "2026-01-01T00:00:00Z");
  return secrets;
}

// The rendered bundle's script, and the postgres container's environment from containers.json.
struct RenderedInit {
  std::string script;
  std::map<std::string, std::string> env;
};

RenderedInit renderInit(const secrets::Secrets& secrets) {
  bundle::Bundle rendered = renderCatalog(spec::loadSpec(R"({"version": 1, "domain": "example.com"})"), secrets);
  RenderedInit init;
  init.script = rendered.find(kPostgresInitPath)->content;
  auto containers = nlohmann::json::parse(rendered.find(kContainersPath)->content);
  for (const auto& service : containers["services"]) {
    if (service["name"] == "postgres") init.env = service["containers"][0]["env"].get<std::map<std::string, std::string>>();
  }
  return init;
}

struct InitializedCluster {
  secrets::Secrets secrets = generatedSecrets();
  RenderedInit init = renderInit(secrets);
  ThrowawayCluster cluster;
  std::string scriptPath = cluster.dir() / "initdb/10-cairn-databases.sh";

  InitializedCluster() {
    cairn::testing::writeFile(scriptPath, init.script, 0755);
    ::chmod((cluster.dir() / "initdb").c_str(), 0755);
    runScript();
  }

  // As the image does: executed (it is executable) with the container's environment.
  std::string runScript() {
    std::vector<std::string> env = cluster.socketEnv();
    env.push_back("POSTGRES_USER=postgres");
    env.push_back("POSTGRES_DB=postgres");
    for (const auto& [key, value] : init.env) env.push_back(key + "=" + value);
    return cluster.run({scriptPath}, env);
  }

  std::string password(const std::string& role) const { return secrets.get(role + "_db_password"); }
};

// One cluster for the suite: initdb is the slow part, and the cases touch different tables.
struct SharedCluster {
  InitializedCluster& shared = instance();
  ThrowawayCluster& cluster = shared.cluster;
  std::string password(const std::string& role) const { return shared.password(role); }
  std::string runScript() { return shared.runScript(); }

  static InitializedCluster& instance() {
    static InitializedCluster initialized;
    return initialized;
  }
};

BOOST_FIXTURE_TEST_SUITE(postgres_init, SharedCluster)

BOOST_AUTO_TEST_CASE(each_role_logs_in_and_creates_a_table_in_its_own_database) {
  for (const std::string role : {"airflow", "keycloak"}) {
    host::ProcessResult result = cluster.sql(role, password(role), role,
                                             "CREATE TABLE probe (id int); INSERT INTO probe VALUES (42); "
                                             "SELECT id FROM public.probe;");
    BOOST_TEST(result.exitCode == 0, role << ": " << result.output);
    BOOST_TEST(result.output.find("42") != std::string::npos, result.output);
    host::ProcessResult owner = cluster.sql(role, password(role), role,
                                            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database();");
    BOOST_TEST(owner.output == role + "\n");
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_password_is_refused) {
  host::ProcessResult result = cluster.sql("airflow", "not-the-password", "airflow", "SELECT 1;");
  BOOST_TEST(result.exitCode != 0);
  BOOST_TEST(result.output.find("password authentication failed") != std::string::npos, result.output);
}

BOOST_AUTO_TEST_CASE(a_role_cannot_connect_to_the_other_applications_database) {
  host::ProcessResult result = cluster.sql("keycloak", password("keycloak"), "airflow", "SELECT 1;");
  BOOST_TEST(result.exitCode != 0);
  BOOST_TEST(result.output.find("permission denied") != std::string::npos, result.output);
}

BOOST_AUTO_TEST_CASE(running_the_script_again_keeps_the_data) {
  BOOST_REQUIRE(cluster.sql("airflow", password("airflow"), "airflow", "CREATE TABLE kept (id int);").exitCode == 0);
  runScript();
  host::ProcessResult result = cluster.sql("airflow", password("airflow"), "airflow", "SELECT count(*) FROM kept;");
  BOOST_TEST(result.exitCode == 0, result.output);
  BOOST_TEST(result.output == "0\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(script_refuses_to_run_without_the_passwords) {
  ThrowawayCluster cluster;
  std::string path = cluster.dir() / "initdb/10-cairn-databases.sh";
  cairn::testing::writeFile(path, postgresInitScript(), 0755);
  ::chmod((cluster.dir() / "initdb").c_str(), 0755);
  std::vector<std::string> env = cluster.socketEnv();
  env.push_back("POSTGRES_USER=postgres");
  host::ProcessResult result = cluster.attempt({path}, env);
  BOOST_TEST(result.exitCode != 0);
  BOOST_TEST(result.output.find("CAIRN_KEYCLOAK_DB_PASSWORD") != std::string::npos, result.output);
  host::ProcessResult roles = cluster.attempt(
      {"psql", "-X", "-t", "-A", "-U", "postgres", "-d", "postgres", "-c",
       "SELECT count(*) FROM pg_roles WHERE rolname IN ('airflow', 'keycloak');"},
      cluster.socketEnv());
  BOOST_TEST(roles.output == "0\n", roles.output);
}

}  // namespace
}  // namespace cairn::catalog

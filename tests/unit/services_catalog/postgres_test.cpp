#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "services/catalog/catalog.hpp"
#include "services/catalog/services.hpp"
#include "tests/unit/services_catalog/catalog_fixtures.hpp"

namespace cairn::catalog {
namespace {

namespace data = boost::unit_test::data;

struct DataTargetCase {
  std::string image;
  std::string target;
};

std::ostream& operator<<(std::ostream& out, const DataTargetCase& c) { return out << c.image; }

const std::vector<DataTargetCase> kDataTargets = {
    {"postgres:16.10-bookworm", "/var/lib/postgresql/data"},
    {"postgres:15", "/var/lib/postgresql/data"},
    {"postgres:17.6-alpine", "/var/lib/postgresql/data"},
    {"postgres:18", "/var/lib/postgresql"},
    {"postgres:18.1-bookworm", "/var/lib/postgresql"},
    {"registry.example.org:5000/library/postgres:16", "/var/lib/postgresql/data"},
    {"registry.example.org:5000/library/postgres", "/var/lib/postgresql"},
    {"postgres", "/var/lib/postgresql"},
    {"postgres:latest", "/var/lib/postgresql"},
    {"postgres:16@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "/var/lib/postgresql/data"},
};

BOOST_DATA_TEST_CASE(postgres_data_volume_sits_where_the_image_version_expects_it, data::make(kDataTargets), c) {
  BOOST_TEST(postgresDataTarget(c.image) == c.target);
}

BOOST_AUTO_TEST_CASE(init_script_creates_both_roles_as_owners_of_their_databases) {
  std::string script = postgresInitScript();
  for (const std::string name : {"keycloak", "airflow"}) {
    BOOST_TEST(script.find("CREATE ROLE %I LOGIN', '" + name + "'") != std::string::npos, name);
    BOOST_TEST(script.find("CREATE DATABASE %I OWNER %I', '" + name + "', '" + name + "'") != std::string::npos);
    BOOST_TEST(script.find("ALTER DATABASE " + name + " OWNER TO " + name + ";") != std::string::npos);
    BOOST_TEST(script.find("REVOKE ALL ON DATABASE " + name + " FROM PUBLIC;") != std::string::npos);
  }
  BOOST_TEST(script.find("ON_ERROR_STOP=1") != std::string::npos);
  BOOST_TEST(script.rfind("#!/usr/bin/env bash\n", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(postgres_container_hands_the_init_script_its_passwords) {
  ContainerSet set = buildContainerSet(testing::defaultSpec(), testing::testSecrets());
  const Container& c = testing::findService(set, "postgres")->containers.at(0);
  BOOST_TEST(c.env.at(kKeycloakDbPasswordEnv) == "secret-keycloak_db_password-value");
  BOOST_TEST(c.env.at(kAirflowDbPasswordEnv) == "secret-airflow_db_password-value");
  BOOST_TEST(c.env.at("POSTGRES_PASSWORD") == "secret-postgres_password-value");
  BOOST_TEST(postgresInitScript().find(kKeycloakDbPasswordEnv) != std::string::npos);
  BOOST_TEST(postgresInitScript().find(kAirflowDbPasswordEnv) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bundle_writes_containers_json_sensitive_and_the_init_script_without_secrets) {
  bundle::Bundle rendered = renderCatalog(testing::defaultSpec(), testing::testSecrets());
  const bundle::BundleFile* containers = rendered.find(kContainersPath);
  BOOST_REQUIRE(containers != nullptr);
  BOOST_TEST(containers->sensitive);
  BOOST_TEST(containers->mode == 0600u);
  const bundle::BundleFile* init = rendered.find(kPostgresInitPath);
  BOOST_REQUIRE(init != nullptr);
  BOOST_TEST(init->mode == 0755u);
  BOOST_TEST(!init->sensitive);
  for (const auto& secret : testing::secretValues()) BOOST_TEST(init->content.find(secret) == std::string::npos);
  BOOST_REQUIRE_EQUAL(rendered.validators.size(), 2u);  // and airflow-dags-folder
  BOOST_TEST(rendered.validators[1].name == "airflow-dags-folder");
  BOOST_TEST(rendered.validators[0].argv ==
             (std::vector<std::string>{"bash", "-n", "{stage}/etc/cairn/rendered/postgres/initdb/10-cairn-databases.sh"}));
}

BOOST_AUTO_TEST_CASE(without_postgres_there_is_no_init_script) {
  bundle::Bundle rendered =
      renderCatalog(testing::specWithout({"postgres", "keycloak", "oauth2-proxy", "airflow"}), testing::testSecrets());
  BOOST_TEST(rendered.find(kPostgresInitPath) == nullptr);
  BOOST_TEST(rendered.validators.empty());
  BOOST_TEST(rendered.find(kContainersPath) != nullptr);
}

}  // namespace
}  // namespace cairn::catalog

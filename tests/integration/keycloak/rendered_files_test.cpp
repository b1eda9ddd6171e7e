// The rendered Airflow settings are Python that python3 parses (Airflow imports it at start).

#include <boost/test/unit_test.hpp>

#include "appliance/host/process_runner.hpp"
#include "keycloak/renderers.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/keycloak/test_spec.hpp"

BOOST_AUTO_TEST_SUITE(rendered_files)

BOOST_AUTO_TEST_CASE(airflow_webserver_config_is_valid_python) {
  cairn::testing::TempDir dir;
  std::string path = dir / "webserver_config.py";
  cairn::testing::writeFile(
      path, cairn::keycloak::renderAirflowWebserverConfig(cairn::testing::keycloakTestSpec()));
  cairn::host::LocalProcessRunner runner;
  auto parsed = runner.run(
      {"python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", path},
      std::chrono::seconds(30));
  BOOST_REQUIRE(parsed.ok());
  BOOST_TEST(parsed.value().exitCode == 0, parsed.value().output);
}

BOOST_AUTO_TEST_SUITE_END()

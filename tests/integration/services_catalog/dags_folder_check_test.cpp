// The apply-time check of airflow.dags.folder, run as the apply transaction runs it (the
// rendered validator's argv, {root} expanded) against real folders of a throwaway root.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <ostream>
#include <vector>

#include "appliance/bundle/bundle.hpp"
#include "appliance/host/files.hpp"
#include "appliance/host/process_runner.hpp"
#include "appliance/spec/load.hpp"
#include "services/catalog/services.hpp"
#include "tests/support/temp_dir.hpp"

namespace cairn::catalog {
namespace {

struct Outcome {
  int exitCode = -1;
  std::string output;
};

Outcome checkFolder(const std::string& specFolder, const testing::TempDir& root) {
  std::string text = R"({"version": 1, "domain": "example.com")";
  if (!specFolder.empty()) text += R"(, "airflow": {"dags": {"folder": ")" + specFolder + R"("}})";
  bundle::Command command = airflowDagsFolderCheck(spec::loadSpec(text + "}"));
  host::LocalProcessRunner runner;
  auto result = runner.run(bundle::expandCommand(command, "/nonexistent-stage", root.path()), std::chrono::seconds(10));
  BOOST_REQUIRE(result.ok());
  return {result.value().exitCode, result.value().output};
}

void makeFolder(const std::string& path, mode_t mode) {
  BOOST_REQUIRE(host::makeDirectories(path).ok());
  BOOST_REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// A mode the check refuses, and what its answer must say.
struct RefusedMode {
  mode_t mode;
  std::vector<std::string> says;
};
std::ostream& operator<<(std::ostream& out, const RefusedMode& refused) {
  return out << std::oct << refused.mode << std::dec;
}
const std::vector<RefusedMode> kRefusedModes = {
    {0755, {"is not writable by its group", "mode 755"}},
    {0777, {"writable by everyone"}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(dags_folder_check)

BOOST_AUTO_TEST_CASE(a_group_writable_folder_passes) {
  testing::TempDir root;
  makeFolder(root / "srv/dags", 02775);
  Outcome outcome = checkFolder("/srv/dags", root);
  BOOST_TEST(outcome.exitCode == 0, outcome.output);
}

BOOST_AUTO_TEST_CASE(a_missing_folder_of_the_spec_is_refused_with_its_path_and_the_fix) {
  testing::TempDir root;
  Outcome outcome = checkFolder("/srv/dags", root);
  BOOST_TEST(outcome.exitCode != 0);
  BOOST_TEST(outcome.output.find("airflow.dags.folder: /srv/dags does not exist") != std::string::npos, outcome.output);
  BOOST_TEST(outcome.output.find("install -d -g cairn -m 2775 /srv/dags") != std::string::npos, outcome.output);
}

BOOST_AUTO_TEST_CASE(the_missing_default_folder_is_left_to_the_package) {
  testing::TempDir root;
  BOOST_TEST(checkFolder("", root).exitCode == 0);
  makeFolder(root / "var/lib/cairn/airflow/dags", 0755);  // but once it exists it is checked
  BOOST_TEST(checkFolder("", root).exitCode != 0);
}

BOOST_DATA_TEST_CASE(a_folder_of_a_mode_that_lets_the_wrong_people_write_is_refused,
                     boost::unit_test::data::make(kRefusedModes), refused) {
  testing::TempDir root;
  makeFolder(root / "srv/dags", refused.mode);
  Outcome outcome = checkFolder("/srv/dags", root);
  BOOST_TEST(outcome.exitCode != 0);
  for (const auto& text : refused.says) {
    BOOST_TEST(outcome.output.find(text) != std::string::npos, outcome.output);
  }
}

BOOST_AUTO_TEST_CASE(a_file_in_place_of_the_folder_is_refused) {
  testing::TempDir root;
  makeFolder(root / "srv", 0755);
  testing::writeFile(root / "srv/dags", "not a folder");
  BOOST_TEST(checkFolder("/srv/dags", root).output.find("not a folder") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::catalog

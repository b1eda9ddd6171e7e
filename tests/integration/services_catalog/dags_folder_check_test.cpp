// The apply-time checks of airflow.dags.folder and airflow.dags.git.credentials_file, run as the
// apply transaction runs them (the rendered validator's argv, {root} expanded) against real
// folders and files of a throwaway root.
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

Outcome runCheck(const bundle::Command& command, const testing::TempDir& root) {
  host::LocalProcessRunner runner;
  auto result = runner.run(bundle::expandCommand(command, "/nonexistent-stage", root.path()), std::chrono::seconds(10));
  BOOST_REQUIRE(result.ok());
  return {result.value().exitCode, result.value().output};
}

Outcome checkFolder(const std::string& specFolder, const testing::TempDir& root) {
  std::string text = R"({"version": 1, "domain": "example.com")";
  if (!specFolder.empty()) text += R"(, "airflow": {"dags": {"folder": ")" + specFolder + R"("}})";
  return runCheck(airflowDagsFolderCheck(spec::loadSpec(text + "}")), root);
}

// The credentials check for /etc/cairn/dags-git.credentials, after `prepare` made (or not) the file.
Outcome checkCredentials(const testing::TempDir& root, mode_t mode, bool create = true) {
  const std::string file = root / "etc/cairn/dags-git.credentials";
  if (create) {
    BOOST_REQUIRE(host::makeDirectories(root / "etc/cairn").ok());
    testing::writeFile(file, "https://ci:token@git.example.com\n");
    BOOST_REQUIRE(::chmod(file.c_str(), mode) == 0);
  }
  const std::string text = R"({"version": 1, "domain": "example.com", "airflow": {"dags": {"git": {"url": "https://git.example.com/d.git",
                               "credentials_file": "/etc/cairn/dags-git.credentials"}}}})";
  return runCheck(airflowDagsGitCredentialsCheck(spec::loadSpec(text)), root);
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

// The tests run as root, so the files here are root's: group root reads a 0640 file.
BOOST_AUTO_TEST_CASE(git_credentials_readable_by_group_root_and_nobody_else_pass) {
  testing::TempDir root;
  Outcome outcome = checkCredentials(root, 0640);
  BOOST_TEST(outcome.exitCode == 0, outcome.output);
}

BOOST_AUTO_TEST_CASE(git_credentials_that_everyone_may_read_are_refused) {
  testing::TempDir root;
  Outcome outcome = checkCredentials(root, 0644);
  BOOST_TEST(outcome.exitCode != 0);
  BOOST_TEST(outcome.output.find("airflow.dags.git.credentials_file: /etc/cairn/dags-git.credentials (mode 644) is readable by everyone") !=
                 std::string::npos, outcome.output);
}

BOOST_AUTO_TEST_CASE(git_credentials_the_containers_cannot_read_are_refused_with_the_fix) {
  testing::TempDir root;
  Outcome outcome = checkCredentials(root, 0600);
  BOOST_TEST(outcome.exitCode != 0);
  BOOST_TEST(outcome.output.find("cannot be read by Airflow's containers") != std::string::npos, outcome.output);
  BOOST_TEST(outcome.output.find("chmod 0640") != std::string::npos, outcome.output);
}

BOOST_AUTO_TEST_CASE(missing_git_credentials_are_refused) {
  testing::TempDir root;
  Outcome outcome = checkCredentials(root, 0, false);
  BOOST_TEST(outcome.exitCode != 0);
  BOOST_TEST(outcome.output.find("does not exist or is not a file") != std::string::npos, outcome.output);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace cairn::catalog

#include <boost/test/unit_test.hpp>

#include "appliance/host/files.hpp"
#include "appliance/host/process_runner.hpp"
#include "provisioning/apply/transaction.hpp"
#include "tests/support/fake_process_runner.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using namespace cairn::apply;
using cairn::testing::FakeProcessRunner;
using cairn::testing::TempDir;

namespace {

Result<host::ProcessResult> exitWith(int code, const std::string& output = "") {
  return host::ProcessResult{code, output};
}

// A bundle of three files: one new, one replacing an existing file, one unchanged; a validator,
// two reload actions and a verification.
bundle::Bundle sampleBundle() {
  bundle::Bundle b;
  b.files = {{"/etc/app/new.conf", "new\n", 0640, "", false, {"reload-app"}},
             {"/etc/app/main.conf", "main v2\n", 0644, "", false, {"reload-app"}},
             {"/etc/other/same.conf", "same\n", 0600, "", false, {"reload-other"}}};
  b.validators = {{"check-app", {"check-app", "{stage}/etc/app/main.conf"}, 5}};
  b.reloadActions = {{"reload-app", {"reload-app"}, 5}, {"reload-other", {"reload-other"}, 5}};
  b.verifications = {{"probe-app", {"probe-app"}, 5}};
  return b;
}

struct Fixture {
  TempDir root;
  FakeProcessRunner runner;
  state::Paths paths{root.path()};

  Fixture() {
    testing::writeFile(root / "etc/app/main.conf", "main v1\n", 0600);
    testing::writeFile(root / "etc/other/same.conf", "same\n", 0600);
    testing::writeFile(root / "etc/app/old.conf", "old\n", 0644);
  }
  std::vector<std::string> programsRun() const {
    std::vector<std::string> names;
    for (const auto& call : runner.calls) names.push_back(call.at(0));
    return names;
  }
  bundle::Bundle previousWithOldFile() const {
    bundle::Bundle previous;
    previous.files = {{"/etc/app/old.conf", "old\n", 0644, "", false, {"reload-app"}}};
    return previous;
  }
  void expectOriginalTree() {
    BOOST_TEST(testing::readFile(root / "etc/app/main.conf") == "main v1\n");
    BOOST_TEST(host::statFile(root / "etc/app/main.conf")->mode == 0600u);
    BOOST_TEST(testing::readFile(root / "etc/app/old.conf") == "old\n");
    BOOST_TEST(host::statFile(root / "etc/app/old.conf")->mode == 0644u);
    BOOST_TEST(!host::pathExists(root / "etc/app/new.conf"));
    BOOST_TEST(testing::readFile(root / "etc/other/same.conf") == "same\n");
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(transaction, Fixture)

BOOST_AUTO_TEST_CASE(apply_writes_changed_files_and_reloads_only_what_changed) {
  Transaction transaction(paths, runner);
  ApplyReport report = transaction.apply(sampleBundle(), previousWithOldFile(), false);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kApplied), report.message);
  BOOST_TEST(testing::readFile(root / "etc/app/new.conf") == "new\n");
  BOOST_TEST(host::statFile(root / "etc/app/new.conf")->mode == 0640u);
  BOOST_TEST(testing::readFile(root / "etc/app/main.conf") == "main v2\n");
  BOOST_TEST(host::statFile(root / "etc/app/main.conf")->mode == 0644u);
  BOOST_TEST(!host::pathExists(root / "etc/app/old.conf"));
  BOOST_TEST(programsRun() == (std::vector<std::string>{"check-app", "reload-app", "probe-app"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(validators_see_the_staged_tree) {
  std::string stagedContent;
  runner.respond = [&](const std::vector<std::string>& argv) {
    if (argv[0] == "check-app") stagedContent = testing::readFile(argv[1]);
    return exitWith(0);
  };
  Transaction(paths, runner).apply(sampleBundle(), {}, false);
  BOOST_TEST(stagedContent == "main v2\n");
  BOOST_TEST(runner.calls.at(0).at(1) == paths.stagingDir() + "/etc/app/main.conf");
}

BOOST_AUTO_TEST_CASE(a_second_apply_of_the_same_bundle_changes_and_runs_nothing) {
  Transaction transaction(paths, runner);
  BOOST_REQUIRE(static_cast<int>(transaction.apply(sampleBundle(), {}, false).status) == static_cast<int>(ApplyStatus::kApplied));
  runner.calls.clear();
  ApplyReport again = transaction.apply(sampleBundle(), sampleBundle(), false);
  BOOST_TEST(static_cast<int>(again.status) == static_cast<int>(ApplyStatus::kNoChanges));
  BOOST_TEST(runner.calls.empty());
}

BOOST_AUTO_TEST_CASE(a_failing_validator_changes_nothing_and_reports_its_output) {
  runner.respond = [](const std::vector<std::string>& argv) {
    return argv[0] == "check-app" ? exitWith(1, "main.conf:1: unknown directive \"v2\"") : exitWith(0);
  };
  ApplyReport report = Transaction(paths, runner).apply(sampleBundle(), previousWithOldFile(), false);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kRejected));
  BOOST_TEST(report.message.find("unknown directive \"v2\"") != std::string::npos, report.message);
  expectOriginalTree();
  BOOST_TEST(programsRun() == (std::vector<std::string>{"check-app"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failing_verification_restores_every_file_byte_for_byte_with_modes) {
  runner.respond = [](const std::vector<std::string>& argv) {
    return argv[0] == "probe-app" ? exitWith(2, "app did not answer") : exitWith(0);
  };
  ApplyReport report = Transaction(paths, runner).apply(sampleBundle(), previousWithOldFile(), false);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kRolledBack));
  BOOST_TEST(report.message.find("app did not answer") != std::string::npos, report.message);
  expectOriginalTree();
  // Reloaded after the swap and again after restoring.
  BOOST_TEST(programsRun() == (std::vector<std::string>{"check-app", "reload-app", "probe-app", "reload-app"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failing_reload_rolls_back_too) {
  int reloads = 0;
  runner.respond = [&](const std::vector<std::string>& argv) {
    if (argv[0] == "reload-app" && ++reloads == 1) return exitWith(1, "reload refused");
    return exitWith(0);
  };
  ApplyReport report = Transaction(paths, runner).apply(sampleBundle(), previousWithOldFile(), false);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kRolledBack));
  expectOriginalTree();
}

BOOST_AUTO_TEST_CASE(a_dry_run_validates_and_changes_nothing) {
  ApplyReport report = Transaction(paths, runner).apply(sampleBundle(), previousWithOldFile(), true);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kDryRun));
  BOOST_TEST(report.plan.changes.size() == 3u);
  expectOriginalTree();
  BOOST_TEST(programsRun() == (std::vector<std::string>{"check-app"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_validator_that_cannot_start_rejects_the_bundle) {
  runner.respond = [](const std::vector<std::string>& argv) -> Result<host::ProcessResult> {
    return makeError(ErrorCode::kIo, "cannot run " + argv[0]);
  };
  ApplyReport report = Transaction(paths, runner).apply(sampleBundle(), {}, false);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kRejected));
  BOOST_TEST(report.message.find("could not run") != std::string::npos);
  expectOriginalTree();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(transaction_with_real_commands)

BOOST_AUTO_TEST_CASE(a_real_validator_rejects_the_staged_tree_and_its_output_is_reported) {
  TempDir root;
  testing::writeFile(root / "etc/x.conf", "good\n", 0644);
  bundle::Bundle desired;
  desired.files = {{"/etc/x.conf", "bad\n", 0600, "", false, {}}};
  desired.validators = {{"x-check", {"sh", "-c", "grep -q good {stage}/etc/x.conf || { echo 'x.conf: not good' >&2; exit 1; }"}, 10}};
  host::LocalProcessRunner runner;
  ApplyReport report = Transaction(state::Paths{root.path()}, runner).apply(desired, {}, false);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kRejected));
  BOOST_TEST(report.message.find("x.conf: not good") != std::string::npos, report.message);
  BOOST_TEST(testing::readFile(root / "etc/x.conf") == "good\n");
  BOOST_TEST(host::statFile(root / "etc/x.conf")->mode == 0644u);
}

BOOST_AUTO_TEST_CASE(a_real_verification_sees_the_swapped_files_and_its_failure_restores_them) {
  TempDir root;
  testing::writeFile(root / "etc/x.conf", "v1\n", 0644);
  bundle::Bundle desired;
  desired.files = {{"/etc/x.conf", "v2\n", 0600, "", false, {}}};
  // Passes only if the new file is in place when it runs, then fails on purpose.
  desired.verifications = {{"probe", {"sh", "-c", "grep -q v2 {root}/etc/x.conf && echo 'probe: saw v2, refusing' && exit 4"}, 10}};
  host::LocalProcessRunner runner;
  ApplyReport report = Transaction(state::Paths{root.path()}, runner).apply(desired, {}, false);
  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(ApplyStatus::kRolledBack));
  BOOST_TEST(report.message.find("probe: saw v2, refusing") != std::string::npos, report.message);
  BOOST_TEST(testing::readFile(root / "etc/x.conf") == "v1\n");
  BOOST_TEST(host::statFile(root / "etc/x.conf")->mode == 0644u);
}

BOOST_AUTO_TEST_SUITE_END()

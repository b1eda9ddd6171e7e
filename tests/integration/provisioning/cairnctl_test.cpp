// cairnctl as a user runs it: the real binary against a --root directory.
#define BOOST_TEST_MODULE cairnctl
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "appliance/host/files.hpp"
#include "appliance/host/process_runner.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using cairn::testing::TempDir;
using namespace std::chrono_literals;

namespace {

host::ProcessResult cairnctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {CAIRNCTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  host::LocalProcessRunner runner;
  auto result = runner.run(argv, 60s);
  BOOST_REQUIRE_MESSAGE(result.ok(), "cairnctl did not run");
  return result.value();
}

struct Appliance {
  TempDir root;
  host::ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--root", root.path()});
    return cairnctl(args);
  }
  void init() {
    auto result = run({"init", "--domain", "example.com", "--email", "a@example.com"});
    BOOST_REQUIRE_MESSAGE(result.exitCode == 0, result.output);
  }
  std::string specPath() { return root / "etc/cairn/appliance.json"; }
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(cairnctl_cli, Appliance)

BOOST_AUTO_TEST_CASE(init_plan_apply_then_apply_again_reports_no_changes) {
  init();
  BOOST_TEST(host::statFile(root / "etc/cairn/secrets.json")->mode == 0600u);
  auto plan = run({"plan"});
  BOOST_TEST(plan.exitCode == 0);
  BOOST_TEST(contains(plan.output, "create /etc/cairn/rendered/spec.json"), plan.output);
  auto apply = run({"apply"});
  BOOST_TEST(apply.exitCode == 0, apply.output);
  BOOST_TEST(host::pathExists(root / "etc/cairn/rendered/spec.json"));
  auto again = run({"apply"});
  BOOST_TEST(again.exitCode == 0);
  BOOST_TEST(contains(again.output, "No changes"), again.output);
  BOOST_TEST(contains(run({"plan"}).output, "No changes"));
}

BOOST_AUTO_TEST_CASE(a_spec_change_shows_as_a_diff_and_applies) {
  init();
  BOOST_REQUIRE(run({"apply"}).exitCode == 0);
  std::string spec = testing::readFile(specPath());
  spec.replace(spec.find("\"version\": 1,"), 13, "\"version\": 1, \"sso\": {\"realm\": \"acme\"},");
  testing::writeFile(specPath(), spec);
  auto plan = run({"plan"});
  BOOST_TEST(contains(plan.output, "-    \"realm\": \"cairn\","), plan.output);
  BOOST_TEST(contains(plan.output, "+    \"realm\": \"acme\","), plan.output);
  BOOST_TEST(run({"apply"}).exitCode == 0);
  BOOST_TEST(contains(testing::readFile(root / "etc/cairn/rendered/spec.json"), "\"acme\""));
}

BOOST_AUTO_TEST_CASE(rollback_restores_the_previous_bundle) {
  init();
  BOOST_REQUIRE(run({"apply"}).exitCode == 0);
  std::string first = testing::readFile(root / "etc/cairn/rendered/spec.json");
  std::string spec = testing::readFile(specPath());
  spec.replace(spec.find("\"version\": 1,"), 13, "\"version\": 1, \"firewall\": {\"ssh_port\": 2222},");
  testing::writeFile(specPath(), spec);
  BOOST_REQUIRE(run({"apply"}).exitCode == 0);
  BOOST_REQUIRE(testing::readFile(root / "etc/cairn/rendered/spec.json") != first);
  auto rollback = run({"apply", "--rollback"});
  BOOST_TEST(rollback.exitCode == 0, rollback.output);
  BOOST_TEST(testing::readFile(root / "etc/cairn/rendered/spec.json") == first);
  auto nothingLeft = run({"apply", "--rollback"});
  BOOST_TEST(nothingLeft.exitCode == 1);
  BOOST_TEST(contains(nothingLeft.output, "nothing to roll back to"), nothingLeft.output);
}

BOOST_AUTO_TEST_CASE(init_refuses_to_overwrite_without_force_and_keeps_secrets_with_it) {
  init();
  std::string secrets = testing::readFile(root / "etc/cairn/secrets.json");
  auto refused = run({"init", "--domain", "other.org"});
  BOOST_TEST(refused.exitCode == 2);
  BOOST_TEST(contains(refused.output, "--force"));
  BOOST_TEST(contains(testing::readFile(specPath()), "example.com"));
  BOOST_TEST(run({"init", "--domain", "other.org", "--force"}).exitCode == 0);
  BOOST_TEST(contains(testing::readFile(specPath()), "other.org"));
  BOOST_TEST(testing::readFile(root / "etc/cairn/secrets.json") == secrets);
}

BOOST_AUTO_TEST_CASE(init_with_bad_values_writes_nothing) {
  auto result = run({"init", "--domain", "a..b", "--tls", "letsencrypt"});
  BOOST_TEST(result.exitCode == 2);
  BOOST_TEST(contains(result.output, "domain: \"a..b\" is not a valid hostname"), result.output);
  BOOST_TEST(contains(result.output, "tls.mode"), result.output);
  BOOST_TEST(!host::pathExists(specPath()));
  BOOST_TEST(!host::pathExists(root / "etc/cairn/secrets.json"));
}

BOOST_AUTO_TEST_CASE(an_invalid_spec_lists_every_error_and_apply_writes_nothing) {
  init();
  testing::writeFile(specPath(),
                     "{\"version\": 1, \"domain\": \"example.com\", \"routes\": [{\"host\": \"a..b\", \"upstream\": \"x\"}],"
                     " \"firewal\": {}}");
  auto validate = run({"validate"});
  BOOST_TEST(validate.exitCode == 2);
  BOOST_TEST(contains(validate.output, "routes[0].host: \"a..b\" is not a valid hostname"), validate.output);
  BOOST_TEST(contains(validate.output, "routes[0].upstream"), validate.output);
  BOOST_TEST(contains(validate.output, "firewal: unknown key \"firewal\" (did you mean \"firewall\"?)"), validate.output);
  auto apply = run({"apply"});
  BOOST_TEST(apply.exitCode == 2);
  BOOST_TEST(!host::pathExists(root / "etc/cairn/rendered"));
}

BOOST_AUTO_TEST_CASE(a_spec_that_does_not_parse_names_line_and_column) {
  init();
  testing::writeFile(specPath(), "{\n  \"version\": 1,\n  \"domain\": \"example.com\",\n}\n");
  auto result = run({"validate"});
  BOOST_TEST(result.exitCode == 2);
  BOOST_TEST(contains(result.output, "line 4, column"), result.output);
}

BOOST_AUTO_TEST_CASE(a_missing_spec_names_the_path_and_suggests_init) {
  auto result = run({"plan"});
  BOOST_TEST(result.exitCode == 2);
  BOOST_TEST(contains(result.output, specPath()), result.output);
  BOOST_TEST(contains(result.output, "cairnctl init"), result.output);
}

BOOST_AUTO_TEST_CASE(show_redacts_every_secret) {
  init();
  auto show = run({"show"});
  BOOST_TEST(show.exitCode == 0);
  auto secrets = nlohmann::json::parse(testing::readFile(root / "etc/cairn/secrets.json"));
  for (const auto& [name, entry] : secrets["secrets"].items()) {
    BOOST_TEST(!contains(show.output, entry["value"].get<std::string>()), name << " leaked");
    BOOST_TEST(contains(show.output, name));
  }
}

BOOST_AUTO_TEST_CASE(rotating_a_secret_changes_only_that_one) {
  init();
  auto before = nlohmann::json::parse(testing::readFile(root / "etc/cairn/secrets.json"))["secrets"];
  auto rotate = run({"secrets", "rotate", "redis_password"});
  BOOST_TEST(rotate.exitCode == 0, rotate.output);
  auto after = nlohmann::json::parse(testing::readFile(root / "etc/cairn/secrets.json"))["secrets"];
  for (const auto& [name, entry] : before.items()) {
    bool changed = entry["value"] != after[name]["value"];
    BOOST_TEST(changed == (name == "redis_password"), name);
  }
  BOOST_TEST(run({"secrets", "rotate", "nope"}).exitCode == 2);
}

BOOST_AUTO_TEST_CASE(a_second_mutating_command_fails_at_once_under_no_wait) {
  init();
  // Hold the apply lock from another process with flock(1), as a long apply would.
  std::string lockFile = root / "var/lib/cairn/apply.lock";
  pid_t holder = ::fork();
  if (holder == 0) {
    ::execlp("flock", "flock", lockFile.c_str(), "sleep", "5", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100 && !host::pathExists(lockFile); ++i) ::usleep(20'000);
  ::usleep(200'000);
  auto result = run({"--no-wait", "apply"});
  BOOST_TEST(result.exitCode == 1, result.output);
  BOOST_TEST(contains(result.output, "holds"), result.output);
  ::kill(holder, SIGTERM);
  ::waitpid(holder, nullptr, 0);
}

BOOST_AUTO_TEST_CASE(concurrent_applies_serialize_and_both_succeed) {
  init();
  pid_t other = ::fork();
  if (other == 0) {
    auto result = cairnctl({"--root", root.path(), "apply"});
    ::_exit(result.exitCode);
  }
  auto mine = run({"apply"});
  int status = 0;
  ::waitpid(other, &status, 0);
  BOOST_TEST(mine.exitCode == 0, mine.output);
  BOOST_TEST(WEXITSTATUS(status) == 0);
  {
    // Exactly one of them applied; the other found nothing to change.
    auto history = run({"apply"});
    BOOST_TEST(contains(history.output, "No changes"));
  }
}

BOOST_AUTO_TEST_CASE(mutating_commands_without_root_say_so) {
  std::vector<std::string> argv = {CAIRNCTL_PATH, "apply"};
  if (::geteuid() == 0) {
    // Drop to nobody for this one command.
    argv.insert(argv.begin(), {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
  }
  host::LocalProcessRunner runner;
  auto result = runner.run(argv, 30s);
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(result.value().exitCode == 2);
  BOOST_TEST(contains(result.value().output, "must run as root"), result.value().output);
}

BOOST_AUTO_TEST_CASE(help_and_version_work_everywhere) {
  auto help = cairnctl({"--help"});
  BOOST_TEST(help.exitCode == 0);
  for (const char* command : {"init", "validate", "show", "plan", "apply", "status", "up", "down", "restart", "logs", "version"}) {
    BOOST_TEST(contains(help.output, command));
    BOOST_TEST(cairnctl({command, "--help"}).exitCode == 0, command);
  }
  BOOST_TEST(contains(cairnctl({"version"}).output, "cairnctl "));
  BOOST_TEST(cairnctl({"frobnicate"}).exitCode == 2);
}

BOOST_AUTO_TEST_SUITE_END()

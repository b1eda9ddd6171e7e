#include <boost/test/unit_test.hpp>

#include <sstream>
#include <thread>

#include "provisioning/cli/cli.hpp"
#include "provisioning/cli/commands_supervisor.hpp"
#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run cairnctl(const std::string& root, std::vector<std::string> args) {
  std::ostringstream out, err;
  args.insert(args.begin(), {"--root", root});
  int code = cli::runCairnctl(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cairnctl_commands)

BOOST_AUTO_TEST_CASE(without_a_supervisor_commands_say_so_and_apply_only_mentions_it) {
  TempDir dir;
  Run status = cairnctl(dir.path(), {"status"});
  BOOST_TEST(status.code == 1);
  BOOST_TEST(status.err.find("cairn-supervisord is not running") != std::string::npos);
  std::ostringstream out, err;
  host::LocalProcessRunner runner;
  cli::CliContext context{state::Paths{dir.path()}, false, out, err, runner};
  cli::notifySupervisorAfterApply(context);
  BOOST_TEST(out.str().find("cairn-supervisord is not running") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_up_down_restart_and_logs_work_through_the_socket) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  root.writeContainers(dbAndWeb(p));
  root.startSupervisor();

  Run up = cairnctl(root.root(), {"up"});
  BOOST_TEST_MESSAGE(up.out);
  BOOST_REQUIRE_MESSAGE(up.code == 0, up.err + root.supervisorLog());
  BOOST_TEST(up.out.find("web: running") != std::string::npos);
  BOOST_TEST(up.out.find("Every service is up.") != std::string::npos);

  Run table = cairnctl(root.root(), {"status"});
  BOOST_TEST(table.code == 0);
  BOOST_TEST(table.out.find("SERVICE") == 0u);
  BOOST_TEST(table.out.find("db       running  healthy") != std::string::npos);
  BOOST_TEST(table.out.find(kStandinImage) != std::string::npos);

  Run asJson = cairnctl(root.root(), {"status", "--json"});
  BOOST_TEST(asJson.code == 0);
  auto parsed = json::parse(asJson.out);
  BOOST_TEST(parsed["services"][1]["name"] == "web");
  BOOST_TEST(parsed["docker"]["connected"] == true);

  auto before = root.inspect(p + "-web");
  Run restart = cairnctl(root.root(), {"restart", "web"});
  BOOST_REQUIRE_MESSAGE(restart.code == 0, restart.err);
  BOOST_REQUIRE(waitUntil([&] { return root.converged(); }, 20s));
  BOOST_TEST(epochMillis(root.inspect(p + "-web").state.startedAt) > epochMillis(before.state.startedAt));
  BOOST_TEST(cairnctl(root.root(), {"restart", "nope"}).code == 2);

  Run logs = cairnctl(root.root(), {"logs", "web", "--tail", "5"});
  BOOST_TEST(logs.code == 0);
  BOOST_TEST(logs.out.find("standin: " + p + "-web serving on port 8080") != std::string::npos);
  BOOST_TEST(cairnctl(root.root(), {"logs", "web", "--tail", "many"}).code == 2);

  // Following ends when the container stops.
  Run followed{};
  std::thread follower([&] { followed = cairnctl(root.root(), {"logs", "web", "--follow", "--tail", "1"}); });
  BOOST_REQUIRE(root.call("POST", "/v1/services/web/stop").value().status == 200);
  follower.join();
  BOOST_TEST(followed.code == 0);
  BOOST_TEST(followed.out.find("serving on port 8080") != std::string::npos);
  BOOST_TEST(root.findService(root.status(), "web")->state == "stopped");
  BOOST_REQUIRE(root.call("POST", "/v1/services/web/start").value().status == 200);
  BOOST_REQUIRE(waitUntil([&] { return root.converged(); }, 20s));

  Run down = cairnctl(root.root(), {"down"});
  BOOST_REQUIRE_MESSAGE(down.code == 0, down.err);
  BOOST_TEST(root.inspect(p + "-web").state.status == "exited");
  Run stopped = cairnctl(root.root(), {"status"});
  BOOST_TEST(stopped.out.find("Held down by `cairnctl down`") != std::string::npos);
  BOOST_TEST(cairnctl(root.root(), {"up"}).code == 0);
  BOOST_TEST(root.inspect(p + "-web").state.status == "running");

  std::ostringstream out, err;
  host::LocalProcessRunner runner;
  cli::CliContext context{state::Paths{root.root()}, false, out, err, runner};
  cli::notifySupervisorAfterApply(context);
  BOOST_TEST(out.str().find("Asked cairn-supervisord to reconcile") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

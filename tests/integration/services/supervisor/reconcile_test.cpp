#define BOOST_TEST_MODULE services_supervisor_integration
#include <signal.h>

#include <ctime>
#include <set>
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json oneShot(json container) {
  container["one_shot"] = true;
  return container;
}

json fourTier(const std::string& p, const std::string& apiMode) {
  return {{"version", 1},
          {"network", p + "-net"},
          {"volumes", json::array()},
          {"services",
           {service("db", {}, {standinContainer(p + "-db")}),
            service("migrate", {"db"},
                    {oneShot(standinContainer(p + "-migrate", {{"STANDIN_MODE", "oneshot"}, {"STANDIN_DELAY_S", "1"}}, false))}),
            service("api", {"db", "migrate"}, {standinContainer(p + "-api", {{"API_MODE", apiMode}})}),
            service("worker", {"api"}, {standinContainer(p + "-worker", json::object(), false)})}}};
}

std::map<std::string, std::string> idsByName(SupervisedRoot& root) {
  std::map<std::string, std::string> ids;
  for (const auto& container : root.containers()) ids[container.name] = container.id;
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reconcile)

BOOST_AUTO_TEST_CASE(services_come_up_in_dependency_order_and_a_second_pass_changes_nothing) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  EventRecorder recorder("/var/run/docker.sock", root.root());
  root.writeContainers(fourTier(p, "one"));
  root.startSupervisor();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 60s), root.supervisorLog());

  // Recorded times prove the order: each start follows its dependencies' readiness.
  BOOST_REQUIRE(waitUntil([&] { return recorder.first(p + "-worker", "start") > 0; }, 5s));
  std::int64_t dbHealthy = recorder.first(p + "-db", "health_status: healthy");
  std::int64_t migrateStart = recorder.first(p + "-migrate", "start");
  std::int64_t migrateDone = recorder.first(p + "-migrate", "die");
  std::int64_t apiStart = recorder.first(p + "-api", "start");
  std::int64_t apiHealthy = recorder.first(p + "-api", "health_status: healthy");
  std::int64_t workerStart = recorder.first(p + "-worker", "start");
  BOOST_TEST_MESSAGE("db healthy → migrate start " << (migrateStart - dbHealthy) / 1'000'000 << " ms; migrate exit → api start "
                                                   << (apiStart - migrateDone) / 1'000'000 << " ms; api healthy → worker start "
                                                   << (workerStart - apiHealthy) / 1'000'000 << " ms");
  BOOST_TEST(dbHealthy > 0);
  BOOST_TEST(migrateStart > dbHealthy);
  BOOST_TEST(apiStart > migrateDone);
  BOOST_TEST(workerStart > apiHealthy);
  BOOST_TEST(root.inspect(p + "-migrate").state.exitCode == 0);

  // Idempotent: another pass creates, removes and restarts nothing.
  auto before = idsByName(root);
  auto startedBefore = epochMillis(root.inspect(p + "-api").state.startedAt);
  auto passes = root.status().reconcile.passes;
  BOOST_REQUIRE(root.call("POST", "/v1/reconcile").ok());
  BOOST_REQUIRE(waitUntil([&] { return root.status().reconcile.passes > passes && root.converged(); }, 20s));
  BOOST_TEST(idsByName(root) == before);
  BOOST_TEST(epochMillis(root.inspect(p + "-api").state.startedAt) == startedBefore);

  // Changing one service's env recreates only that container.
  root.writeContainers(fourTier(p, "two"));
  BOOST_REQUIRE(root.call("POST", "/v1/reconcile").ok());
  BOOST_REQUIRE(waitUntil(
      [&] {
        auto ids = idsByName(root);
        return ids.count(p + "-api") && ids[p + "-api"] != before[p + "-api"] && root.converged();
      },
      30s));
  auto after = idsByName(root);
  BOOST_TEST(after.size() == 4u);
  BOOST_TEST(after[p + "-db"] == before[p + "-db"]);
  BOOST_TEST(after[p + "-migrate"] == before[p + "-migrate"]);
  BOOST_TEST(after[p + "-worker"] == before[p + "-worker"]);
  // The replaced container was stopped cleanly (the stand-in exits 0 on SIGTERM), not killed.
  std::string replacedExit = "none";
  for (const auto& event : recorder.events()) {
    if (event.actorId == before[p + "-api"] && event.action == "die") replacedExit = event.attribute("exitCode");
  }
  BOOST_TEST(replacedExit == "0");
}

BOOST_AUTO_TEST_CASE(a_bad_image_is_reported_for_its_service_while_the_others_run) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  json bad = standinContainer(p + "-bad", json::object(), false);
  bad["image"] = p + "-no-such-image:0";
  root.writeContainers({{"version", 1},
                        {"network", p + "-net"},
                        {"services",
                         {service("good", {}, {standinContainer(p + "-good")}), service("broken", {}, {bad}),
                          service("after", {"good"}, {standinContainer(p + "-after", json::object(), false)})}}});
  root.startSupervisor();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.serviceIn("broken", "failed") && root.serviceIn("after", "running"); }, 60s),
                        root.supervisorLog());
  auto status = root.status();
  const auto* broken = root.findService(status, "broken");
  BOOST_TEST(broken->message.find(p + "-no-such-image:0") != std::string::npos);
  BOOST_TEST(root.findService(status, "good")->state == "running");
  BOOST_TEST(root.inspect(p + "-good").state.status == "running");

  // The failing pull is retried after growing pauses (the default first delay of 100 ms,
  // doubling), not on every pass: each attempt's log time is at least its pause after the one
  // before (a slow machine only makes the gaps longer), and the service keeps its message.
  const std::string attempt = "service=broken container=" + p + "-bad action=create reason=";
  auto attemptTimes = [&] {
    std::vector<std::int64_t> millis;  // from the log's "2026-11-22T00:40:41.907Z" prefixes
    std::istringstream lines(root.supervisorLog());
    for (std::string line; std::getline(lines, line);) {
      if (line.find(attempt) == std::string::npos || line.size() < 24) continue;
      std::tm time{};
      strptime(line.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &time);
      millis.push_back(static_cast<std::int64_t>(timegm(&time)) * 1000 + std::stoi(line.substr(20, 3)));
    }
    return millis;
  };
  std::vector<std::int64_t> times;
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return (times = attemptTimes()).size() >= 5; }, 60s), root.supervisorLog());
  for (std::size_t i = 1; i < 5; ++i) {
    std::int64_t pause = 100 << (i - 1);
    BOOST_TEST(times[i] - times[i - 1] >= pause, "attempt " << i + 1 << " came " << times[i] - times[i - 1]
                                                            << " ms after the one before, not after " << pause << " ms");
  }
  BOOST_TEST(root.findService(root.status(), "broken")->message.find(p + "-no-such-image:0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_supervisor_killed_during_reconcile_converges_without_duplicates_when_restarted) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  std::vector<json> services;
  for (int i = 0; i < 6; ++i) {
    std::string name = "s" + std::to_string(i);
    std::vector<std::string> needs;
    if (i > 0) needs.push_back("s" + std::to_string(i - 1));
    services.push_back(service(name, needs, {standinContainer(p + "-" + name, json::object(), false)}));
  }
  root.writeContainers({{"version", 1}, {"network", p + "-net"}, {"services", services}});
  root.startSupervisor();
  // Kill it as soon as it has made its first containers, mid-way through the chain.
  BOOST_REQUIRE(waitUntil([&] { return root.containers().size() >= 2; }, 30s, 10ms));
  root.signalSupervisor(SIGKILL);
  root.waitSupervisorExit();
  std::size_t seenAtKill = root.containers().size();
  BOOST_TEST_MESSAGE("containers when the supervisor was killed: " << seenAtKill);
  root.startSupervisor();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 60s), root.supervisorLog());
  auto containers = root.containers();
  std::set<std::string> names;
  for (const auto& container : containers) {
    names.insert(container.name);
    BOOST_TEST(container.state == "running");
  }
  BOOST_TEST(containers.size() == 6u);
  BOOST_TEST(names.size() == 6u);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "services/supervisor/plan.hpp"
#include "tests/unit/services/supervisor/fixtures.hpp"

using namespace cairn::supervisor;

namespace {

DesiredSet threeTier(const std::string& webEnv = "one") {
  return parseDesiredSet(cairn::testing::threeTierContainersJson(webEnv));
}

ObservedContainer observed(const DesiredSet& set, const std::string& name, const std::string& status,
                           const std::string& health = "none", int exitCode = 0) {
  const DesiredContainer* container = set.container(name);
  ObservedContainer item;
  item.id = "id-" + name;
  item.name = name;
  item.service = container ? container->service : "gone";
  item.specHash = container ? container->specHash : "old";
  item.status = status;
  item.health = health;
  item.exitCode = exitCode;
  item.everStarted = status != "created";
  return item;
}

std::vector<ObservedContainer> converged(const DesiredSet& set) {
  return {observed(set, "cairn-postgres", "running", "healthy"), observed(set, "cairn-redis", "running"),
          observed(set, "cairn-init", "exited", "none", 0), observed(set, "cairn-web", "running")};
}

std::vector<std::string> describe(const ReconcilePlan& plan) {
  std::vector<std::string> out;
  for (const auto& action : plan.actions) out.push_back(std::string(actionName(action.kind)) + " " + action.container);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plan)

BOOST_AUTO_TEST_CASE(from_nothing_everything_is_created_and_only_services_without_dependencies_start) {
  DesiredSet set = threeTier();
  ReconcilePlan plan = planReconcile(set, {}, Holds{});
  BOOST_TEST(describe(plan) ==
                 (std::vector<std::string>{"create cairn-postgres", "start cairn-postgres", "create cairn-redis",
                                           "start cairn-redis", "create cairn-init", "create cairn-web"}),
             boost::test_tools::per_element());
  BOOST_TEST(plan.waiting.at("init") == "waiting for postgres to be healthy");
  BOOST_TEST(plan.waiting.at("web") == "waiting for postgres to be healthy");
}

BOOST_AUTO_TEST_CASE(a_healthy_dependency_starts_the_one_shot_and_its_exit_0_starts_the_rest) {
  DesiredSet set = threeTier();
  std::vector<ObservedContainer> now = {observed(set, "cairn-postgres", "running", "healthy"),
                                        observed(set, "cairn-redis", "running"), observed(set, "cairn-init", "created"),
                                        observed(set, "cairn-web", "created")};
  BOOST_TEST(describe(planReconcile(set, now, Holds{})) == (std::vector<std::string>{"start cairn-init"}),
             boost::test_tools::per_element());
  BOOST_TEST(planReconcile(set, now, Holds{}).waiting.at("web") == "waiting for init to complete");
  now[2] = observed(set, "cairn-init", "exited", "none", 0);
  BOOST_TEST(describe(planReconcile(set, now, Holds{})) == (std::vector<std::string>{"start cairn-web"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_dependency_still_starting_holds_its_dependents) {
  DesiredSet set = threeTier();
  auto now = converged(set);
  now[0].health = "starting";
  now[2].status = "created";
  ReconcilePlan plan = planReconcile(set, now, Holds{});
  BOOST_TEST(plan.actions.empty());
  BOOST_TEST(plan.waiting.count("init") == 1u);
}

BOOST_AUTO_TEST_CASE(a_converged_system_needs_nothing_so_a_second_pass_changes_nothing) {
  DesiredSet set = threeTier();
  ReconcilePlan plan = planReconcile(set, converged(set), Holds{});
  BOOST_TEST(plan.actions.empty());
  BOOST_TEST(plan.waiting.empty());
}

BOOST_AUTO_TEST_CASE(a_changed_env_recreates_only_that_container) {
  DesiredSet before = threeTier("one");
  DesiredSet after = threeTier("two");
  ReconcilePlan plan = planReconcile(after, converged(before), Holds{});
  BOOST_TEST(describe(plan) ==
                 (std::vector<std::string>{"remove cairn-web", "create cairn-web", "start cairn-web"}),
             boost::test_tools::per_element());
  BOOST_TEST(plan.actions[0].containerId == "id-cairn-web");
}

BOOST_AUTO_TEST_CASE(managed_orphans_are_removed_first) {
  DesiredSet set = threeTier();
  auto now = converged(set);
  now.push_back(observed(set, "cairn-old-worker", "running"));
  ReconcilePlan plan = planReconcile(set, now, Holds{});
  BOOST_TEST(describe(plan) == (std::vector<std::string>{"remove cairn-old-worker"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_dead_container_is_started_again_unless_it_waits_for_its_backoff) {
  DesiredSet set = threeTier();
  auto now = converged(set);
  now[1] = observed(set, "cairn-redis", "exited", "none", 137);
  BOOST_TEST(describe(planReconcile(set, now, Holds{})) == (std::vector<std::string>{"start cairn-redis"}),
             boost::test_tools::per_element());
  Holds holds;
  holds.backingOff = {"cairn-redis"};
  ReconcilePlan plan = planReconcile(set, now, holds);
  BOOST_TEST(plan.actions.empty());
  BOOST_TEST(plan.waiting.at("redis") == "restart delayed (backoff)");
}

BOOST_AUTO_TEST_CASE(a_failed_one_shot_runs_again_and_a_completed_one_does_not) {
  DesiredSet set = threeTier();
  auto now = converged(set);
  BOOST_TEST(planReconcile(set, now, Holds{}).actions.empty());
  now[2] = observed(set, "cairn-init", "exited", "none", 2);
  BOOST_TEST(describe(planReconcile(set, now, Holds{})) == (std::vector<std::string>{"start cairn-init"}),
             boost::test_tools::per_element());
}

namespace {

// threeTier() whose postgres re-applies its init script once it is healthy.
DesiredSet withReadyExec() {
  auto document = nlohmann::json::parse(cairn::testing::threeTierContainersJson());
  document["services"][0]["containers"][0]["ready_exec"] = {{"argv", {"/docker-entrypoint-initdb.d/10.sh"}},
                                                            {"user", "postgres"}};
  return parseDesiredSet(document.dump());
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_healthy_container_with_a_ready_exec_runs_it_before_its_dependents_start) {
  DesiredSet set = withReadyExec();
  std::vector<ObservedContainer> now = {observed(set, "cairn-postgres", "running", "healthy"),
                                        observed(set, "cairn-redis", "running"), observed(set, "cairn-init", "created"),
                                        observed(set, "cairn-web", "created")};
  BOOST_TEST(!containerReady(*set.container("cairn-postgres"), &now[0]));
  ReconcilePlan plan = planReconcile(set, now, Holds{});
  BOOST_TEST(describe(plan) == (std::vector<std::string>{"ready-exec cairn-postgres"}), boost::test_tools::per_element());
  BOOST_TEST(plan.actions[0].containerId == "id-cairn-postgres");
  BOOST_TEST(plan.waiting.at("init") == "waiting for postgres to finish its ready_exec");

  now[0].readyExecDone = true;
  BOOST_TEST(containerReady(*set.container("cairn-postgres"), &now[0]));
  BOOST_TEST(describe(planReconcile(set, now, Holds{})) == (std::vector<std::string>{"start cairn-init"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_ready_exec_waits_for_health_and_is_not_run_for_a_held_service) {
  DesiredSet set = withReadyExec();
  auto now = converged(set);
  now[0].health = "starting";
  BOOST_TEST(planReconcile(set, now, Holds{}).actions.empty());
  BOOST_TEST(planReconcile(set, now, Holds{}).waiting.at("init") == "waiting for postgres to be healthy");
  now[0].health = "healthy";
  Holds holds;
  holds.stoppedServices = {"postgres"};
  for (const auto& action : planReconcile(set, now, holds).actions) BOOST_TEST((action.kind != ActionKind::kReadyExec));
}

BOOST_AUTO_TEST_CASE(a_failed_ready_exec_waits_for_its_backoff_and_keeps_dependents_waiting) {
  DesiredSet set = withReadyExec();
  auto now = converged(set);
  now[2].status = "created";
  Holds holds;
  holds.readyExecBackingOff = {"cairn-postgres"};
  ReconcilePlan plan = planReconcile(set, now, holds);
  BOOST_TEST(plan.actions.empty());
  BOOST_TEST(plan.waiting.at("postgres") == "ready_exec failed; retrying (backoff)");
  BOOST_TEST(plan.waiting.at("init") == "waiting for postgres to finish its ready_exec");
}

BOOST_AUTO_TEST_CASE(a_recreated_container_runs_its_ready_exec_again_only_once_healthy) {
  DesiredSet set = withReadyExec();
  auto now = converged(set);
  now[0].specHash = "old";
  now[0].readyExecDone = true;
  BOOST_TEST(describe(planReconcile(set, now, Holds{})) ==
                 (std::vector<std::string>{"remove cairn-postgres", "create cairn-postgres", "start cairn-postgres"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(down_stops_running_services_in_reverse_order_and_starts_nothing) {
  DesiredSet set = threeTier();
  Holds holds;
  holds.allDown = true;
  ReconcilePlan plan = planReconcile(set, converged(set), holds);
  BOOST_TEST(describe(plan) ==
                 (std::vector<std::string>{"stop cairn-web", "stop cairn-redis", "stop cairn-postgres"}),
             boost::test_tools::per_element());
  auto stopped = converged(set);
  for (auto& item : stopped) item.status = "exited";
  BOOST_TEST(planReconcile(set, stopped, holds).actions.empty());
}

BOOST_AUTO_TEST_CASE(one_stopped_service_stays_stopped_and_holds_its_dependents) {
  DesiredSet set = threeTier();
  auto now = converged(set);
  now[0].status = "exited";
  now[3].status = "exited";
  Holds holds;
  holds.stoppedServices = {"postgres"};
  ReconcilePlan plan = planReconcile(set, now, holds);
  BOOST_TEST(plan.actions.empty());
  BOOST_TEST(plan.waiting.at("web") == "waiting for postgres to be healthy");
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include "services/supervisor/held_state.hpp"
#include "services/supervisor/settings.hpp"

using namespace cairn::supervisor;

BOOST_AUTO_TEST_SUITE(settings)

BOOST_AUTO_TEST_CASE(paths_follow_the_root_and_scope_the_containers) {
  SupervisorSettings real = defaultSettings("");
  BOOST_TEST(real.controlSocket == "/run/cairn/supervisor.sock");
  BOOST_TEST(real.containersFile == "/etc/cairn/rendered/containers.json");
  BOOST_TEST(real.scope == "");
  SupervisorSettings test = defaultSettings("/tmp/t1");
  BOOST_TEST(test.controlSocket == "/tmp/t1/run/cairn/supervisor.sock");
  BOOST_TEST(test.scope == "/tmp/t1");
  BOOST_TEST(test.metricsListen == "127.0.0.1:9465");
}

BOOST_AUTO_TEST_CASE(supervisor_json_overrides_restart_timing) {
  SupervisorSettings settings = defaultSettings("");
  auto problems = applySettingsFile(R"({"metrics_listen": "127.0.0.1:0", "restart": {"first_delay_ms": 50, "crash_loop_failures": 3}})",
                                    settings);
  BOOST_TEST(problems.empty());
  BOOST_TEST(settings.metricsListen == "127.0.0.1:0");
  BOOST_TEST(settings.restart.firstDelay.count() == 50);
  BOOST_TEST(settings.restart.crashLoopFailures == 3);
  BOOST_TEST(settings.restart.maxDelay.count() == 300000);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_all_reported_and_change_nothing) {
  SupervisorSettings settings = defaultSettings("");
  auto problems = applySettingsFile(R"({"metrics_listen": "localhost", "restart": {"first_delay_ms": -1}, "colour": 1})",
                                    settings);
  BOOST_TEST(problems.size() == 3u);
  BOOST_TEST(settings.metricsListen == "127.0.0.1:9465");
}

BOOST_AUTO_TEST_CASE(held_state_round_trips_and_garbage_means_nothing_held) {
  HeldState held{true, {"redis"}};
  HeldState back = parseHeldState(heldStateText(held));
  BOOST_TEST(back.allDown);
  BOOST_TEST(back.stoppedServices.count("redis") == 1u);
  BOOST_TEST(!parseHeldState("garbage").allDown);
}

BOOST_AUTO_TEST_SUITE_END()

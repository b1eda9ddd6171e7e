#include <boost/test/unit_test.hpp>

#include "services/supervisor/restart_policy.hpp"

using namespace cairn::supervisor;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(restart_policy)

BOOST_AUTO_TEST_CASE(delays_start_within_a_second_and_double_up_to_five_minutes) {
  RestartPolicy policy;
  BOOST_TEST(restartDelay(policy, 1).count() == 100);
  BOOST_TEST(restartDelay(policy, 2).count() == 200);
  BOOST_TEST(restartDelay(policy, 5).count() == 1600);
  BOOST_TEST(restartDelay(policy, 12).count() == 204800);
  BOOST_TEST(restartDelay(policy, 13).count() == 300000);
  BOOST_TEST(restartDelay(policy, 100).count() == 300000);
}

BOOST_AUTO_TEST_CASE(five_failures_within_ten_minutes_is_crash_looping) {
  RestartPolicy policy;
  RestartTracker tracker;
  WallTime start{std::chrono::seconds(1'800'000'000)};
  for (int i = 0; i < 4; ++i) tracker.recordFailure(policy, start + std::chrono::seconds(i * 10), start);
  BOOST_TEST(!tracker.crashLooping(policy, start + 40s));
  tracker.recordFailure(policy, start + 50s, start + 45s);
  BOOST_TEST(tracker.crashLooping(policy, start + 50s));
  BOOST_TEST(tracker.failuresWithin(policy, start + 50s) == 5);
  // The window slides: ten minutes later the early failures no longer count.
  BOOST_TEST(!tracker.crashLooping(policy, start + 620s));
}

BOOST_AUTO_TEST_CASE(a_run_of_ten_minutes_resets_the_doubling) {
  RestartPolicy policy;
  RestartTracker tracker;
  WallTime start{std::chrono::seconds(1'800'000'000)};
  BOOST_TEST(tracker.recordFailure(policy, start + 1s, start).count() == 100);
  BOOST_TEST(tracker.recordFailure(policy, start + 2s, start + 1s).count() == 200);
  BOOST_TEST(tracker.recordFailure(policy, start + 3s, start + 2s).count() == 400);
  BOOST_TEST(tracker.recordFailure(policy, start + 700s, start + 3s).count() == 100);
  BOOST_TEST(tracker.consecutiveFailures() == 1);
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include "services/supervisor/control_api.hpp"

using namespace cairn;
using namespace cairn::supervisor;

BOOST_AUTO_TEST_SUITE(control_api)

BOOST_AUTO_TEST_CASE(routes_are_matched_by_method_and_path) {
  BOOST_TEST((routeOf("GET", "/v1/status").kind == RouteKind::kStatus));
  BOOST_TEST((routeOf("POST", "/v1/status").kind == RouteKind::kNotFound));
  BOOST_TEST((routeOf("POST", "/v1/down").kind == RouteKind::kDown));
  BOOST_TEST((routeOf("GET", "/metrics").kind == RouteKind::kMetrics));
  Route restart = routeOf("POST", "/v1/services/postgres/restart");
  BOOST_TEST((restart.kind == RouteKind::kServiceAction));
  BOOST_TEST(restart.service == "postgres");
  BOOST_TEST(restart.action == "restart");
  BOOST_TEST((routeOf("POST", "/v1/services/postgres/explode").kind == RouteKind::kNotFound));
  Route logs = routeOf("GET", "/v1/services/redis/logs");
  BOOST_TEST((logs.kind == RouteKind::kLogs));
  BOOST_TEST(logs.service == "redis");
}

BOOST_AUTO_TEST_CASE(errors_map_to_http_statuses) {
  BOOST_TEST(httpStatusOf(makeError(ErrorCode::kNotFound, "")) == 404);
  BOOST_TEST(httpStatusOf(makeError(ErrorCode::kUnavailable, "")) == 503);
  BOOST_TEST(httpStatusOf(makeError(ErrorCode::kFailed, "")) == 500);
}

BOOST_AUTO_TEST_CASE(followed_log_lines_lose_their_timestamp_and_resume_from_it) {
  auto [timestamp, text] = splitLogTimestamp("2026-11-21T22:50:01.123456789Z standin: serving");
  BOOST_TEST(timestamp == "2026-11-21T22:50:01.123456789Z");
  BOOST_TEST(text == "standin: serving");
  BOOST_TEST(splitLogTimestamp("no timestamp here").first == "");
  std::chrono::system_clock::time_point time{std::chrono::nanoseconds(1'800'000'000'000'000'042)};
  BOOST_TEST(sinceOf(time) == "1800000000.000000042");
}

BOOST_AUTO_TEST_SUITE_END()

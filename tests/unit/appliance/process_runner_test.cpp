#include <boost/test/unit_test.hpp>

#include "appliance/host/process_runner.hpp"

using namespace cairn;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(process_runner)

BOOST_AUTO_TEST_CASE(captures_output_of_both_streams_and_the_exit_code) {
  host::LocalProcessRunner runner;
  auto result = runner.run({"sh", "-c", "echo out; echo err >&2; exit 7"}, 10s);
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(result.value().exitCode == 7);
  BOOST_TEST(result.value().output.find("out") != std::string::npos);
  BOOST_TEST(result.value().output.find("err") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_program_is_an_io_error) {
  host::LocalProcessRunner runner;
  auto result = runner.run({"/nonexistent/program"}, 10s);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(result.error().message.find("/nonexistent/program") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_program_outliving_its_timeout_is_killed) {
  host::LocalProcessRunner runner;
  auto result = runner.run({"sleep", "30"}, 200ms);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST(static_cast<int>(result.error().code) == static_cast<int>(ErrorCode::kTimeout));
}

BOOST_AUTO_TEST_CASE(a_daemon_left_behind_does_not_block_the_caller) {
  host::LocalProcessRunner runner;
  // The background sleep inherits the output pipe; the run still ends when sh exits.
  auto result = runner.run({"sh", "-c", "sleep 20 & echo started"}, 10s);
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(result.value().exitCode == 0);
  BOOST_TEST(result.value().output.find("started") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

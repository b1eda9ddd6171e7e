#include <boost/test/unit_test.hpp>

#include "services/supervisor/ready_exec.hpp"

using namespace cairn::supervisor;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(ready_exec)

const std::map<std::string, std::string> kEnv = {{"POSTGRES_USER", "postgres"},
                                                 {"POSTGRES_PASSWORD", "Zq8vN2mXc4LkT7pR"},
                                                 {"CAIRN_AIRFLOW_DB_PASSWORD", "Zq8vN2mXc4LkT7pRlonger"}};

BOOST_AUTO_TEST_CASE(long_env_values_are_redacted_wherever_they_appear_and_short_ones_stay) {
  std::string text = "role postgres: password 'Zq8vN2mXc4LkT7pR' and 'Zq8vN2mXc4LkT7pRlonger' twice Zq8vN2mXc4LkT7pR";
  BOOST_TEST(redactEnvValues(text, kEnv) ==
             "role postgres: password '[redacted]' and '[redacted]' twice [redacted]");
  BOOST_TEST(redactEnvValues("nothing secret", kEnv) == "nothing secret");
}

BOOST_AUTO_TEST_CASE(the_tail_keeps_the_last_non_empty_lines_and_bytes) {
  BOOST_TEST(outputTail("a\n\nb\nc\nd\ne\nf\n\n") == "b | c | d | e | f");
  BOOST_TEST(outputTail("one\r\ntwo  \n", 5, 400) == "one | two");
  BOOST_TEST(outputTail("0123456789", 5, 4) == "...6789");
  BOOST_TEST(outputTail("") == "");
}

BOOST_AUTO_TEST_CASE(an_exit_is_described_with_its_code_and_redacted_output) {
  BOOST_TEST(describeReadyExecExit(2, "psql: error: FATAL: password Zq8vN2mXc4LkT7pR\n", kEnv) ==
             "ready_exec exited 2: psql: error: FATAL: password [redacted]");
  BOOST_TEST(describeReadyExecExit(1, "", kEnv) == "ready_exec exited 1 with no output");
}

BOOST_AUTO_TEST_CASE(retries_start_at_a_second_and_double_to_the_cap) {
  RestartPolicy policy;
  BOOST_TEST(readyExecRetryDelay(policy, 1).count() == 1000);
  BOOST_TEST(readyExecRetryDelay(policy, 3).count() == 4000);
  BOOST_TEST(readyExecRetryDelay(policy, 40).count() == std::chrono::milliseconds(policy.maxDelay).count());
}

BOOST_AUTO_TEST_SUITE_END()

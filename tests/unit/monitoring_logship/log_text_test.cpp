#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "monitoring/logship/log_text.hpp"

using namespace cairn::logship;
namespace data = boost::unit_test::data;

BOOST_AUTO_TEST_SUITE(log_text)

BOOST_AUTO_TEST_CASE(escaped_text_is_valid_json_whatever_the_bytes) {
  const std::string nasty = std::string("a\"b\\c\n\t\x01", 9) + std::string(1, '\0') + "\xff\xfe ok \xc3\xa9 \xe2\x82" +
                            " \xed\xa0\x80 \xf0\x9f\x98\x80";
  std::string out;
  const std::size_t replaced = appendJsonString(out, nasty);
  const auto parsed = nlohmann::json::parse(out);
  const std::string back = parsed.get<std::string>();
  BOOST_TEST(replaced == 7u);  // ff, fe, e2 82 (2), ed a0 80 (3)
  BOOST_TEST(back.find("a\"b\\c\n\t\x01") == 0u);
  BOOST_TEST(back.find(std::string(1, '\0')) != std::string::npos);
  BOOST_TEST(back.find("\xc3\xa9") != std::string::npos);
  BOOST_TEST(back.find("\xf0\x9f\x98\x80") != std::string::npos);
  BOOST_TEST(back.find("\xef\xbf\xbd") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(docker_record_is_read_with_its_stream_and_time) {
  auto record = parseDockerRecord(R"({"log":"hello \"w\" \u00e9 \ud83d\ude00\n","stream":"stderr","time":"2026-11-21T21:45:06.123456789Z"})");
  BOOST_REQUIRE(record);
  BOOST_TEST(record->log == "hello \"w\" \xc3\xa9 \xf0\x9f\x98\x80\n");
  BOOST_TEST(record->stream == "stderr");
  BOOST_TEST(record->timeNs == 1795297506123456789LL);
  BOOST_TEST(!record->partial());
}

BOOST_AUTO_TEST_CASE(docker_record_without_newline_is_partial_and_extra_fields_are_skipped) {
  auto record = parseDockerRecord(R"({"log":"abc","attrs":{"tag":"x","n":[1,2]},"stream":"stdout","time":"2026-11-21T21:45:06Z"})");
  BOOST_REQUIRE(record);
  BOOST_TEST(record->partial());
  BOOST_TEST(record->log == "abc");
}

BOOST_DATA_TEST_CASE(malformed_docker_records_are_refused,
                     data::make({std::string("not json"), std::string("{\"log\":\"x\"}"),
                                 std::string("{\"log\":\"x\",\"time\":\"yesterday\"}"),
                                 std::string("{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"2026-11-21T21:45:06Z\""),
                                 std::string("{\"log\":\"x\\q\",\"time\":\"2026-11-21T21:45:06Z\"}"),
                                 std::string("{\"log\":\"x\",\"time\":\"2026-11-21T21:45:06Z\"} trailing"),
                                 std::string("[1,2,3]"), std::string("")}),
                     line) {
  BOOST_TEST(!parseDockerRecord(line));
}

BOOST_DATA_TEST_CASE(rfc3339_times_are_read_to_the_nanosecond,
                     data::make({std::string("1970-01-01T00:00:00Z"), std::string("1970-01-01T00:00:01.5Z"),
                                 std::string("1970-01-01T01:00:00+01:00"), std::string("2000-02-29T12:00:00.000000001Z")}) ^
                         data::make({0LL, 1500000000LL, 0LL, 951825600000000001LL}),
                     text, expected) {
  auto ns = parseRfc3339Nanos(text);
  BOOST_REQUIRE(ns);
  BOOST_TEST(*ns == expected);
}

BOOST_AUTO_TEST_CASE(nginx_access_lines_take_their_own_time) {
  BOOST_TEST(*nginxAccessTimestamp(R"({"msec":"1700000000.250","status":200})") == 1700000000250000000LL);
  BOOST_TEST(*nginxAccessTimestamp(R"({"time_iso8601":"2023-11-14T22:13:20+00:00"})") == 1700000000000000000LL);
  BOOST_TEST(!nginxAccessTimestamp("127.0.0.1 - - [14/Nov/2023] GET /"));
}

BOOST_AUTO_TEST_CASE(long_lines_are_cut_within_the_limit_and_marked) {
  std::string line(1000, 'x');
  BOOST_TEST(truncateLine(line, 300, 5000));
  BOOST_TEST(line.size() <= 300u);
  BOOST_TEST(line.find("[truncated") != std::string::npos);
  std::string shortLine = "short";
  BOOST_TEST(!truncateLine(shortLine, 300, 5));
  BOOST_TEST(shortLine == "short");
}

BOOST_AUTO_TEST_CASE(cutting_never_splits_a_utf8_character) {
  std::string line;
  for (int i = 0; i < 200; ++i) line += "\xc3\xa9";
  truncateLine(line, 101, line.size());
  std::string out;
  BOOST_TEST(appendJsonString(out, line) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

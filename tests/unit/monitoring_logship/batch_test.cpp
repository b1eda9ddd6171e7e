
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "monitoring/logship/batch.hpp"
#include "tests/support/loki_standin/gunzip.hpp"

using namespace cairn::logship;
using cairn::testing::gunzip;

BOOST_AUTO_TEST_SUITE(batch)

BOOST_AUTO_TEST_CASE(entries_are_grouped_by_stream_in_read_order) {
  Batch batch;
  batch.add(R"({"s":"a"})", 1, "a1");
  batch.add(R"({"s":"b"})", 2, "b1");
  batch.add(R"({"s":"a"})", 3, "a2");
  BOOST_TEST(batch.bytes() == 6u);
  const auto body = nlohmann::json::parse(batch.encodeJson(0, batch.size()));
  BOOST_REQUIRE(body["streams"].size() == 2u);
  BOOST_TEST(body["streams"][0]["stream"]["s"] == "a");
  BOOST_TEST(body["streams"][0]["values"].dump() == R"([["1","a1"],["3","a2"]])");
  BOOST_TEST(body["streams"][1]["values"].dump() == R"([["2","b1"]])");
}

BOOST_AUTO_TEST_CASE(a_range_encodes_only_its_entries) {
  Batch batch;
  for (int i = 0; i < 4; ++i) batch.add(R"({"s":"a"})", i, "l" + std::to_string(i));
  const auto body = nlohmann::json::parse(batch.encodeJson(2, 4));
  BOOST_TEST(body["streams"][0]["values"].dump() == R"([["2","l2"],["3","l3"]])");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_replaced_and_counted) {
  Batch batch;
  batch.add(R"({"s":"a"})", 1, "bad \xff byte");
  std::size_t replaced = 0;
  const auto body = nlohmann::json::parse(batch.encodeJson(0, 1, &replaced));
  BOOST_TEST(replaced == 1u);
  BOOST_TEST(body["streams"][0]["values"][0][1] == "bad \xef\xbf\xbd byte");
}

BOOST_AUTO_TEST_CASE(gzip_round_trips) {
  const std::string text(100000, 'q');
  const std::string compressed = gzipFast(text);
  BOOST_TEST(compressed.size() < text.size() / 10);
  BOOST_TEST((gunzip(compressed) == text));
}

BOOST_AUTO_TEST_SUITE_END()

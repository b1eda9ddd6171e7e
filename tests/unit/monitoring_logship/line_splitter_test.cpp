#include <boost/test/unit_test.hpp>

#include "monitoring/logship/line_splitter.hpp"

using namespace cairn::logship;

BOOST_AUTO_TEST_SUITE(line_splitter)

BOOST_AUTO_TEST_CASE(lines_come_out_whole_across_appends) {
  LineSplitter splitter(100);
  splitter.append("one\ntw", 6);
  SplitLine line;
  BOOST_TEST(splitter.next(line));
  BOOST_TEST(line.text == "one");
  BOOST_TEST(line.consumedBytes == 4u);
  BOOST_TEST(!splitter.next(line));
  splitter.append("o\n", 2);
  BOOST_TEST(splitter.next(line));
  BOOST_TEST(line.text == "two");
}

BOOST_AUTO_TEST_CASE(an_oversized_line_keeps_its_head_and_counts_every_byte) {
  LineSplitter splitter(10);
  const std::string big(5000, 'a');
  for (int i = 0; i < 4; ++i) splitter.append(big.data(), big.size());
  BOOST_TEST(splitter.pendingBytes() == 20000u);
  splitter.append("b\nnext\n", 7);
  SplitLine line;
  BOOST_REQUIRE(splitter.next(line));
  BOOST_TEST(line.text == std::string(10, 'a'));
  BOOST_TEST(line.originalBytes == 20001u);
  BOOST_TEST(line.consumedBytes == 20002u);
  BOOST_REQUIRE(splitter.next(line));
  BOOST_TEST(line.text == "next");
}

BOOST_AUTO_TEST_CASE(the_unterminated_rest_can_be_taken_at_the_end) {
  LineSplitter splitter(100);
  splitter.append("tail", 4);
  SplitLine line;
  BOOST_TEST(!splitter.next(line));
  BOOST_TEST(splitter.takeRest(line));
  BOOST_TEST(line.text == "tail");
  BOOST_TEST(line.consumedBytes == 4u);
  BOOST_TEST(!splitter.takeRest(line));
}

BOOST_AUTO_TEST_SUITE_END()

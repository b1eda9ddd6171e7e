#include <boost/test/unit_test.hpp>

#include <vector>

#include "services/docker/streams.hpp"

using namespace cairn::docker;

namespace {

std::string frame(unsigned char stream, const std::string& payload) {
  std::string out = {static_cast<char>(stream), 0, 0, 0};
  auto size = static_cast<std::uint32_t>(payload.size());
  out += static_cast<char>((size >> 24) & 0xff);
  out += static_cast<char>((size >> 16) & 0xff);
  out += static_cast<char>((size >> 8) & 0xff);
  out += static_cast<char>(size & 0xff);
  return out + payload;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(streams)

BOOST_AUTO_TEST_CASE(frames_split_anywhere_across_chunks_are_reassembled) {
  std::string body = frame(1, "hello\n") + frame(2, "oops\n") + frame(1, std::string(300, 'x'));
  for (std::size_t cut = 1; cut < body.size(); cut += 7) {
    LogFrameDecoder decoder;
    std::vector<LogChunk> chunks;
    auto collect = [&](const LogChunk& chunk) {
      chunks.push_back(chunk);
      return true;
    };
    decoder.feed(std::string_view(body).substr(0, cut), collect);
    decoder.feed(std::string_view(body).substr(cut), collect);
    BOOST_REQUIRE(chunks.size() == 3u);
    BOOST_TEST(chunks[0].text == "hello\n");
    BOOST_TEST((chunks[1].stream == LogStream::kStderr));
    BOOST_TEST(chunks[2].text.size() == 300u);
    BOOST_TEST(!decoder.midFrame());
  }
}

BOOST_AUTO_TEST_CASE(the_reader_can_stop_the_frames) {
  LogFrameDecoder decoder;
  int seen = 0;
  bool more = decoder.feed(frame(1, "a") + frame(1, "b"), [&](const LogChunk&) { return ++seen < 1; });
  BOOST_TEST(!more);
  BOOST_TEST(seen == 1);
}

BOOST_AUTO_TEST_CASE(lines_are_split_across_chunks_and_blank_lines_skipped) {
  LineSplitter splitter;
  std::vector<std::string> lines;
  auto collect = [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  };
  splitter.feed("{\"a\":1}\n\n{\"b\"", collect);
  splitter.feed(":2}\r\n{\"c\"", collect);
  BOOST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[1] == "{\"b\":2}");
  BOOST_TEST(splitter.rest() == "{\"c\"");
}

BOOST_AUTO_TEST_SUITE_END()

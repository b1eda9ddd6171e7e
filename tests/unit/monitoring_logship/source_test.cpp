#include <fcntl.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "monitoring/logship/log_text.hpp"
#include "monitoring/logship/source.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::logship;
using cairn::testing::TempDir;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000'000'000LL;

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

std::string dockerLine(const std::string& log, const std::string& stream, int second) {
  std::string out = "{\"log\":";
  appendJsonString(out, log);
  out += ",\"stream\":\"" + stream + "\",\"time\":\"2026-11-21T21:45:" + (second < 10 ? "0" : "") + std::to_string(second) + ".5Z\"}\n";
  return out;
}

std::vector<LogEntry> drain(Source& source, std::int64_t now = kNow) {
  std::vector<LogEntry> entries;
  LogEntry entry;
  while (source.next(entry, now)) entries.push_back(entry);
  return entries;
}

struct Fixture {
  TempDir dir;
  cairn::metrics::Registry registry;
  std::string path = dir / "c-json.log";

  std::unique_ptr<FileSource> make(FileFormat format, FileSourceOptions options = {}) {
    return std::make_unique<FileSource>("k", "test", path, format, std::map<std::string, std::string>{{"service", "web"}},
                                        options, std::nullopt, registerSourceMetrics(registry, "test"));
  }
  double counter(const std::string& name) {
    for (const auto& family : registry.collect()) {
      if (family.name == name && !family.samples.empty()) return family.samples[0].value;
    }
    return -1;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(source, Fixture)

BOOST_AUTO_TEST_CASE(docker_lines_carry_their_stream_label_and_time) {
  append(path, dockerLine("out\n", "stdout", 1) + dockerLine("err\n", "stderr", 2));
  auto source = make(FileFormat::kDocker);
  auto entries = drain(*source);
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].line == "out");
  BOOST_TEST(*entries[0].labels == R"({"service":"web","stream":"stdout"})");
  BOOST_TEST(*entries[1].labels == R"({"service":"web","stream":"stderr"})");
  BOOST_TEST(entries[1].timestampNs == 1795297502500000000LL);
}

BOOST_AUTO_TEST_CASE(docker_partial_records_are_joined_into_one_line) {
  append(path, dockerLine("abc", "stdout", 1) + dockerLine("def", "stdout", 1) + dockerLine("ghi\n", "stdout", 1));
  auto source = make(FileFormat::kDocker);
  auto entries = drain(*source);
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].line == "abcdefghi");
}

BOOST_AUTO_TEST_CASE(malformed_docker_lines_are_shipped_raw_and_counted) {
  append(path, "this is not json\n" + dockerLine("fine\n", "stdout", 1) + std::string("nul\0byte\n", 9));
  auto source = make(FileFormat::kDocker);
  auto entries = drain(*source);
  BOOST_REQUIRE(entries.size() == 3u);
  BOOST_TEST(entries[0].line == "this is not json");
  BOOST_TEST(entries[1].line == "fine");
  BOOST_TEST(entries[2].line == std::string("nul\0byte", 8));
  BOOST_TEST(counter("cairn_logship_lines_malformed_total") == 2);
}

BOOST_AUTO_TEST_CASE(a_ten_megabyte_line_is_truncated_and_marked_not_dropped) {
  FileSourceOptions options;
  options.maxLineBytes = 64 * 1024;
  append(path, std::string(10 * 1024 * 1024, 'z') + "\nafter\n");
  auto source = make(FileFormat::kRaw, options);
  auto entries = drain(*source);
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].line.size() <= options.maxLineBytes);
  BOOST_TEST(entries[0].line.find("[truncated") != std::string::npos);
  BOOST_TEST(entries[1].line == "after");
  BOOST_TEST(counter("cairn_logship_lines_truncated_total") == 1);
}

BOOST_AUTO_TEST_CASE(python_tracebacks_are_joined_when_asked) {
  FileSourceOptions options;
  options.joinContinuations = true;
  append(path, dockerLine("starting\n", "stderr", 1) + dockerLine("Traceback (most recent call last):\n", "stderr", 2) +
                   dockerLine("  File \"x.py\", line 1, in <module>\n", "stderr", 2) +
                   dockerLine("    boom()\n", "stderr", 2) + dockerLine("ValueError: boom\n", "stderr", 2) +
                   dockerLine("next\n", "stderr", 3));
  auto source = make(FileFormat::kDocker, options);
  auto entries = drain(*source);
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].line == "starting");
  BOOST_TEST(entries[1].line ==
             "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\n    boom()\nValueError: boom");
  // "next" waits for possible continuations until the flush time.
  entries = drain(*source, kNow + 2'000'000'000LL);
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].line == "next");
}

BOOST_AUTO_TEST_CASE(the_position_never_passes_a_line_still_waiting_in_another_stream) {
  FileSourceOptions options;
  options.joinContinuations = true;
  const std::string first = dockerLine("waiting on stdout\n", "stdout", 1);
  append(path, first + dockerLine("one\n", "stderr", 2) + dockerLine("two\n", "stderr", 3));
  auto source = make(FileFormat::kDocker, options);
  auto entries = drain(*source);
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].line == "one");
  BOOST_TEST(entries[0].after.file->offset == 0u);  // the stdout line before it is not shipped yet
}

BOOST_AUTO_TEST_CASE(nginx_access_lines_keep_the_request_time) {
  append(path, R"({"msec":"1700000000.250","status":200,"request":"GET / HTTP/1.1"})" "\n");
  auto source = make(FileFormat::kNginxAccess);
  auto entries = drain(*source);
  BOOST_REQUIRE(entries.size() == 1u);
  BOOST_TEST(entries[0].timestampNs == 1700000000250000000LL);
  BOOST_TEST(*entries[0].labels == R"({"service":"web"})");
}

BOOST_AUTO_TEST_CASE(a_source_whose_file_is_gone_finishes_after_its_last_line) {
  append(path, "only\n");
  FileSourceOptions noGrace;
  noGrace.rotateWait = {0, 0, {}};  // a deleted file's writer may otherwise still be heard for a while
  auto source = make(FileFormat::kRaw, noGrace);
  BOOST_TEST(drain(*source).size() == 1u);
  BOOST_TEST(!source->finished());
  std::remove(path.c_str());
  BOOST_TEST(drain(*source).empty());
  BOOST_TEST(source->finished());
}

// Loss 4 of issue 13: with no saved position (lost or corrupt positions file), a plain file's
// uncompressed rotated siblings are read too, oldest first.
BOOST_AUTO_TEST_CASE(a_plain_file_without_a_position_is_read_from_its_oldest_rotated_sibling) {
  const std::string log = dir / "error.log";
  append(log + ".2.gz", "compressed: skipped\n");
  append(log + ".1", "rotated\n");
  struct timespec old[2];
  ::clock_gettime(CLOCK_REALTIME, &old[0]);
  old[0].tv_sec -= 60;
  old[1] = old[0];
  ::utimensat(AT_FDCWD, (log + ".1").c_str(), old, 0);
  append(log, "live\n");
  FileSource source("k", "test", log, FileFormat::kNginxError, {{"job", "nginx"}}, {}, std::nullopt,
                    registerSourceMetrics(registry, "test"));
  const auto entries = drain(source);
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].line == "rotated");
  BOOST_TEST(entries[1].line == "live");
}

BOOST_AUTO_TEST_CASE(a_loss_is_counted_by_reason_with_its_bytes) {
  append(path, "0123456789\nmore\n");
  auto source = make(FileFormat::kRaw);
  BOOST_TEST(drain(*source).size() == 2u);
  append(path, "partial");  // not a line yet: unread when the file is cut
  BOOST_TEST(drain(*source).empty());
  std::ofstream(path, std::ios::trunc) << "x\n";
  BOOST_TEST(drain(*source).size() == 1u);
  double losses = -1, bytes = -1;
  for (const auto& family : registry.collect()) {
    for (const auto& sample : family.samples) {
      bool truncated = false;
      for (const auto& [name, value] : sample.labels) truncated |= name == "reason" && value == "truncated";
      if (!truncated) continue;
      if (family.name == "cairn_logship_losses_total") losses = sample.value;
      if (family.name == "cairn_logship_bytes_lost_total") bytes = sample.value;
    }
  }
  BOOST_TEST(losses == 1);
  BOOST_TEST(bytes == 7);
}

BOOST_AUTO_TEST_SUITE_END()

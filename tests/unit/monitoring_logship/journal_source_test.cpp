#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "monitoring/logship/journal_source.hpp"

using namespace cairn::logship;

namespace {

std::vector<LogEntry> readEntries(JournalSource& source, std::size_t wanted) {
  std::vector<LogEntry> entries;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (entries.size() < wanted && std::chrono::steady_clock::now() < deadline) {
    LogEntry entry;
    if (source.next(entry, 1)) {
      entries.push_back(entry);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  return entries;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

JournalOptions fakeJournal() {
  JournalOptions options;
  options.command = {CAIRN_LOGSHIP_FIXTURES "/fake-journalctl.sh", CAIRN_LOGSHIP_FIXTURES "/journal.jsonl"};
  options.units = {"cairn-*.service", "docker.service"};
  return options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(journal)

BOOST_AUTO_TEST_CASE(journal_entries_are_read_with_unit_message_time_and_cursor) {
  auto entry = parseJournalEntry(R"({"__CURSOR":"c1","__REALTIME_TIMESTAMP":"1700000000123456","_SYSTEMD_UNIT":"docker.service","MESSAGE":"hi"})");
  BOOST_REQUIRE(entry);
  BOOST_TEST(entry->cursor == "c1");
  BOOST_TEST(entry->unit == "docker.service");
  BOOST_TEST(entry->message == "hi");
  BOOST_TEST(entry->timestampNs == 1700000000123456000LL);
}

BOOST_AUTO_TEST_CASE(binary_and_null_messages_and_missing_cursors) {
  auto binary = parseJournalEntry(R"({"__CURSOR":"c","MESSAGE":[104,105,0]})");
  BOOST_REQUIRE(binary);
  BOOST_TEST(binary->message == std::string("hi\0", 3));
  auto empty = parseJournalEntry(R"({"__CURSOR":"c","MESSAGE":null,"SYSLOG_IDENTIFIER":"x"})");
  BOOST_REQUIRE(empty);
  BOOST_TEST(empty->message.empty());
  BOOST_TEST(empty->unit == "x");
  BOOST_TEST(!parseJournalEntry(R"({"MESSAGE":"no cursor"})"));
  BOOST_TEST(!parseJournalEntry("garbage"));
}

BOOST_AUTO_TEST_CASE(the_command_resumes_after_the_cursor_or_starts_recently) {
  auto fresh = journalCommand({"journalctl"}, {"docker.service"}, "", "-1h");
  BOOST_TEST(contains(fresh, "--since=-1h"));
  BOOST_TEST(contains(fresh, "--follow"));
  BOOST_TEST(contains(fresh, "--output=json"));
  BOOST_TEST(contains(fresh, "--unit=docker.service"));
  auto resumed = journalCommand({"journalctl"}, {}, "s=1;i=2", "-1h");
  BOOST_TEST(contains(resumed, "--after-cursor=s=1;i=2"));
  BOOST_TEST(!contains(resumed, "--since=-1h"));
}

BOOST_AUTO_TEST_CASE(recorded_journal_output_is_shipped_per_unit_and_bad_lines_counted) {
  cairn::metrics::Registry registry;
  JournalSource source(fakeJournal(), {{"job", "journal"}}, "", registerSourceMetrics(registry, "journal"), nullptr);
  auto entries = readEntries(source, 4);
  BOOST_REQUIRE(entries.size() == 4u);
  BOOST_TEST(*entries[0].labels == R"({"job":"journal","unit":"cairn-supervisord.service"})");
  BOOST_TEST(entries[0].timestampNs == 1700000000000001000LL);
  BOOST_TEST(entries[1].line == std::string("hi\0\xff", 4));
  BOOST_TEST(*entries[2].labels == R"({"job":"journal","unit":"cairn-exporter"})");
  BOOST_TEST(entries[3].after.cursor == "s=abc;i=4");
  bool countedBadLine = false;
  for (const auto& family : registry.collect()) {
    if (family.name == "cairn_logship_lines_dropped_total") countedBadLine = family.samples.at(0).value == 1;
  }
  BOOST_TEST(countedBadLine);
}

BOOST_AUTO_TEST_CASE(a_saved_cursor_resumes_after_that_entry) {
  cairn::metrics::Registry registry;
  JournalSource source(fakeJournal(), {{"job", "journal"}}, "s=abc;i=2", registerSourceMetrics(registry, "journal"), nullptr);
  auto entries = readEntries(source, 2);
  BOOST_REQUIRE(entries.size() == 2u);
  BOOST_TEST(entries[0].after.cursor == "s=abc;i=3");
  BOOST_TEST(entries[1].after.cursor == "s=abc;i=4");
}

BOOST_AUTO_TEST_CASE(a_missing_journalctl_is_retried_without_crashing) {
  cairn::metrics::Registry registry;
  JournalOptions options;
  options.command = {"/nonexistent/journalctl"};
  options.restartAfterNs = 0;
  JournalSource source(options, {}, "", registerSourceMetrics(registry, "journal"), &registry.counter("restarts", "r"));
  LogEntry entry;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (registry.counter("restarts", "r").value() < 2 && std::chrono::steady_clock::now() < deadline) {
    BOOST_TEST(!source.next(entry, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(registry.counter("restarts", "r").value() >= 2);
}

BOOST_AUTO_TEST_SUITE_END()

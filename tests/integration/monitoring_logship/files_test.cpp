#define BOOST_TEST_MODULE monitoring_logship_files
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/monitoring_logship/logshipd_process.hpp"
#include "tests/support/loki_standin/loki_standin.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json fileConfig(const LokiStandin& loki, const std::string& path, const std::string& format) {
  return {{"loki", {{"url", loki.pushUrl()}, {"timeout_ms", 2000}, {"min_backoff_ms", 50}, {"max_backoff_ms", 1000}}},
          {"batch_wait_ms", 200},
          {"poll_ms", 20},
          {"max_line_bytes", 65536},
          {"docker", {{"enabled", false}}},
          {"files", {{{"path", path}, {"format", format}, {"labels", {{"job", "test"}}}}}}};
}

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

void appendLines(const std::string& path, int from, int to) {
  std::string text;
  for (int i = from; i < to; ++i) text += "line " + std::to_string(i) + "\n";
  append(path, text);
}

// Numbers of the "line N" entries Loki has, in the order it has them.
std::vector<int> receivedNumbers(const LokiStandin& loki) {
  std::vector<int> numbers;
  for (const auto& entry : loki.recorded()) {
    if (entry.line.rfind("line ", 0) == 0) numbers.push_back(std::stoi(entry.line.substr(5)));
  }
  return numbers;
}

// What logrotate does before it rotates: log.N → log.N+1, ..., log.1 → log.2.
void shiftRotated(const std::string& log) {
  for (int i = 8; i >= 1; --i) {
    ::rename((log + "." + std::to_string(i)).c_str(), (log + "." + std::to_string(i + 1)).c_str());
  }
}

// Every number in [0, count) arrived at least once, with exactly its text.
bool allArrivedAtLeastOnce(const LokiStandin& loki, int count) {
  std::vector<bool> seen(static_cast<std::size_t>(count), false);
  for (const auto& entry : loki.recorded()) {
    if (entry.line.rfind("line ", 0) != 0) continue;
    const int n = std::stoi(entry.line.substr(5));
    if (n >= 0 && n < count && entry.line == "line " + std::to_string(n)) seen[static_cast<std::size_t>(n)] = true;
  }
  return std::find(seen.begin(), seen.end(), false) == seen.end();
}

std::string firstMissing(const LokiStandin& loki, int count) {
  std::set<int> numbers;
  for (int n : receivedNumbers(loki)) numbers.insert(n);
  int missing = 0;
  int first = -1;
  for (int i = 0; i < count; ++i) {
    if (!numbers.count(i)) {
      if (first < 0) first = i;
      ++missing;
    }
  }
  return std::to_string(missing) + " missing, the first " + std::to_string(first);
}

bool allArrivedInOrder(const std::vector<int>& numbers, int count) {
  if (static_cast<int>(numbers.size()) != count) return false;
  for (int i = 0; i < count; ++i) {
    if (numbers[i] != i) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rotation_and_truncation_lose_nothing) {
  TempDir dir;
  LokiStandin loki(dir.path(), {true, "", 256 * 1024});
  const std::string log = dir / "app.log";
  appendLines(log, 0, 2000);
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "raw"));
  shipper.start();
  // rename + create
  appendLines(log, 2000, 3000);
  shiftRotated(log);
  ::rename(log.c_str(), (log + ".1").c_str());
  appendLines(log, 3000, 4000);
  // copytruncate
  shiftRotated(log);
  {
    std::ifstream in(log, std::ios::binary);
    std::ofstream out(log + ".1", std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  }
  std::ofstream(log, std::ios::trunc).close();
  appendLines(log, 4000, 5000);
  // rotated twice in a row
  shiftRotated(log);
  ::rename(log.c_str(), (log + ".1").c_str());
  appendLines(log, 5000, 6000);
  shiftRotated(log);
  ::rename(log.c_str(), (log + ".1").c_str());
  appendLines(log, 6000, 7000);
  BOOST_REQUIRE(waitFor([&] { return receivedNumbers(loki).size() >= 7000; }, 60s));
  // plain truncation once everything was shipped
  std::ofstream(log, std::ios::trunc).close();
  appendLines(log, 7000, 8000);
  BOOST_REQUIRE(waitFor([&] { return receivedNumbers(loki).size() >= 8000; }, 60s));
  BOOST_TEST(allArrivedInOrder(receivedNumbers(loki), 8000));
  BOOST_TEST(shipper.metric("cairn_logship_file_events_total", "event=\"rotation\"") >= 1);
  BOOST_TEST(shipper.stop() == 0);
}

// Issue 13, loss 1: killed while behind; the file rotated and the new one got lines while Loki
// was down; restarted; the new file rotated again before the catch-up reached it.
BOOST_AUTO_TEST_CASE(a_restart_while_behind_then_a_rotation_during_the_catch_up_loses_nothing) {
  TempDir dir;
  LokiStandin loki(dir.path());
  const std::string log = dir / "app.log";
  json config = fileConfig(loki, log, "raw");
  config["batch_bytes"] = 4096;  // the catch-up takes many batches
  appendLines(log, 0, 500);
  LogshipdProcess shipper(dir.path(), config);
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return receivedNumbers(loki).size() >= 500; }, 30s));
  loki.setMode("503");
  appendLines(log, 500, 3000);
  BOOST_REQUIRE(waitFor([&] { return shipper.metric("cairn_logship_push_retries_total") > 0; }, 30s));  // read them, and Loki refused them
  shipper.kill9();
  ::rename(log.c_str(), (log + ".1").c_str());
  appendLines(log, 3000, 4000);
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return shipper.metric("cairn_logship_push_retries_total") > 0; }, 30s));  // resumed in the rotated file, stuck on Loki
  ::rename((log + ".1").c_str(), (log + ".2").c_str());
  ::rename(log.c_str(), (log + ".1").c_str());
  appendLines(log, 4000, 5000);
  loki.setMode("ok");
  const bool arrived = waitFor([&] { return allArrivedAtLeastOnce(loki, 5000); }, 60s);
  BOOST_TEST(arrived, firstMissing(loki, 5000));
  BOOST_TEST(shipper.stop() == 0);
}

// Loss 2: copytruncate while delivery is paused, the new file growing past the old offset.
BOOST_AUTO_TEST_CASE(copytruncate_while_loki_is_down_loses_and_splices_nothing) {
  TempDir dir;
  LokiStandin loki(dir.path());
  const std::string log = dir / "app.log";
  json config = fileConfig(loki, log, "raw");
  config["batch_bytes"] = 4096;
  appendLines(log, 0, 500);
  LogshipdProcess shipper(dir.path(), config);
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return receivedNumbers(loki).size() >= 500; }, 30s));
  loki.setMode("503");
  appendLines(log, 500, 12000);  // more than the 64 KiB the shipper reads at once
  BOOST_REQUIRE(waitFor([&] { return shipper.metric("cairn_logship_push_retries_total") > 0; }, 30s));  // delivery is paused
  {
    std::ifstream in(log, std::ios::binary);
    std::ofstream out(log + ".1", std::ios::binary);
    out << in.rdbuf();
  }
  std::ofstream(log, std::ios::trunc).close();
  appendLines(log, 12000, 30000);  // the new file grows past the old offset
  loki.setMode("ok");
  const bool arrived = waitFor([&] { return allArrivedAtLeastOnce(loki, 30000); }, 60s);
  BOOST_TEST(arrived, firstMissing(loki, 30000));
  std::string spliced;
  for (const auto& entry : loki.recorded()) {
    const bool whole = entry.line.rfind("line ", 0) == 0 && entry.line.size() > 5 && std::isdigit(entry.line[5]) &&
                       entry.line == "line " + std::to_string(std::stoi(entry.line.substr(5)));
    if (!whole) spliced += "[" + entry.line + "] ";
  }
  BOOST_TEST(spliced.empty(), "spliced lines: " << spliced);
  BOOST_TEST(shipper.metric("cairn_logship_losses_total", "reason=\"truncated\"") == 0);
  BOOST_TEST(shipper.stop() == 0);
}

// Loss 3: logrotate `create` + postrotate reopen: the writer keeps its old descriptor a while.
BOOST_AUTO_TEST_CASE(lines_written_to_the_renamed_file_before_the_reopen_arrive) {
  TempDir dir;
  LokiStandin loki(dir.path());
  const std::string log = dir / "app.log";
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "raw"));  // rotate_idle_ms: 5 s
  int writer = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const auto say = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      const std::string text = "line " + std::to_string(i) + "\n";
      BOOST_REQUIRE(::write(writer, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }
  };
  say(0, 1000);
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return receivedNumbers(loki).size() >= 1000; }, 30s));
  ::rename(log.c_str(), (log + ".1").c_str());
  ::close(::open(log.c_str(), O_WRONLY | O_CREAT, 0644));  // `create`
  for (int step = 0; step < 10; ++step) {  // 1 s until the reopen
    say(1000 + step * 100, 1100 + step * 100);
    std::this_thread::sleep_for(100ms);
  }
  ::close(writer);
  writer = ::open(log.c_str(), O_WRONLY | O_APPEND);  // postrotate: the writer reopens
  say(2000, 3000);
  ::close(writer);
  const bool arrived = waitFor([&] { return allArrivedAtLeastOnce(loki, 3000); }, 60s);
  BOOST_TEST(arrived, firstMissing(loki, 3000));
  BOOST_TEST(shipper.stop() == 0);
}

// Loss 4: a corrupt positions file: every source starts over, rotated files included.
BOOST_AUTO_TEST_CASE(with_a_corrupt_positions_file_rotated_plain_files_are_read_again) {
  TempDir dir;
  LokiStandin loki(dir.path());
  const std::string log = dir / "app.log";
  appendLines(log + ".1", 0, 1000);
  appendLines(log, 1000, 2000);
  append(dir / "positions.json", "{\"version\":1,\"positions\":{\"file:");
  append(dir / ".positions.json.tmp-Xy12Ab", "left by a crash");
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "raw"));
  shipper.start();
  const bool arrived = waitFor([&] { return allArrivedAtLeastOnce(loki, 2000); }, 60s);
  BOOST_TEST(arrived, firstMissing(loki, 2000));
  BOOST_TEST(shipper.metric("cairn_logship_positions_corrupt_total") == 1);
  BOOST_TEST(::access((dir / ".positions.json.tmp-Xy12Ab").c_str(), F_OK) != 0);
  BOOST_TEST(shipper.stop() == 0);
}

// Issue 13: a plain line sent again after a crash keeps its first timestamp, so Loki (which drops
// exact duplicates) stores it once.
BOOST_AUTO_TEST_CASE(plain_lines_sent_again_after_a_crash_are_stored_once) {
  TempDir dir;
  LokiStandin loki(dir.path());
  const std::string log = dir / "app.log";
  appendLines(log, 0, 1000);
  loki.setMode("ingest_hang");  // Loki stores the push, the answer never comes
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "raw"));
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return loki.acceptedEntries() >= 1000; }, 30s));
  shipper.kill9();
  loki.setMode("ok");
  shipper.start();
  appendLines(log, 1000, 2000);
  const bool arrived = waitFor([&] { return allArrivedAtLeastOnce(loki, 2000); }, 60s);
  BOOST_TEST(arrived, firstMissing(loki, 2000));
  std::map<int, int> copies;
  for (int n : receivedNumbers(loki)) ++copies[n];
  int storedTwice = 0;
  for (const auto& [n, count] : copies) storedTwice += count > 1;
  BOOST_TEST(storedTwice == 0);
  BOOST_TEST(loki.stats()["duplicates"].get<int>() >= 1000);
  BOOST_TEST(shipper.stop() == 0);
}

// A file turned into a directory is reported once as unreadable, and read again once it is a file.
BOOST_AUTO_TEST_CASE(a_directory_in_place_of_the_file_is_reported_once) {
  TempDir dir;
  LokiStandin loki(dir.path());
  const std::string log = dir / "app.log";
  ::mkdir(log.c_str(), 0755);
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "raw"));
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return shipper.metric("cairn_logship_file_events_total", "event=\"unreadable\"") == 1; }, 30s));
  std::this_thread::sleep_for(1s);
  BOOST_TEST(shipper.metric("cairn_logship_file_events_total", "event=\"unreadable\"") == 1);
  ::rmdir(log.c_str());
  appendLines(log, 0, 10);
  BOOST_TEST(waitFor([&] { return allArrivedAtLeastOnce(loki, 10); }, 30s));
  BOOST_TEST(shipper.stop() == 0);
}

BOOST_AUTO_TEST_CASE(loki_down_for_a_while_then_everything_arrives_with_bounded_memory) {
  TempDir dir;
  LokiStandin loki(dir.path(), {true, "", 256 * 1024});
  const std::string log = dir / "app-json.log";
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "docker"));
  DockerLogWriter writer(log, 10 * 1024 * 1024, 12);
  writer.write("line 0", "stdout");
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return !receivedNumbers(loki).empty(); }, 30s));
  loki.setMode("503");
  // About 50 MB of logs arrive while Loki refuses everything.
  const std::string padding(150, 'p');
  long maxRssKb = 0;
  const int total = 300000;
  for (int i = 1; i < total; ++i) {
    writer.write("line " + std::to_string(i) + " " + padding, "stdout");
    if (i % 20000 == 0) maxRssKb = std::max(maxRssKb, shipper.rssKb());
  }
  const auto outageEnd = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < outageEnd) {
    maxRssKb = std::max(maxRssKb, shipper.rssKb());
    std::this_thread::sleep_for(200ms);
  }
  BOOST_TEST(shipper.metric("cairn_logship_push_retries_total", "reason=\"5xx\"") > 0);
  loki.setMode("ok");
  BOOST_REQUIRE(waitFor([&] {
    maxRssKb = std::max(maxRssKb, shipper.rssKb());
    return loki.acceptedEntries() >= static_cast<std::uint64_t>(total);
  }, 180s));
  BOOST_TEST(allArrivedInOrder(receivedNumbers(loki), total));
  BOOST_TEST_MESSAGE("max RSS during and after the outage: " << maxRssKb << " KiB");
  BOOST_TEST(maxRssKb < 30 * 1024);
  BOOST_TEST(shipper.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_bad_entry_costs_only_that_entry) {
  TempDir dir;
  LokiStandin loki(dir.path(), {false, "POISON", 256 * 1024});
  const std::string log = dir / "app.log";
  std::string text;
  for (int i = 0; i < 500; ++i) text += (i == 250 ? "line 250 POISON\n" : "line " + std::to_string(i) + "\n");
  append(log, text);
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "raw"));
  shipper.start();
  BOOST_REQUIRE(waitFor([&] { return shipper.metric("cairn_logship_lines_dropped_total", "reason=\"rejected\"") == 1; }, 60s));
  const auto numbers = receivedNumbers(loki);
  std::set<int> unique(numbers.begin(), numbers.end());
  BOOST_TEST(unique.size() == 499u);
  BOOST_TEST(!unique.count(250));
  BOOST_TEST(shipper.stop() == 0);
}

BOOST_AUTO_TEST_CASE(bad_input_is_shipped_raw_or_marked_and_the_daemon_goes_on) {
  TempDir dir;
  LokiStandin loki(dir.path(), {false, "", 256 * 1024});
  const std::string log = dir / "app-json.log";
  DockerLogWriter writer(log, 1 << 30, 2);
  writer.write("line 0", "stdout");
  append(log, "{\"log\":\"broken json\n");
  append(log, std::string("raw invalid utf8 \xff\xfe and a NUL ") + std::string(1, '\0') + " here\n");
  append(log, std::string(10 * 1024 * 1024, 'x') + "\n");
  writer.write("line 1", "stderr");
  LogshipdProcess shipper(dir.path(), fileConfig(loki, log, "docker"));
  shipper.start();
  loki.setMode("garbage");
  BOOST_REQUIRE(waitFor([&] { return shipper.metric("cairn_logship_push_retries_total", "reason=\"connection\"") > 0; }, 30s));
  loki.setMode("hang");
  std::this_thread::sleep_for(3s);  // longer than the push timeout: the request must be given up
  loki.setMode("ok");
  BOOST_REQUIRE(waitFor([&] { return receivedNumbers(loki).size() >= 2; }, 60s));
  BOOST_REQUIRE(waitFor([&] { return loki.recorded().size() >= 5; }, 30s));
  const auto entries = loki.recorded();
  bool sawBroken = false, sawUtf8 = false, sawTruncated = false;
  for (const auto& entry : entries) {
    sawBroken |= entry.line.find("broken json") != std::string::npos;
    sawUtf8 |= entry.line.find("raw invalid utf8 \xef\xbf\xbd\xef\xbf\xbd and a NUL") != std::string::npos &&
               entry.line.find(std::string(1, '\0')) != std::string::npos;
    sawTruncated |= entry.line.find("[truncated") != std::string::npos && entry.line.size() <= 65536;
  }
  BOOST_TEST(sawBroken);
  BOOST_TEST(sawUtf8);
  BOOST_TEST(sawTruncated);
  BOOST_TEST(shipper.metric("cairn_logship_lines_malformed_total") == 3);
  BOOST_TEST(shipper.metric("cairn_logship_lines_truncated_total") == 1);
  BOOST_TEST(shipper.running());
  BOOST_TEST(shipper.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_bad_config_is_refused_with_its_path) {
  TempDir dir;
  LogshipdProcess shipper(dir.path(), {{"files", {{{"path", "relative"}, {"format", "xml"}}}}, {"metrics_listen", ""}});
  shipper.start();
  const int status = shipper.waitExit(10s);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 78);
  std::ifstream in(dir / "logshipd.log");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(text.find("files[0].format") != std::string::npos);
}

// Only where journald runs (not on this development machine, which has no systemd as PID 1): a
// message sent with systemd-cat reaches Loki through the real journalctl. The journal source's
// parsing and cursor handling are covered by the unit tests on recorded journalctl output.
BOOST_AUTO_TEST_CASE(journal_entries_arrive_where_journald_runs) {
  if (::access("/run/systemd/journal/socket", F_OK) != 0 || ::system("command -v systemd-cat > /dev/null") != 0) {
    BOOST_TEST_MESSAGE("no journald here: the live journal check is skipped");
    return;
  }
  TempDir dir;
  LokiStandin loki(dir.path());
  const std::string tag = "cairn-logship-test-" + std::to_string(::getpid());
  json config = {{"loki", {{"url", loki.pushUrl()}, {"min_backoff_ms", 50}}},
                 {"batch_wait_ms", 200},
                 {"docker", {{"enabled", false}}},
                 {"journal", {{"enabled", true}, {"units", json::array()}, {"since_when_new", "-1min"}}}};
  LogshipdProcess shipper(dir.path(), config);
  shipper.start();
  BOOST_REQUIRE(::system(("echo hello-from-" + tag + " | systemd-cat -t " + tag).c_str()) == 0);
  BOOST_TEST(waitFor([&] {
    for (const auto& entry : loki.recorded()) {
      if (entry.line == "hello-from-" + tag && entry.labels.at("job") == "journal") return true;
    }
    return false;
  }, 60s));
  BOOST_TEST(shipper.stop() == 0);
}

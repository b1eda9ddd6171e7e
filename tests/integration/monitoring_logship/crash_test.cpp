#define BOOST_TEST_MODULE monitoring_logship_crash
#include <boost/test/unit_test.hpp>
#include <atomic>
#include <random>
#include <thread>

#include "tests/integration/monitoring_logship/logshipd_process.hpp"
#include "tests/support/loki_standin/loki_standin.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

// 1,000,000 lines over two containers' json-file logs (two streams each), rotated by size like
// Docker does, while the shipper is killed with SIGKILL 20 times at random moments and started
// again. The stand-in drops exact duplicates (as Loki does) and rejects any entry older than the
// newest of its stream, so what it recorded must be every line, once, in order, per stream.
BOOST_AUTO_TEST_CASE(every_line_arrives_in_order_despite_twenty_kill_nines) {
  TempDir dir;
  LokiStandin loki(dir.path(), {true, "", 256 * 1024});
  const std::string logA = dir / "a-json.log";
  const std::string logB = dir / "b-json.log";
  json config = {{"loki", {{"url", loki.pushUrl()}, {"min_backoff_ms", 50}, {"max_backoff_ms", 1000}}},
                 {"batch_wait_ms", 200},
                 {"poll_ms", 20},
                 {"docker", {{"enabled", false}}},
                 {"files", {{{"path", logA}, {"format", "docker"}, {"labels", {{"job", "test"}, {"container", "a"}}}},
                            {{"path", logB}, {"format", "docker"}, {"labels", {{"job", "test"}, {"container", "b"}}}}}}};
  constexpr int kLines = 1'000'000;
  constexpr int kPerSecond = 25'000;
  std::atomic<bool> written{false};
  std::thread writer([&] {
    DockerLogWriter a(logA, 4 * 1024 * 1024, 6);
    DockerLogWriter b(logB, 4 * 1024 * 1024, 6);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kLines; ++i) {
      const std::string stream = (i / 4) % 2 ? "stderr" : "stdout";
      (i % 2 ? b : a).write("seq " + std::to_string(i) + " " + stream + " some ordinary log text of a service", stream);
      if (i % 1000 == 999) std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / kPerSecond));
    }
    written = true;
  });
  LogshipdProcess shipper(dir.path(), config);
  shipper.start();
  std::mt19937 random(20261121);
  std::uniform_int_distribution<int> pause(300, 2000);
  int kills = 0;
  while (kills < 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause(random)));
    shipper.kill9();
    ++kills;
    shipper.start();
  }
  writer.join();
  BOOST_REQUIRE(written);
  BOOST_REQUIRE(waitFor([&] { return loki.acceptedEntries() >= static_cast<std::uint64_t>(kLines); }, 240s));
  BOOST_TEST(shipper.stop() == 0);

  // Per stream (container + stdout/stderr): the sequence numbers in the order Loki has them.
  std::map<std::string, std::vector<int>> streams;
  for (const auto& entry : loki.recorded()) {
    const auto space = entry.line.find(' ', 4);
    streams[entry.labels.at("container") + "/" + entry.labels.at("stream")].push_back(std::stoi(entry.line.substr(4, space - 4)));
  }
  BOOST_REQUIRE(streams.size() == 4u);
  std::size_t total = 0;
  for (const auto& [name, numbers] : streams) {
    total += numbers.size();
    bool ordered = std::is_sorted(numbers.begin(), numbers.end()) &&
                   std::adjacent_find(numbers.begin(), numbers.end()) == numbers.end();
    BOOST_TEST(ordered, name << " is not in order");
  }
  BOOST_TEST(total == static_cast<std::size_t>(kLines));
  const auto stats = loki.stats();
  BOOST_TEST_MESSAGE("kill -9: " << kills << ", duplicates re-sent after crashes: " << stats["duplicates"]
                                 << ", rejected: " << stats["rejected_entries"]);
  BOOST_TEST(stats["rejected_entries"].get<int>() == 0);
}

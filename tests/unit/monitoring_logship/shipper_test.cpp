#include <boost/test/unit_test.hpp>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "appliance/host/files.hpp"
#include "monitoring/logship/shipper.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/fake_http_client.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/loki_standin/gunzip.hpp"

using namespace cairn::logship;
using cairn::Result;
using cairn::host::HttpRequest;
using cairn::host::HttpResponse;

namespace {

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

std::vector<std::string> timestampsOf(const HttpRequest& request) {
  std::vector<std::string> stamps;
  const auto body = nlohmann::json::parse(cairn::testing::gunzip(request.body));
  for (const auto& value : body["streams"][0]["values"]) stamps.push_back(value[0]);
  return stamps;
}

std::vector<std::string> linesOf(const HttpRequest& request) {
  std::vector<std::string> lines;
  const auto body = nlohmann::json::parse(cairn::testing::gunzip(request.body));
  for (const auto& value : body["streams"][0]["values"]) lines.push_back(value[1]);
  return lines;
}

// Holds the pushes the test chooses until it opens; the test waits until that many arrived.
class Gate {
 public:
  void arrive() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  void waitFor(int pushes) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return arrived_ >= pushes; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = false;
};

struct Fixture {
  cairn::testing::TempDir dir;
  cairn::testing::FakeHttpClient http;
  cairn::testing::FakeClock clock;
  cairn::metrics::Registry registry;
  PositionStore store{dir / "positions.json"};
  std::string log = dir / "app.log";
  int status = 204;

  static PushSettings settings() {
    PushSettings s;
    s.url = "http://l/loki/api/v1/push";
    return s;
  }

  Fixture() {
    http.handler = [this](const HttpRequest&) { return Result<HttpResponse>(HttpResponse{status, {}, ""}); };
  }
  // Reads, lets the batch wait out batch_wait_ms (1 s in these tests), and waits for Loki's answer.
  void shipWithin1s(Shipper& shipper) {
    shipper.step();
    clock.advance(std::chrono::milliseconds(1000));
    shipper.step();
    shipper.settle();
  }
  std::unique_ptr<FileSource> source(const PositionMap& positions) {
    auto it = positions.find("file:app");
    return std::make_unique<FileSource>("file:app", "app", log, FileFormat::kRaw, std::map<std::string, std::string>{{"job", "t"}},
                                        FileSourceOptions{}, it == positions.end() ? std::nullopt : it->second.file,
                                        registerSourceMetrics(registry, "app"));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(shipper, Fixture)

BOOST_AUTO_TEST_CASE(positions_are_saved_only_after_loki_acknowledged) {
  append(log, "1\n2\n");
  int calls = 0;
  bool savedWhileFailing = false;
  http.handler = [&](const HttpRequest&) -> Result<HttpResponse> {
    ++calls;
    // While Loki fails, nothing may have been written to the positions file.
    if (calls < 3) {
      savedWhileFailing = savedWhileFailing || cairn::host::pathExists(store.path());
      return HttpResponse{503, {}, ""};
    }
    return HttpResponse{204, {}, ""};
  };
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({1 << 20, 1000}, pusher, store, {}, clock, registry);
  shipper.addSource(source({}));
  BOOST_TEST(shipper.step());  // read, batch not due yet
  BOOST_TEST(calls == 0);
  clock.advance(std::chrono::milliseconds(1000));
  shipper.step();
  shipper.settle();
  BOOST_TEST(calls == 3);
  BOOST_TEST(!savedWhileFailing);
  auto saved = store.load();
  BOOST_REQUIRE(saved);
  BOOST_TEST(saved.value().at("file:app").file->offset == 4u);
}

BOOST_AUTO_TEST_CASE(a_full_batch_is_sent_at_once_and_the_next_line_waits_for_the_next) {
  std::string lines;
  for (int i = 0; i < 100; ++i) lines += std::string(99, 'a' + (i % 26)) + "\n";
  append(log, lines);
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({2048, 1000}, pusher, store, {}, clock, registry);
  shipper.addSource(source({}));
  while (shipper.step()) {
  }
  clock.advance(std::chrono::milliseconds(1000));
  shipper.step();
  shipper.settle();
  BOOST_TEST(http.requests.size() >= 5u);
  BOOST_TEST(store.load().value().at("file:app").file->offset == 10000u);
}

BOOST_AUTO_TEST_CASE(after_a_restart_shipping_resumes_from_the_acknowledged_position) {
  append(log, "1\n2\n");
  {
    LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
    Shipper shipper({1 << 20, 0}, pusher, store, {}, clock, registry);
    shipper.addSource(source({}));
    shipper.step();
    shipper.settle();
  }
  append(log, "3\n");
  http.requests.clear();
  const auto positions = store.load().value();
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({1 << 20, 0}, pusher, store, positions, clock, registry);
  shipper.addSource(source(positions));
  shipper.step();
  shipper.settle();
  BOOST_REQUIRE(http.requests.size() == 1u);
  BOOST_TEST(store.load().value().at("file:app").file->offset == 6u);
}

BOOST_AUTO_TEST_CASE(timestamps_never_go_backwards_within_a_stream) {
  append(log, R"({"log":"late\n","stream":"stdout","time":"2026-11-21T21:45:07Z"})" "\n"
              R"({"log":"early\n","stream":"stdout","time":"2026-11-21T21:45:06Z"})" "\n");
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({1 << 20, 0}, pusher, store, {}, clock, registry);
  shipper.addSource(std::make_unique<FileSource>("d", "d", log, FileFormat::kDocker, std::map<std::string, std::string>{},
                                                 FileSourceOptions{}, std::nullopt, registerSourceMetrics(registry, "d")));
  shipper.step();
  shipper.settle();
  BOOST_REQUIRE(http.requests.size() == 1u);
  const std::string body = cairn::testing::gunzip(http.requests[0].body);
  const auto values = nlohmann::json::parse(body)["streams"][0]["values"];
  BOOST_TEST(values[0][0] == values[1][0]);
}

// Issue 13: a plain line sent again after a crash keeps the time it was first sent with, so Loki
// drops it as an exact duplicate.
BOOST_AUTO_TEST_CASE(plain_lines_sent_again_after_a_crash_keep_their_first_timestamps) {
  append(log, "1\n2\n3\n");
  std::vector<std::string> first, second;
  {
    // The first run dies while Loki answers 503: nothing acknowledged.
    bool stop = false;
    http.handler = [&](const HttpRequest& request) -> Result<HttpResponse> {
      first = timestampsOf(request);
      stop = true;
      return HttpResponse{503, {}, ""};
    };
    LokiPusher pusher(settings(), http, clock, registry, [&] { return stop; });
    Shipper shipper({1 << 20, 1000}, pusher, store, {}, clock, registry);
    shipper.addSource(source({}));
    shipWithin1s(shipper);
    BOOST_REQUIRE(shipper.stopped());
  }
  clock.advance(std::chrono::milliseconds(3'600'000));
  http.handler = [&](const HttpRequest& request) -> Result<HttpResponse> {
    second = timestampsOf(request);
    return HttpResponse{204, {}, ""};
  };
  auto positions = store.load();
  BOOST_REQUIRE(positions);
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({1 << 20, 1000}, pusher, store, positions.value(), clock, registry);
  shipper.addSource(source(positions.value()));
  shipWithin1s(shipper);
  BOOST_REQUIRE(first.size() == 3u);
  BOOST_TEST(second == first);
  BOOST_TEST(first[0] != first[1]);

  // The next batch starts from the acknowledged position: a fresh time base, an hour later.
  append(log, "4\n");
  shipWithin1s(shipper);
  BOOST_REQUIRE(second.size() == 1u);
  BOOST_TEST(std::stoll(second[0]) > std::stoll(first[2]) + 3'600'000'000'000LL);
}

// Issue 13: while Loki is slow, reading goes on into further batches, up to batchesInFlight;
// they reach Loki in order and each position is saved only once everything before it is in.
BOOST_AUTO_TEST_CASE(reading_goes_on_while_batches_are_in_flight_and_order_is_kept) {
  for (int i = 0; i < 10; ++i) append(log, std::to_string(i) + "\n");
  Gate gate;
  http.handler = [&](const HttpRequest& request) -> Result<HttpResponse> {
    if (http.requests.size() == 1) gate.arrive();
    (void)request;
    return HttpResponse{204, {}, ""};
  };
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({2, 1000, 3}, pusher, store, {}, clock, registry);  // two one-byte lines a batch
  shipper.addSource(source({}));
  for (int i = 0; i < 3; ++i) BOOST_TEST(shipper.step());
  gate.waitFor(1);
  BOOST_TEST(registry.gauge("cairn_logship_batches_in_flight", "").value() == 3.0);
  BOOST_TEST(!cairn::host::pathExists(store.path()));
  gate.open();
  while (shipper.step()) {
  }
  clock.advance(std::chrono::milliseconds(1000));
  shipper.step();
  shipper.settle();
  std::vector<std::string> received;
  for (const auto& request : http.requests) {
    const auto lines = linesOf(request);
    BOOST_TEST(lines.size() <= 2u);
    received.insert(received.end(), lines.begin(), lines.end());
  }
  BOOST_TEST(received == (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}),
             boost::test_tools::per_element());
  BOOST_TEST(store.load().value().at("file:app").file->offset == 20u);
  BOOST_TEST(registry.gauge("cairn_logship_batches_in_flight", "").value() == 0.0);
}

// Issue 13: Loki took two batches but the shipper died before it acknowledged them, with a third
// under way. The next run reads all six lines in one batch and gives each the time it was sent
// with, batch segment by batch segment, so Loki drops them as exact duplicates.
BOOST_AUTO_TEST_CASE(lines_of_several_batches_in_flight_at_a_crash_keep_their_first_timestamps) {
  append(log, "1\n2\n3\n4\n5\n6\n");
  std::vector<std::string> first, second;
  {
    Gate held, third;
    third.open();
    std::atomic<bool> stop = false;
    http.handler = [&](const HttpRequest& request) -> Result<HttpResponse> {
      if (http.requests.size() == 1) held.arrive();  // until all three batches are sealed
      const auto stamps = timestampsOf(request);
      first.insert(first.end(), stamps.begin(), stamps.end());
      if (http.requests.size() < 3) return HttpResponse{204, {}, ""};
      stop = true;
      third.arrive();
      return HttpResponse{503, {}, ""};
    };
    LokiPusher pusher(settings(), http, clock, registry, [&] { return stop.load(); });
    Shipper shipper({2, 1000, 4}, pusher, store, {}, clock, registry);
    shipper.addSource(source({}));
    for (int i = 0; i < 3; ++i) {
      shipper.step();
      clock.advance(std::chrono::milliseconds(1));  // each batch its own anchor
    }
    held.open();
    third.waitFor(1);
  }  // dies without taking the acknowledgements back
  BOOST_TEST(!cairn::host::pathExists(store.path()));
  clock.advance(std::chrono::milliseconds(3'600'000));
  http.handler = [&](const HttpRequest& request) -> Result<HttpResponse> {
    second = timestampsOf(request);
    return HttpResponse{204, {}, ""};
  };
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({1 << 20, 1000}, pusher, store, {}, clock, registry);
  shipper.addSource(source({}));
  shipWithin1s(shipper);
  BOOST_REQUIRE(first.size() == 6u);
  BOOST_TEST(second == first, boost::test_tools::per_element());
  BOOST_TEST(std::stoll(first[2]) >= std::stoll(first[0]) + 1'000'000);  // anchors differ per batch
}

BOOST_AUTO_TEST_SUITE_END()

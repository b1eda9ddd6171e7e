#include <boost/test/unit_test.hpp>
#include <fstream>
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
  http.handler = [&](const HttpRequest&) -> Result<HttpResponse> {
    ++calls;
    // While Loki fails, nothing may have been written to the positions file.
    if (calls < 3) {
      BOOST_TEST(!cairn::host::pathExists(store.path()));
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
  BOOST_TEST(calls == 3);
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
  }
  append(log, "3\n");
  http.requests.clear();
  const auto positions = store.load().value();
  LokiPusher pusher(settings(), http, clock, registry, [] { return false; });
  Shipper shipper({1 << 20, 0}, pusher, store, positions, clock, registry);
  shipper.addSource(source(positions));
  shipper.step();
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
  BOOST_REQUIRE(http.requests.size() == 1u);
  const std::string body = cairn::testing::gunzip(http.requests[0].body);
  const auto values = nlohmann::json::parse(body)["streams"][0]["values"];
  BOOST_TEST(values[0][0] == values[1][0]);
}

// Issue 13: a plain line sent again after a crash keeps the time it was first sent with, so Loki
// drops it as an exact duplicate.
BOOST_AUTO_TEST_CASE(plain_lines_sent_again_after_a_crash_keep_their_first_timestamps) {
  append(log, "1\n2\n3\n");
  const auto timestampsOf = [](const HttpRequest& request) {
    std::vector<std::string> stamps;
    const auto body = nlohmann::json::parse(cairn::testing::gunzip(request.body));
    for (const auto& value : body["streams"][0]["values"]) stamps.push_back(value[0]);
    return stamps;
  };
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
    shipper.step();
    clock.advance(std::chrono::milliseconds(1000));
    shipper.step();
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
  shipper.step();
  clock.advance(std::chrono::milliseconds(1000));
  shipper.step();
  BOOST_REQUIRE(first.size() == 3u);
  BOOST_TEST(second == first);
  BOOST_TEST(first[0] != first[1]);

  // The next batch starts from the acknowledged position: a fresh time base, an hour later.
  append(log, "4\n");
  shipper.step();
  clock.advance(std::chrono::milliseconds(1000));
  shipper.step();
  BOOST_REQUIRE(second.size() == 1u);
  BOOST_TEST(std::stoll(second[0]) > std::stoll(first[2]) + 3'600'000'000'000LL);
}

BOOST_AUTO_TEST_SUITE_END()

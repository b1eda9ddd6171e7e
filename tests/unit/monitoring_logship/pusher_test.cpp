#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include <set>

#include "monitoring/logship/pusher.hpp"
#include "tests/support/loki_standin/gunzip.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/fake_http_client.hpp"

using namespace cairn::logship;
using cairn::testing::gunzip;
using cairn::Result;
using cairn::host::HttpRequest;
using cairn::host::HttpResponse;
namespace data = boost::unit_test::data;

namespace {


std::vector<std::string> linesOf(const HttpRequest& request) {
  std::vector<std::string> lines;
  const auto body = nlohmann::json::parse(gunzip(request.body));
  for (const auto& stream : body["streams"]) {
    for (const auto& value : stream["values"]) lines.push_back(value[1].get<std::string>());
  }
  return lines;
}

struct Fixture {
  cairn::testing::FakeHttpClient http;
  cairn::testing::FakeClock clock;
  cairn::metrics::Registry registry;
  bool stop = false;
  PushSettings settings() {
    PushSettings s;
    s.url = "http://loki:3100/loki/api/v1/push";
    s.tenant = "acme";
    s.username = "u";
    s.password = "p";
    return s;
  }
  Batch batchOf(int n) {
    Batch batch;
    for (int i = 0; i < n; ++i) batch.add(R"({"job":"t"})", i, "line " + std::to_string(i));
    return batch;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(pusher, Fixture)

BOOST_AUTO_TEST_CASE(a_batch_is_sent_gzipped_with_tenant_and_auth) {
  http.handler = [](const HttpRequest&) { return Result<HttpResponse>(HttpResponse{204, {}, ""}); };
  LokiPusher pusher(settings(), http, clock, registry, [&] { return stop; });
  std::vector<DroppedEntry> dropped;
  BOOST_TEST((pusher.deliver(batchOf(3), dropped) == Delivery::kDelivered));
  BOOST_REQUIRE(http.requests.size() == 1u);
  const auto& request = http.requests[0];
  BOOST_TEST(request.method == "POST");
  std::map<std::string, std::string> headers(request.headers.begin(), request.headers.end());
  BOOST_TEST(headers["Content-Encoding"] == "gzip");
  BOOST_TEST(headers["Content-Type"] == "application/json");
  BOOST_TEST(headers["X-Scope-OrgID"] == "acme");
  BOOST_TEST(headers["Authorization"] == "Basic dTpw");
  BOOST_TEST(linesOf(request) == (std::vector<std::string>{"line 0", "line 1", "line 2"}));
}

BOOST_AUTO_TEST_CASE(connection_errors_429_and_5xx_are_retried_with_growing_delays_never_dropped) {
  int calls = 0;
  http.handler = [&](const HttpRequest&) -> Result<HttpResponse> {
    ++calls;
    if (calls == 1) return cairn::makeError(cairn::ErrorCode::kUnavailable, "connection refused");
    if (calls == 2) return HttpResponse{429, {}, "rate limited"};
    if (calls <= 6) return HttpResponse{503, {}, "unavailable"};
    if (calls == 7) return HttpResponse{200, {}, "<html>garbage</html>"};
    return HttpResponse{204, {}, ""};
  };
  LokiPusher pusher(settings(), http, clock, registry, [&] { return stop; });
  std::vector<DroppedEntry> dropped;
  BOOST_TEST((pusher.deliver(batchOf(2), dropped) == Delivery::kDelivered));
  BOOST_TEST(calls == 7);
  BOOST_TEST(dropped.empty());
  // Sleeps come in slices; the total grows roughly exponentially.
  std::int64_t slept = 0;
  for (auto s : clock.sleeps()) slept += s.count();
  BOOST_TEST(slept >= (250 + 500 + 1000 + 2000 + 4000 + 8000));
  BOOST_TEST(slept <= (500 + 1000 + 2000 + 4000 + 8000 + 16000));
}

BOOST_AUTO_TEST_CASE(a_bad_entry_costs_only_that_entry) {
  http.handler = [](const HttpRequest& request) -> Result<HttpResponse> {
    for (const auto& line : linesOf(request)) {
      if (line == "line 5") return HttpResponse{400, {}, "entry for stream '{job=\"t\"}' has timestamp too old"};
    }
    return HttpResponse{204, {}, ""};
  };
  LokiPusher pusher(settings(), http, clock, registry, [&] { return stop; });
  std::vector<DroppedEntry> dropped;
  BOOST_TEST((pusher.deliver(batchOf(16), dropped) == Delivery::kDelivered));
  BOOST_REQUIRE(dropped.size() == 1u);
  BOOST_TEST(dropped[0].index == 5u);
  BOOST_TEST(dropped[0].reason == "too_old");
  std::set<std::string> delivered;
  for (const auto& request : http.requests) {
    auto lines = linesOf(request);
    if (std::find(lines.begin(), lines.end(), "line 5") == lines.end()) delivered.insert(lines.begin(), lines.end());
  }
  BOOST_TEST(delivered.size() == 15u);
  BOOST_TEST(http.requests.size() <= 1u + 2u * 4u);
}

BOOST_AUTO_TEST_CASE(a_stop_during_retries_ends_delivery_without_acknowledging) {
  http.handler = [](const HttpRequest&) { return Result<HttpResponse>(HttpResponse{500, {}, ""}); };
  LokiPusher pusher(settings(), http, clock, registry, [&] { return http.requests.size() >= 3; });
  std::vector<DroppedEntry> dropped;
  BOOST_TEST((pusher.deliver(batchOf(1), dropped) == Delivery::kStopped));
  BOOST_TEST(dropped.empty());
}

BOOST_DATA_TEST_CASE(backoff_doubles_up_to_the_maximum_and_jitter_halves_at_most,
                     data::make({0, 1, 2, 3, 10, 60}) ^ data::make({500, 1000, 2000, 4000, 30000, 30000}), attempt, full) {
  using std::chrono::milliseconds;
  BOOST_TEST(backoffDelay(attempt, milliseconds(500), milliseconds(30000), 1.0).count() == full);
  BOOST_TEST(backoffDelay(attempt, milliseconds(500), milliseconds(30000), 0.0).count() == full / 2);
}

BOOST_DATA_TEST_CASE(rejections_get_a_reason,
                     data::make({std::string("entry with timestamp ... too far behind"), std::string("Max entry size '262144' bytes exceeded: line_too_long"),
                                 std::string("error at least one label pair is required per stream"), std::string("???")}) ^
                         data::make({std::string("too_far_behind"), std::string("line_too_long"), std::string("invalid_labels"),
                                     std::string("rejected")}),
                     body, reason) {
  BOOST_TEST(rejectionReason(body) == reason);
}

BOOST_AUTO_TEST_SUITE_END()

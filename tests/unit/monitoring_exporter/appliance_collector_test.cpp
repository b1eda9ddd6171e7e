#include <boost/test/unit_test.hpp>

#include "monitoring/exporter/appliance_collector.hpp"
#include "tests/support/fake_http_client.hpp"

using namespace cairn::exporter;
using cairn::host::HttpResponse;

namespace {

ContainerInfo container(const std::string& service, const std::string& health) {
  ContainerInfo info;
  info.id = service + health;
  info.labels["io.cairn.service"] = service;
  info.health = health;
  return info;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(appliance_collector)

BOOST_AUTO_TEST_CASE(services_are_up_when_a_container_runs_and_healthy_when_all_pass) {
  auto views = serviceViews({"postgres", "redis", "grafana"},
                            {container("postgres", "healthy"), container("redis", "healthy"), container("redis", "starting")},
                            {{"redis", 4}});
  BOOST_REQUIRE_EQUAL(views.size(), 3u);
  BOOST_TEST((views[0].up && views[0].healthy));
  BOOST_TEST((views[1].up && !views[1].healthy));
  BOOST_TEST(views[1].exits == 4);
  BOOST_TEST((!views[2].up && !views[2].healthy));
}

BOOST_AUTO_TEST_CASE(an_absent_supervisor_reports_zero_without_failing_and_is_probed_at_most_every_ten_seconds) {
  cairn::testing::FakeHttpClient supervisor;
  supervisor.handler = [](const cairn::host::HttpRequest&) -> cairn::Result<HttpResponse> {
    return cairn::makeError(cairn::ErrorCode::kUnavailable, "connection refused");
  };
  ContainerDirectory directory("/s", "/nonexistent", "/nonexistent");
  ApplianceCollector collector(directory, {"postgres"}, supervisor, "http://127.0.0.1:9465/metrics");
  std::vector<MetricFamily> out;
  BOOST_TEST(collector.collect(out));
  std::string text = cairn::metrics::renderText(out);
  BOOST_TEST(text.find("cairn_exporter_supervisor_up 0\n") != std::string::npos);
  BOOST_TEST(text.find("cairn_service_up{service=\"postgres\"} 0\n") != std::string::npos);
  BOOST_TEST(text.find("cairn_exporter_docker_up 0\n") != std::string::npos);
  out.clear();
  BOOST_TEST(collector.collect(out));
  BOOST_TEST(supervisor.requests.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_answering_supervisor_reports_one) {
  cairn::testing::FakeHttpClient supervisor;
  supervisor.handler = [](const cairn::host::HttpRequest&) -> cairn::Result<HttpResponse> {
    return HttpResponse{200, {}, "# TYPE x gauge\nx 1\n"};
  };
  ContainerDirectory directory("/s", "/nonexistent", "/nonexistent");
  ApplianceCollector collector(directory, {}, supervisor, "http://127.0.0.1:9465/metrics");
  std::vector<MetricFamily> out;
  BOOST_TEST(collector.collect(out));
  BOOST_TEST(cairn::metrics::renderText(out).find("cairn_exporter_supervisor_up 1\n") != std::string::npos);
  BOOST_TEST(supervisor.requests[0].url == "http://127.0.0.1:9465/metrics");
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include "monitoring/exporter/docker_directory.hpp"
#include "tests/support/fake_http_client.hpp"

using namespace cairn::exporter;
using cairn::host::HttpResponse;

namespace {

std::string inspectJson(const std::string& id, const std::string& name, bool running = true) {
  return R"({"Id":")" + id + R"(","Name":"/)" + name + R"(","Created":"2026-11-21T10:00:00.5Z",
    "Config":{"Image":"busybox:1","Labels":{"io.cairn.service":"web"}},
    "State":{"Running":)" + (running ? "true" : "false") + R"(,"Pid":0,"StartedAt":"2026-11-21T10:00:01.25Z",
    "Health":{"Status":"healthy"}},"HostConfig":{"NetworkMode":"cairn"}})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docker_directory)

BOOST_AUTO_TEST_CASE(inspect_answers_give_name_image_labels_and_start_time) {
  auto info = parseContainerInspect(inspectJson("abc", "web-1"));
  BOOST_REQUIRE(info);
  BOOST_TEST(info.value().name == "web-1");
  BOOST_TEST(info.value().image == "busybox:1");
  BOOST_TEST(info.value().labels.at("io.cairn.service") == "web");
  BOOST_TEST(info.value().startedAt == 1795255201.25);
  BOOST_TEST(info.value().health == "healthy");
  BOOST_TEST(info.value().networkMode == "cairn");
  BOOST_TEST((parseContainerInspect(inspectJson("abc", "x", false)).error().code == cairn::ErrorCode::kNotFound));
  BOOST_TEST(!parseContainerInspect("[]"));
  BOOST_TEST(!parseContainerInspect("{\"Id\":\"a\"}"));
}

BOOST_AUTO_TEST_CASE(docker_times_parse_with_fractions_and_offsets) {
  BOOST_TEST(*parseDockerTime("1970-01-01T00:00:10Z") == 10);
  BOOST_TEST(*parseDockerTime("1970-01-01T01:00:10.5+01:00") == 10.5);
  BOOST_TEST(!parseDockerTime("0001-01-01T00:00:00Z"));
  BOOST_TEST(!parseDockerTime("yesterday"));
}

BOOST_AUTO_TEST_CASE(events_of_other_types_and_garbage_are_ignored) {
  auto event = parseContainerEvent(R"({"Type":"container","Action":"die","Actor":{"ID":"abc"},"timeNano":5})");
  BOOST_REQUIRE(event);
  BOOST_TEST(event->action == "die");
  BOOST_TEST(event->id == "abc");
  BOOST_TEST(event->timeNano == 5);
  BOOST_TEST(!parseContainerEvent(R"({"Type":"network","Action":"connect","Actor":{"ID":"n"}})"));
  BOOST_TEST(!parseContainerEvent("{not json"));
}

BOOST_AUTO_TEST_CASE(refresh_lists_and_inspects_only_new_containers) {
  cairn::testing::FakeHttpClient docker;
  docker.handler = [](const cairn::host::HttpRequest& request) -> cairn::Result<HttpResponse> {
    if (request.url == "http://localhost/containers/json") return HttpResponse{200, {}, R"([{"Id":"abc"}])"};
    if (request.url == "http://localhost/containers/abc/json") return HttpResponse{200, {}, inspectJson("abc", "web-1")};
    return HttpResponse{404, {}, "{}"};
  };
  ContainerDirectory directory("/run/docker.sock", "/nonexistent", "/nonexistent");
  BOOST_TEST(!directory.dockerReachable());
  BOOST_TEST(directory.refresh(docker).ok());
  BOOST_TEST(directory.dockerReachable());
  BOOST_TEST(docker.requests.size() == 2u);
  BOOST_TEST(docker.requests[0].unixSocket == "/run/docker.sock");
  BOOST_TEST(directory.refresh(docker).ok());
  BOOST_TEST(docker.requests.size() == 3u);  // the cached container is not inspected again
  BOOST_REQUIRE_EQUAL(directory.snapshot().size(), 1u);
  BOOST_TEST(directory.snapshot()[0].name == "web-1");
}

BOOST_AUTO_TEST_CASE(events_count_ooms_and_exits_and_destroy_forgets_the_container) {
  cairn::testing::FakeHttpClient docker;
  docker.handler = [](const cairn::host::HttpRequest& request) -> cairn::Result<HttpResponse> {
    if (request.url == "http://localhost/containers/json") return HttpResponse{200, {}, R"([{"Id":"abc"}])"};
    return HttpResponse{200, {}, inspectJson("abc", "web-1")};
  };
  ContainerDirectory directory("/s", "/nonexistent", "/nonexistent");
  BOOST_TEST(directory.refresh(docker).ok());
  directory.applyEvent(docker, {"oom", "abc", 0, ""});
  directory.applyEvent(docker, {"die", "abc", 0, ""});
  BOOST_TEST(directory.snapshot()[0].oomEvents == 1);
  BOOST_TEST(directory.exitsByService().at("web") == 1);
  directory.applyEvent(docker, {"destroy", "abc", 0, ""});
  BOOST_TEST(directory.snapshot().empty());
  BOOST_TEST(directory.exitsByService().at("web") == 1);
}

BOOST_AUTO_TEST_CASE(an_exit_counts_for_the_events_service_even_after_the_listing_dropped_the_container) {
  cairn::testing::FakeHttpClient docker;
  docker.handler = [](const cairn::host::HttpRequest&) -> cairn::Result<HttpResponse> {
    return HttpResponse{200, {}, "[]"};
  };
  ContainerDirectory directory("/s", "/nonexistent", "/nonexistent");
  BOOST_TEST(directory.refresh(docker).ok());
  auto event = parseContainerEvent(
      R"({"Type":"container","Action":"die","Actor":{"ID":"gone","Attributes":{"io.cairn.service":"airflow","exitCode":"137"}},"timeNano":9})");
  BOOST_REQUIRE(event);
  BOOST_TEST(event->service == "airflow");
  directory.applyEvent(docker, *event);
  BOOST_TEST(directory.exitsByService().at("airflow") == 1);
}

BOOST_AUTO_TEST_CASE(an_unreachable_engine_is_reported_not_thrown) {
  cairn::testing::FakeHttpClient docker;
  docker.handler = [](const cairn::host::HttpRequest&) -> cairn::Result<HttpResponse> {
    return cairn::makeError(cairn::ErrorCode::kUnavailable, "connection refused");
  };
  ContainerDirectory directory("/s", "/nonexistent", "/nonexistent");
  BOOST_TEST(!directory.refresh(docker).ok());
  BOOST_TEST(!directory.dockerReachable());
  BOOST_TEST(directory.snapshot().empty());
}

BOOST_AUTO_TEST_SUITE_END()

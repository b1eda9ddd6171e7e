#include <boost/test/unit_test.hpp>

#include "monitoring/logship/docker_logs.hpp"
#include "tests/support/fake_http_client.hpp"

using namespace cairn::logship;
using cairn::Result;
using cairn::host::HttpRequest;
using cairn::host::HttpResponse;

BOOST_AUTO_TEST_SUITE(docker_logs)

BOOST_AUTO_TEST_CASE(managed_containers_are_found_with_service_name_and_log_path) {
  cairn::testing::FakeHttpClient http;
  http.handler = [](const HttpRequest& request) -> Result<HttpResponse> {
    if (request.url.find("/containers/json?") != std::string::npos) {
      return HttpResponse{200, {}, R"([{"Id":"abc","Names":["/cairn-postgres"],"Labels":{"io.cairn.service":"postgres"}},
                                         {"Id":"def","Names":["/cairn-x"],"Labels":{}}, {"Names":["/no-id"]}])"};
    }
    if (request.url.find("/containers/abc/json") != std::string::npos) {
      return HttpResponse{200, {}, R"({"Id":"abc","LogPath":"/var/lib/docker/containers/abc/abc-json.log"})"};
    }
    return HttpResponse{404, {}, R"({"message":"No such container"})"};
  };
  DockerLogFinder finder(http, "/var/run/docker.sock", "io.cairn.managed=true", "io.cairn.service");
  auto containers = finder.list();
  BOOST_REQUIRE(containers);
  BOOST_REQUIRE(containers.value().size() == 2u);
  BOOST_TEST(containers.value()[0].name == "cairn-postgres");
  BOOST_TEST(containers.value()[0].service == "postgres");
  BOOST_TEST(containers.value()[0].logPath == "/var/lib/docker/containers/abc/abc-json.log");
  BOOST_TEST(containers.value()[1].service == "cairn-x");
  BOOST_TEST(containers.value()[1].logPath.empty());
  BOOST_TEST(http.requests[0].unixSocket == "/var/run/docker.sock");
  BOOST_TEST(http.requests[0].url.find("all=true") != std::string::npos);
  BOOST_TEST(http.requests[0].url.find("io.cairn.managed%3Dtrue") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(garbage_from_docker_is_an_error_not_a_crash) {
  BOOST_TEST(!parseContainerList("<html>", "io.cairn.service"));
  BOOST_TEST(!parseLogPath("[]"));
  BOOST_TEST(parseLogPath(R"({"LogPath":null})").value().empty());
}

BOOST_AUTO_TEST_SUITE_END()

#include <boost/test/unit_test.hpp>

#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(docker_client_on_the_real_engine)

BOOST_AUTO_TEST_CASE(the_client_drives_a_container_through_its_life_and_reports_dockers_errors) {
  host::CurlHttpClient http;
  docker::DockerClient docker(http, "/var/run/docker.sock");
  auto version = docker.negotiate();
  BOOST_REQUIRE(version.ok());
  BOOST_TEST(version.value().atLeast(1, 41));
  auto daemon = docker.daemonVersion();
  BOOST_REQUIRE(daemon.ok());
  BOOST_TEST(!daemon.value().version.empty());

  std::string name = uniquePrefix() + "-client";
  // Removed even when an assertion stops the test half-way.
  struct Cleanup {
    host::CurlHttpClient& http;
    docker::DockerClient& docker;
    std::string name;
    ~Cleanup() {
      (void)docker.removeContainer(name, true);
      deleteDockerObject(http, docker, "networks", name + "-net");
      deleteDockerObject(http, docker, "volumes", name + "-vol");
    }
  } cleanup{http, docker, name};
  json body = {{"Image", kStandinImage},
               {"Env", {"STANDIN_MODE=oneshot", "STANDIN_EXIT_CODE=3"}},
               {"Cmd", {"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"}},
               {"Labels", {{"io.cairn.test", name}}},
               {"HostConfig", {{"NetworkMode", "none"}}}};
  auto created = docker.createContainer(name, body);
  BOOST_REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().message));
  auto again = docker.createContainer(name, body);
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST((again.error().code == ErrorCode::kConflict));
  BOOST_TEST(again.error().message.find("409") != std::string::npos);

  BOOST_REQUIRE(docker.startContainer(name).ok());
  auto exitCode = docker.waitContainer(name);
  BOOST_REQUIRE(exitCode.ok());
  BOOST_TEST(exitCode.value() == 3);
  BOOST_TEST(docker.startContainer(name).ok());  // and once more, so that stop has work or not
  (void)docker.waitContainer(name);
  BOOST_TEST(docker.stopContainer(name, 1).ok());  // 304: already stopped

  std::string out, err;
  auto logs = docker.containerLogs(name, docker::LogOptions{}, [&](const docker::LogChunk& chunk) {
    (chunk.stream == docker::LogStream::kStderr ? err : out) += chunk.text;
    return true;
  });
  BOOST_REQUIRE(logs.ok());
  BOOST_TEST(out.find("to-stdout\n") != std::string::npos);
  BOOST_TEST(err.find("to-stderr\n") != std::string::npos);

  auto listed = docker.listContainers({{"label", {"io.cairn.test=" + name}}});
  BOOST_REQUIRE(listed.ok());
  BOOST_REQUIRE(listed.value().size() == 1u);
  BOOST_TEST(listed.value()[0].name == name);
  BOOST_TEST(listed.value()[0].state == "exited");

  auto kill = docker.killContainer(name);
  BOOST_REQUIRE(!kill.ok());
  BOOST_TEST((kill.error().code == ErrorCode::kConflict));
  BOOST_TEST(kill.error().message.find("is not running") != std::string::npos);

  BOOST_REQUIRE(docker.removeContainer(name, true).ok());
  auto gone = docker.inspectContainer(name);
  BOOST_REQUIRE(!gone.ok());
  BOOST_TEST((gone.error().code == ErrorCode::kNotFound));
  BOOST_TEST(gone.error().message.find("No such container") != std::string::npos);

  json missingImage = body;
  missingImage["Image"] = name + "-image:0";
  auto noImage = docker.createContainer(name, missingImage);
  BOOST_REQUIRE(!noImage.ok());
  BOOST_TEST((noImage.error().code == ErrorCode::kNotFound));
  BOOST_TEST(docker.inspectImage(kStandinImage).ok());
  auto pulled = docker.pullImage(name + "-image:0", nullptr);
  BOOST_REQUIRE(!pulled.ok());
  BOOST_TEST(pulled.error().message.find(name + "-image:0") != std::string::npos);

  auto network = docker.createNetwork(name + "-net", {{"io.cairn.test", name}});
  BOOST_REQUIRE_MESSAGE(network.ok(), (network.ok() ? "" : network.error().message));
  BOOST_TEST(docker.inspectNetwork(name + "-net").value().driver == "bridge");
  BOOST_TEST(!docker.createNetwork(name + "-net", {}).ok());  // duplicate names are refused
  auto volume = docker.createVolume(name + "-vol", {{"io.cairn.test", name}});
  BOOST_REQUIRE(volume.ok());
  BOOST_TEST(docker.inspectVolume(name + "-vol").value().labels.at("io.cairn.test") == name);
}

BOOST_AUTO_TEST_SUITE_END()

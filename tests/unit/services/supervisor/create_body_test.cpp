#include <boost/test/unit_test.hpp>

#include "services/supervisor/create_body.hpp"
#include "tests/unit/services/supervisor/fixtures.hpp"

using namespace cairn::supervisor;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(create_body)

BOOST_AUTO_TEST_CASE(postgres_gets_limits_labels_mounts_health_and_logging) {
  DesiredSet set = parseDesiredSet(cairn::testing::threeTierContainersJson());
  const DesiredContainer& postgres = *set.container("cairn-postgres");
  json body = containerCreateBody(postgres, CreateContext{"cairn", "/tmp/root", "/tmp/root"});
  BOOST_TEST(body["Image"] == "postgres:16.10-bookworm");
  BOOST_TEST(body["Env"][0] == "POSTGRES_PASSWORD=s3cret");
  BOOST_TEST(body["Labels"]["io.cairn.managed"] == "true");
  BOOST_TEST(body["Labels"]["io.cairn.service"] == "postgres");
  BOOST_TEST(body["Labels"]["io.cairn.spec-hash"] == postgres.specHash);
  BOOST_TEST(body["Labels"]["io.cairn.scope"] == "/tmp/root");
  BOOST_TEST(body["Healthcheck"]["Interval"] == 5'000'000'000LL);
  BOOST_TEST(body["Healthcheck"]["StartPeriod"] == 10'000'000'000LL);
  BOOST_TEST(!body["Healthcheck"].contains("StartInterval"));  // not in API 1.41
  json host = body["HostConfig"];
  BOOST_TEST(host["Memory"] == 1073741824LL);
  BOOST_TEST(host["NanoCpus"] == 1000000000LL);
  BOOST_TEST(host["PidsLimit"] == 512);
  BOOST_TEST(host["CapDrop"][0] == "ALL");
  BOOST_TEST(host["SecurityOpt"][0] == "no-new-privileges:true");
  BOOST_TEST(host["RestartPolicy"]["Name"] == "no");
  BOOST_TEST(host["LogConfig"]["Config"]["max-size"] == "10m");
  BOOST_TEST(host["Mounts"][0]["Source"] == "cairn-postgres-data");
  BOOST_TEST(host["Mounts"][1]["Source"] == "/tmp/root/etc/cairn/rendered/postgres/initdb");
  BOOST_TEST(host["Mounts"][1]["ReadOnly"] == true);
  BOOST_TEST(body["NetworkingConfig"]["EndpointsConfig"]["cairn"]["Aliases"][0] == "postgres");
}

BOOST_AUTO_TEST_CASE(ports_are_published_on_loopback_only_as_written) {
  DesiredSet set = parseDesiredSet(cairn::testing::threeTierContainersJson());
  json body = containerCreateBody(*set.container("cairn-web"), CreateContext{"cairn", "", ""});
  BOOST_TEST(body["ExposedPorts"].contains("8080/tcp"));
  BOOST_TEST(body["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostIp"] == "127.0.0.1");
  BOOST_TEST(body["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostPort"] == "8080");
  BOOST_TEST(!body["Labels"].contains("io.cairn.scope"));
}

BOOST_AUTO_TEST_CASE(host_networking_has_no_aliases_ports_or_endpoint) {
  DesiredSet set = parseDesiredSet(R"({"services":[{"name":"prometheus","containers":[{"name":"cairn-prometheus",
    "image":"prom","network_mode":"host","aliases":["prometheus"],"ports":[{"container_port":9090,"host_port":9090}]}]}]})");
  json body = containerCreateBody(*set.container("cairn-prometheus"), CreateContext{"cairn", "", ""});
  BOOST_TEST(body["HostConfig"]["NetworkMode"] == "host");
  BOOST_TEST(!body.contains("NetworkingConfig"));
  BOOST_TEST(!body.contains("ExposedPorts"));
}

BOOST_AUTO_TEST_SUITE_END()

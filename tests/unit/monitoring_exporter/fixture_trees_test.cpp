// Collectors against recorded trees: cgroup_v1_host (captured on a Debian 12 cgroup v1 hybrid
// host with one container), cgroup_v2_host (written from the kernel's cgroup v2 file formats,
// systemd driver, odd devices and mounts) and malformed_host (truncated and garbled files).
// Expected output lives next to the trees in expected/*.prom; CAIRN_UPDATE_GOLDEN=1 rewrites it.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "monitoring/exporter/container_collector.hpp"
#include "monitoring/exporter/node_collectors.hpp"
#include "tests/support/fake_clock.hpp"
#include "tests/support/fake_http_client.hpp"

using namespace cairn::exporter;
using cairn::host::HttpResponse;

namespace {

const std::string kFixtures = CAIRN_EXPORTER_FIXTURES;
const std::string kV1Id = "86dc675e0d1927216303b6a7af9fa6c779d0eede2e9c9105692c40c4f7c6b892";
const std::string kV2Id = "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

NodeSources fixtureSources(const std::string& tree, const cairn::host::Clock& clock) {
  NodeSources sources;
  sources.procRoot = kFixtures + "/" + tree + "/proc";
  sources.sysRoot = kFixtures + "/" + tree + "/sys";
  sources.clock = &clock;
  sources.statFilesystem = [](const std::string& mountPoint) -> std::optional<FilesystemStats> {
    if (mountPoint == "/boot") return std::nullopt;  // a failing statfs
    return FilesystemStats{1e9, 4e8, 3e8, 65536, 60000};
  };
  sources.uname = [] { return Uname{"Linux", "6.1.0-test", "#1 SMP", "x86_64", "fixture", "(none)"}; };
  sources.timeZone = [](double) { return std::make_pair(std::string("UTC"), 0.0); };
  return sources;
}

// The scrape with its (timing-dependent) durations left out.
std::string scrapeText(const std::vector<std::unique_ptr<Collector>>& collectors) {
  auto families = scrape(collectors);
  families.erase(std::remove_if(families.begin(), families.end(),
                                [](const MetricFamily& f) { return f.name == "node_scrape_collector_duration_seconds"; }),
                 families.end());
  return cairn::metrics::renderText(families);
}

void checkGolden(const std::string& name, const std::string& actual) {
  const std::string path = kFixtures + "/expected/" + name;
  if (std::getenv("CAIRN_UPDATE_GOLDEN")) {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in, "missing golden file " + path);
  std::stringstream expected;
  expected << in.rdbuf();
  BOOST_TEST(actual == expected.str(), "output differs from " + path);
}

std::string inspect(const std::string& id, const std::string& name, int pid) {
  return R"({"Id":")" + id + R"(","Name":"/)" + name + R"(","Created":"2026-11-21T21:59:00Z",
    "Config":{"Image":"exporter-test-busybox:1","Labels":{"io.cairn.managed":"true","io.cairn.service":")" + name + R"("}},
    "State":{"Running":true,"Pid":)" + std::to_string(pid) + R"(,"StartedAt":"2026-11-21T21:59:01.5Z"},
    "HostConfig":{"NetworkMode":"exporter-test-net"}})";
}

std::string containerScrape(const std::string& tree, const std::string& id, const std::string& name, int pid) {
  cairn::testing::FakeHttpClient docker;
  docker.handler = [&](const cairn::host::HttpRequest& request) -> cairn::Result<HttpResponse> {
    if (request.url == "http://localhost/containers/json") return HttpResponse{200, {}, "[{\"Id\":\"" + id + "\"}]"};
    return HttpResponse{200, {}, inspect(id, name, pid)};
  };
  const std::string proc = kFixtures + "/" + tree + "/proc";
  ContainerDirectory directory("/var/run/docker.sock", proc, kFixtures + "/" + tree + "/sys");
  BOOST_REQUIRE(directory.refresh(docker).ok());
  std::vector<std::unique_ptr<Collector>> collectors;
  collectors.push_back(std::make_unique<ContainerCollector>(directory, proc, [] { return 1795298000.0; },
                                                          std::make_shared<ProcFileReader>()));
  return scrapeText(collectors);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fixture_trees)

BOOST_AUTO_TEST_CASE(cgroup_v1_host_node_families) {
  cairn::testing::FakeClock clock;
  checkGolden("node_cgroup_v1_host.prom", scrapeText(makeNodeCollectors(fixtureSources("cgroup_v1_host", clock))));
}

BOOST_AUTO_TEST_CASE(cgroup_v2_host_node_families_with_odd_devices_and_mounts) {
  cairn::testing::FakeClock clock;
  checkGolden("node_cgroup_v2_host.prom", scrapeText(makeNodeCollectors(fixtureSources("cgroup_v2_host", clock))));
}

BOOST_AUTO_TEST_CASE(malformed_files_give_partial_families_and_failed_collectors) {
  cairn::testing::FakeClock clock;
  std::string text = scrapeText(makeNodeCollectors(fixtureSources("malformed_host", clock)));
  checkGolden("node_malformed_host.prom", text);
  for (const char* collector : {"conntrack", "cpu", "diskstats", "filefd", "filesystem", "loadavg", "meminfo", "netclass", "netdev", "pressure", "stat", "vmstat"}) {
    BOOST_TEST(text.find("node_scrape_collector_success{collector=\"" + std::string(collector) + "\"} 0\n") !=
                   std::string::npos,
               collector);
  }
  BOOST_TEST(text.find("node_scrape_collector_success{collector=\"time\"} 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_tree_fails_every_file_collector_without_throwing) {
  cairn::testing::FakeClock clock;
  std::string text = scrapeText(makeNodeCollectors(fixtureSources("no_such_tree", clock)));
  BOOST_TEST(text.find("node_scrape_collector_success{collector=\"meminfo\"} 0\n") != std::string::npos);
  BOOST_TEST(text.find("node_scrape_collector_success{collector=\"pressure\"} 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cgroup_v1_cgroupfs_container_families) {
  checkGolden("container_cgroup_v1_host.prom", containerScrape("cgroup_v1_host", kV1Id, "exporter-test-fixture", 6291));
}

BOOST_AUTO_TEST_CASE(cgroup_v2_systemd_container_families) {
  std::string text = containerScrape("cgroup_v2_host", kV2Id, "exporter-test-v2", 4242);
  checkGolden("container_cgroup_v2_host.prom", text);
  BOOST_TEST(text.find("id=\"/system.slice/docker-" + kV2Id + ".scope\"") != std::string::npos);
  BOOST_TEST(text.find("device=\"/dev/sda\"") != std::string::npos);
  BOOST_TEST(text.find("interface=\"lo\"") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_container_whose_process_vanished_is_skipped_and_fails_the_collector) {
  std::string text = containerScrape("cgroup_v2_host", kV2Id, "exporter-test-v2", 999999);
  BOOST_TEST(text.find("container_memory_usage_bytes") == std::string::npos);
  BOOST_TEST(text.find("node_scrape_collector_success{collector=\"container\"} 0\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// cairn-exporter beside Debian's prometheus-node-exporter on loopback ports: the families both
// expose have the same names, types and label names, and their values agree.
#define BOOST_TEST_MODULE monitoring_exporter_node_compare
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <set>

#include "tests/integration/monitoring_exporter/live_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::testing;

namespace {

using LabelNames = std::set<std::string>;

std::set<LabelNames> labelNameSets(const std::vector<Series>& series) {
  std::set<LabelNames> sets;
  for (const auto& s : series) {
    LabelNames names;
    for (const auto& [name, value] : s.labels) names.insert(name);
    sets.insert(names);
  }
  return sets;
}

const Series* find(const Exposition& e, const std::string& name, const std::map<std::string, std::string>& labels) {
  auto it = e.samples.find(name);
  if (it == e.samples.end()) return nullptr;
  for (const auto& s : it->second) {
    if (s.labels == labels) return &s;
  }
  return nullptr;
}

struct BothExporters {
  TempDir dir;
  int cairnPort = freeLoopbackPort();
  int nodePort = freeLoopbackPort();
  ChildProcess cairn{{CAIRN_EXPORTER_BINARY, "--listen", "127.0.0.1:" + std::to_string(cairnPort), "--supervisor-url", "",
                      "--docker-socket", dir / "no-docker.sock"},
                     dir / "cairn.log"};
  ChildProcess node{{"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(nodePort)},
                    dir / "node.log"};
  Exposition ours, theirs;
  std::string ourText;

  BothExporters() {
    BOOST_REQUIRE_MESSAGE(waitFor([&] { return httpGet(cairnPort, "/healthz").status == 200; }, std::chrono::seconds(20)),
                          "cairn-exporter did not answer: " + logOf(dir / "cairn.log"));
    BOOST_REQUIRE_MESSAGE(waitFor([&] { return httpGet(nodePort, "/metrics").status == 200; }, std::chrono::seconds(20)),
                          "prometheus-node-exporter did not answer: " + logOf(dir / "node.log"));
    auto fetchedOurs = httpGet(cairnPort, "/metrics");
    auto fetchedTheirs = httpGet(nodePort, "/metrics");
    BOOST_TEST(fetchedOurs.contentType == "text/plain; version=0.0.4; charset=utf-8");
    ourText = fetchedOurs.body;
    ours = parseExposition(fetchedOurs.body);
    theirs = parseExposition(fetchedTheirs.body);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(beside_node_exporter, BothExporters)

BOOST_AUTO_TEST_CASE(shared_families_have_the_same_types_and_label_names) {
  int shared = 0;
  for (const auto& [name, type] : ours.types) {
    if (name.rfind("node_", 0) != 0 || name.rfind("node_scrape_", 0) == 0 || !theirs.types.count(name)) continue;
    ++shared;
    BOOST_TEST(type == theirs.types.at(name), name);
    auto ourSets = labelNameSets(ours.samples[name]);
    auto theirSets = labelNameSets(theirs.samples[name]);
    BOOST_TEST((ourSets == theirSets), name << ": label names differ");
  }
  BOOST_TEST(shared >= 60);
  for (const char* family : {"node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_load1", "node_filesystem_size_bytes",
                             "node_disk_read_bytes_total", "node_network_receive_bytes_total", "node_uname_info",
                             "node_boot_time_seconds", "node_time_seconds", "node_vmstat_pgfault", "node_filefd_allocated",
                             "node_context_switches_total", "node_procs_running"}) {
    BOOST_TEST(ours.types.count(family) == 1u, family);
    BOOST_TEST(theirs.types.count(family) == 1u, family);
  }
}

BOOST_AUTO_TEST_CASE(every_meminfo_field_of_node_exporter_is_exported) {
  for (const auto& [name, type] : theirs.types) {
    if (name.rfind("node_memory_", 0) == 0) BOOST_TEST(ours.types.count(name) == 1u, name);
  }
}

BOOST_AUTO_TEST_CASE(gauges_agree_exactly_and_counters_within_tolerance) {
  for (const char* gauge : {"node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_boot_time_seconds",
                            "node_filefd_maximum"}) {
    const Series* a = find(ours, gauge, {});
    const Series* b = find(theirs, gauge, {});
    BOOST_REQUIRE_MESSAGE(a && b, gauge);
    BOOST_TEST(a->value == b->value, gauge);
  }
  BOOST_REQUIRE(!ours.samples["node_uname_info"].empty() && !theirs.samples["node_uname_info"].empty());
  BOOST_TEST((ours.samples["node_uname_info"][0].labels == theirs.samples["node_uname_info"][0].labels));
  for (const auto& theirCpu : theirs.samples["node_cpu_seconds_total"]) {
    const Series* ourCpu = find(ours, "node_cpu_seconds_total", theirCpu.labels);
    BOOST_REQUIRE(ourCpu);
    BOOST_TEST(std::fabs(ourCpu->value - theirCpu.value) <= 0.5 + 0.01 * theirCpu.value);
  }
  for (const char* counter : {"node_disk_reads_completed_total", "node_disk_written_bytes_total", "node_network_receive_bytes_total"}) {
    for (const auto& their : theirs.samples[counter]) {
      const Series* our = find(ours, counter, their.labels);
      if (!our) continue;  // a device one of the two excludes by default
      BOOST_TEST(std::fabs(our->value - their.value) <= 0.01 * their.value + 65536, counter);
    }
  }
  const Series* ourRoot = find(ours, "node_filesystem_size_bytes", {{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mountpoint", "/"}});
  const Series* theirRoot = find(theirs, "node_filesystem_size_bytes", {{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mountpoint", "/"}});
  if (ourRoot && theirRoot) BOOST_TEST(ourRoot->value == theirRoot->value);
}

BOOST_AUTO_TEST_CASE(promtool_finds_only_the_remarks_compatibility_requires) {
  TempDir scratch;
  writeFile(scratch / "metrics.txt", ourText);
  std::string remarks;
  int status = runCommand("promtool check metrics < " + scratch / "metrics.txt" + " 2>&1", &remarks);
  BOOST_TEST((status == 0 || status == 3), "promtool could not parse the output: " << remarks);
  std::size_t start = 0;
  while (start < remarks.size()) {
    std::size_t end = remarks.find('\n', start);
    std::string line = remarks.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? remarks.size() : end + 1;
    if (line.empty()) continue;
    bool meminfoCase = line.rfind("node_memory_", 0) == 0 && line.find("camelCase") != std::string::npos;
    bool cadvisorFailcnt = line.rfind("container_memory_failcnt ", 0) == 0;
    BOOST_TEST((meminfoCase || cadvisorFailcnt), "unexpected promtool remark: " << line);
  }
}

BOOST_AUTO_TEST_CASE(gzip_is_served_when_accepted) {
  std::string headers;
  int status = runCommand("curl -s -D - -o /dev/null -H 'Accept-Encoding: gzip' http://127.0.0.1:" + std::to_string(cairnPort) + "/metrics",
                          &headers);
  BOOST_TEST(status == 0);
  BOOST_TEST(headers.find("Content-Encoding: gzip") != std::string::npos);
  std::string body;
  runCommand("curl -s --compressed http://127.0.0.1:" + std::to_string(cairnPort) + "/metrics", &body);
  BOOST_TEST(body.find("node_cpu_seconds_total{") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(concurrent_scrapes_all_succeed) {
  std::string output;
  int status = runCommand("for i in $(seq 1 16); do curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:" +
                              std::to_string(cairnPort) + "/metrics & done; wait",
                          &output);
  BOOST_TEST(status == 0);
  std::size_t ok = 0, position = 0;
  while ((position = output.find("200", position)) != std::string::npos) ++ok, position += 3;
  BOOST_TEST(ok == 16u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(command_line_prints_version_and_help_and_rejects_bad_settings) {
  std::string output;
  BOOST_TEST(runCommand(std::string(CAIRN_EXPORTER_BINARY) + " --version", &output) == 0);
  BOOST_TEST(output.rfind("cairn-exporter ", 0) == 0u);
  BOOST_TEST(runCommand(std::string(CAIRN_EXPORTER_BINARY) + " --help", &output) == 0);
  for (const char* flag : {"--listen", "--proc-root", "--sys-root", "--docker-socket"}) {
    BOOST_TEST(output.find(flag) != std::string::npos, flag);
  }
  BOOST_TEST(runCommand(std::string(CAIRN_EXPORTER_BINARY) + " --listen nowhere --proc-root relative 2>&1", &output) != 0);
  BOOST_TEST(output.find("listen: \"nowhere\" is not ADDR:PORT") != std::string::npos, output);
  BOOST_TEST(output.find("proc_root: \"relative\" is not an absolute path") != std::string::npos, output);
  TempDir dir;
  writeFile(dir / "exporter.json", "{\"services\": 3}");
  BOOST_TEST(runCommand(std::string(CAIRN_EXPORTER_BINARY) + " --config " + dir / "exporter.json" + " 2>&1", &output) != 0);
  BOOST_TEST(output.find("services: expected a list of names") != std::string::npos, output);
}

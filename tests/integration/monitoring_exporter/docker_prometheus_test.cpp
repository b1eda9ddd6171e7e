// cairn-exporter with real containers on the real Docker engine (names prefixed exporter-test-),
// and a real Prometheus (Debian's, own data directory and loopback port) scraping it with the
// rendered configuration while every dashboard panel's query is run through its HTTP API.
#define BOOST_TEST_MODULE monitoring_exporter_docker
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "appliance/host/http_client.hpp"
#include "appliance/spec/load.hpp"
#include "monitoring/dashboards/dashboards.hpp"
#include "monitoring/stack/prometheus_config.hpp"
#include "tests/integration/monitoring_exporter/live_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn::testing;

namespace {

const std::string kImage = "exporter-test-busybox:1";
const std::string kNetwork = "exporter-test-net";

std::string docker(const std::string& arguments) {
  std::string output;
  int status = runCommand("docker " + arguments + " 2>&1", &output);
  BOOST_REQUIRE_MESSAGE(status == 0, "docker " + arguments + ": " + output);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

// The tiny image, built once from Debian's busybox-static and kept by tag.
void ensureImage() {
  if (runCommand("docker image inspect " + kImage + " >/dev/null 2>&1") == 0) return;
  TempDir rootfs;
  std::string script = "set -e; mkdir -p " + rootfs / "bin" + "; cp /bin/busybox " + rootfs / "bin/busybox" +
                       "; for a in sh sleep cat dd sync; do ln -s busybox " + rootfs / "bin/$a" +
                       "; done; tar -C " + rootfs.path() + " -c . | docker import - " + kImage + " >/dev/null";
  std::string output;
  BOOST_REQUIRE_MESSAGE(runCommand("sh -c '" + script + "' 2>&1", &output) == 0, "building " + kImage + ": " + output);
}

struct Containers {
  Containers() {
    ensureImage();
    runCommand("docker rm -f exporter-test-a exporter-test-b >/dev/null 2>&1");
    if (runCommand("docker network inspect " + kNetwork + " >/dev/null 2>&1") != 0) docker("network create " + kNetwork);
  }
  ~Containers() { runCommand("docker rm -f exporter-test-a exporter-test-b >/dev/null 2>&1; docker network rm " + kNetwork + " >/dev/null 2>&1"); }

  std::string run(const std::string& name) {
    return docker("run -d --name " + name + " --network " + kNetwork +
                  " --label io.cairn.service=probe --label io.cairn.managed=true -m 64m " + kImage +
                  " /bin/sh -c 'while true; do cat /bin/busybox >/dev/null; sleep 1; done'");
  }
};

struct Exporter {
  TempDir dir;
  int port = freeLoopbackPort();
  std::unique_ptr<ChildProcess> process;
  Exporter() {
    writeFile(dir / "exporter.json",
              nlohmann::json{{"listen", "127.0.0.1:" + std::to_string(port)}, {"services", {"probe"}}, {"supervisor_url", ""}}.dump());
    process = std::make_unique<ChildProcess>(std::vector<std::string>{CAIRN_EXPORTER_BINARY, "--config", dir / "exporter.json"},
                                             dir / "exporter.log");
    BOOST_REQUIRE_MESSAGE(waitFor([&] { return httpGet(port, "/healthz").status == 200; }, std::chrono::seconds(20)),
                          "cairn-exporter did not answer: " + logOf(dir / "exporter.log"));
  }
  Exposition scrape() { return parseExposition(httpGet(port, "/metrics").body); }
};

std::vector<Series> seriesOf(const Exposition& e, const std::string& metric, const std::string& name) {
  std::vector<Series> found;
  auto it = e.samples.find(metric);
  if (it == e.samples.end()) return found;
  for (const auto& s : it->second) {
    auto label = s.labels.find("name");
    if (label != s.labels.end() && label->second == name) found.push_back(s);
  }
  return found;
}

std::string queryUrl(int port, const std::string& query) {
  return "http://127.0.0.1:" + std::to_string(port) + "/api/v1/query?query=" + cairn::host::urlEncode(query);
}

}  // namespace

BOOST_AUTO_TEST_CASE(container_metrics_carry_cadvisor_labels_and_vanish_when_the_container_stops) {
  Containers containers;
  std::string idA = containers.run("exporter-test-a");
  std::string idB = containers.run("exporter-test-b");
  Exporter exporter;

  Exposition seen;
  BOOST_REQUIRE_MESSAGE(waitFor([&] {
                          seen = exporter.scrape();
                          return !seriesOf(seen, "container_network_receive_bytes_total", "exporter-test-a").empty() &&
                                 !seriesOf(seen, "container_cpu_usage_seconds_total", "exporter-test-b").empty();
                        },
                        std::chrono::seconds(30)),
                        "the containers' metrics did not appear: " + logOf(exporter.dir / "exporter.log"));
  auto cpu = seriesOf(seen, "container_cpu_usage_seconds_total", "exporter-test-a");
  BOOST_TEST(cpu[0].labels.at("image") == kImage);
  BOOST_TEST(cpu[0].labels.at("container_label_io_cairn_service") == "probe");
  BOOST_TEST(cpu[0].labels.at("container_label_io_cairn_managed") == "true");
  const std::string& cgroupId = cpu[0].labels.at("id");
  BOOST_TEST(cgroupId.find(idA) != std::string::npos, cgroupId);
  BOOST_TEST(cpu[0].labels.count("cpu") == 1u);
  auto network = seriesOf(seen, "container_network_receive_bytes_total", "exporter-test-a");
  BOOST_TEST(network[0].labels.at("interface") == "eth0");
  auto limit = seriesOf(seen, "container_spec_memory_limit_bytes", "exporter-test-a");
  BOOST_REQUIRE_EQUAL(limit.size(), 1u);
  BOOST_TEST(limit[0].value == 64.0 * 1024 * 1024);
  for (const char* family : {"container_memory_usage_bytes", "container_memory_working_set_bytes", "container_memory_rss",
                             "container_cpu_user_seconds_total", "container_threads", "container_start_time_seconds",
                             "container_last_seen", "container_oom_events_total"}) {
    BOOST_TEST(seriesOf(seen, family, "exporter-test-a").size() == 1u, family);
  }
  BOOST_TEST(seen.samples["cairn_service_up"][0].value == 1);

  docker("stop -t 1 exporter-test-b");
  BOOST_TEST(waitFor([&] {
               seen = exporter.scrape();
               return seriesOf(seen, "container_cpu_usage_seconds_total", "exporter-test-b").empty() &&
                      seriesOf(seen, "container_memory_usage_bytes", "exporter-test-b").empty();
             },
             std::chrono::seconds(30)));
  BOOST_TEST(!seriesOf(seen, "container_cpu_usage_seconds_total", "exporter-test-a").empty());
  BOOST_TEST(waitFor([&] {
               seen = exporter.scrape();
               return !seen.samples["cairn_service_container_exits_total"].empty() &&
                      seen.samples["cairn_service_container_exits_total"][0].value >= 1;
             },
             std::chrono::seconds(30)));
  BOOST_TEST(seen.samples["node_scrape_collector_success"].size() >= 14u);
}

BOOST_AUTO_TEST_CASE(prometheus_scrapes_the_exporter_and_every_dashboard_query_returns_data) {
  Containers containers;
  containers.run("exporter-test-a");
  Exporter exporter;
  TempDir dir;
  auto spec = cairn::spec::loadSpec(R"({"version":1,"domain":"example.com","admin_email":"ops@example.com",
      "monitoring":{"scrape_interval":"1s","exporter_listen":"127.0.0.1:)" + std::to_string(exporter.port) + R"("}})");
  writeFile(dir / "prometheus/prometheus.yml", cairn::stack::renderPrometheusConfig(spec));
  writeFile(dir / "prometheus/rules/cairn-recording.yml", cairn::stack::renderRecordingRules());
  writeFile(dir / "prometheus/rules/cairn-alerts.yml", cairn::stack::renderAlertRules());
  int port = freeLoopbackPort();
  ChildProcess prometheus({"prometheus", "--config.file=" + dir / "prometheus/prometheus.yml",
                           "--storage.tsdb.path=" + dir / "data", "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                          dir / "prometheus.log");
  cairn::host::CurlHttpClient http;
  auto getJson = [&](const std::string& url) {
    cairn::host::HttpRequest request;
    request.url = url;
    auto response = http.send(request);
    if (!response || response.value().status != 200) return nlohmann::json();
    return nlohmann::json::parse(response.value().body, nullptr, false);
  };
  auto exporterTarget = [&]() -> nlohmann::json {
    auto targets = getJson("http://127.0.0.1:" + std::to_string(port) + "/api/v1/targets");
    if (!targets.is_object()) return nullptr;
    for (const auto& target : targets["data"]["activeTargets"]) {
      if (target["labels"]["job"] == "cairn-exporter") return target;
    }
    return nullptr;
  };
  BOOST_REQUIRE_MESSAGE(waitFor([&] {
                          auto target = exporterTarget();
                          return !target.is_null() && target["health"] == "up";
                        },
                        std::chrono::seconds(60)),
                        "Prometheus did not scrape cairn-exporter: " + logOf(dir / "prometheus.log"));
  BOOST_TEST(exporterTarget()["lastError"] == "");

  for (const auto& dashboard : cairn::dashboards::cairnDashboards()) {
    for (const auto& panel : dashboard.panels) {
      for (const auto& query : panel.queries) {
        std::string expr = query.expr;
        for (std::size_t at; (at = expr.find("$__rate_interval")) != std::string::npos;) expr.replace(at, 16, "10s");
        nlohmann::json answer;
        bool hasData = waitFor([&] {
          answer = getJson(queryUrl(port, expr));
          return answer.is_object() && answer["status"] == "success" && !answer["data"]["result"].empty();
        }, std::chrono::seconds(30));
        BOOST_TEST(hasData, dashboard.title << " / " << panel.title << ": " << expr << " → " << answer.dump());
      }
    }
  }
  auto rules = getJson("http://127.0.0.1:" + std::to_string(port) + "/api/v1/rules");
  BOOST_TEST(rules["data"]["groups"].size() == 2u);
}

#define BOOST_TEST_MODULE monitoring_stack
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <set>

#include "appliance/host/process_runner.hpp"
#include "appliance/spec/load.hpp"
#include "monitoring/dashboards/dashboards.hpp"
#include "monitoring/stack/prometheus_config.hpp"
#include "monitoring/stack/stack_renderer.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;

namespace {

spec::Spec sampleSpec(const std::string& monitoring = "") {
  std::string text = R"({"version":1,"domain":"example.com","admin_email":"ops@example.com")";
  if (!monitoring.empty()) text += R"(,"monitoring":)" + monitoring;
  return spec::loadSpec(text + "}");
}

int run(const std::string& command) { return std::system((command + " > /dev/null 2>&1").c_str()); }

}  // namespace

BOOST_AUTO_TEST_CASE(prometheus_scrapes_every_contract_target_at_the_spec_interval) {
  std::string yml = stack::renderPrometheusConfig(sampleSpec(R"({"scrape_interval":"30s","exporter_listen":"127.0.0.1:9999"})"));
  BOOST_TEST(yml.find("  scrape_interval: 30s\n") != std::string::npos);
  for (const char* target : {"127.0.0.1:9999", "127.0.0.1:9465", "127.0.0.1:9466", "127.0.0.1:3100", "127.0.0.1:9090"}) {
    BOOST_TEST(yml.find(std::string("[\"") + target + "\"]") != std::string::npos, target);
  }
  BOOST_TEST(yml.find("  - rules/*.yml\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_bundle_holds_the_contract_paths_and_promtool_validators) {
  auto bundle = stack::renderMonitoringStack(sampleSpec());
  for (const char* path : {"/etc/cairn/rendered/prometheus/prometheus.yml", "/etc/cairn/rendered/prometheus/rules/cairn-alerts.yml",
                           "/etc/cairn/rendered/prometheus/rules/cairn-recording.yml",
                           "/etc/cairn/rendered/grafana/provisioning/datasources/prometheus.yaml",
                           "/etc/cairn/rendered/grafana/provisioning/dashboards/cairn.yaml",
                           "/etc/cairn/rendered/grafana/dashboards/node-overview.json",
                           "/etc/cairn/rendered/grafana/dashboards/containers.json",
                           "/etc/cairn/rendered/grafana/dashboards/appliance-services.json", "/etc/cairn/rendered/exporter.json"}) {
    BOOST_TEST(bundle.find(path) != nullptr, path);
  }
  BOOST_REQUIRE_EQUAL(bundle.validators.size(), 1u);
  BOOST_TEST(bundle.validators[0].name == "promtool check");
  auto exporter = nlohmann::json::parse(bundle.find("/etc/cairn/rendered/exporter.json")->content);
  BOOST_TEST(exporter["listen"] == "127.0.0.1:9464");
  BOOST_TEST(exporter["services"].size() == spec::serviceNames().size());
}

BOOST_AUTO_TEST_CASE(every_dashboard_panel_has_a_query_and_a_unique_title) {
  for (const auto& dashboard : dashboards::cairnDashboards()) {
    auto json = dashboards::dashboardJson(dashboard);
    BOOST_TEST(json["uid"] == dashboard.uid);
    std::set<std::string> titles;
    for (const auto& panel : json["panels"]) {
      BOOST_TEST(!panel["targets"].empty());
      BOOST_TEST(panel["datasource"]["uid"] == dashboards::kPrometheusDatasourceUid);
      BOOST_TEST(titles.insert(panel["title"].get<std::string>()).second);
    }
  }
}

BOOST_AUTO_TEST_CASE(rendered_config_and_rules_pass_promtool_and_the_alert_unit_tests) {
  if (run("command -v promtool") != 0) {
    BOOST_TEST_MESSAGE("promtool is not installed (Debian package prometheus); skipped");
    return;
  }
  testing::TempDir dir;
  auto bundle = stack::renderMonitoringStack(sampleSpec());
  for (const auto& file : bundle.files) {
    if (file.path.rfind("/etc/cairn/rendered/prometheus/", 0) == 0) {
      testing::writeFile(dir / file.path.substr(std::string("/etc/cairn/rendered/prometheus/").size()), file.content);
    }
  }
  BOOST_TEST(run("promtool check config " + dir / "prometheus.yml") == 0);
  BOOST_TEST(run("promtool check rules " + dir / "rules/cairn-alerts.yml " + dir / "rules/cairn-recording.yml") == 0);
  testing::writeFile(dir / "rules/alerts_test.yml", testing::readFile(CAIRN_STACK_RULE_TESTS));
  int status = std::system(("cd " + dir / "rules" + " && promtool test rules alerts_test.yml").c_str());
  BOOST_TEST(status == 0);
}

BOOST_AUTO_TEST_CASE(the_validator_passes_the_rendered_tree_and_rejects_a_broken_config) {
  auto bundle = stack::renderMonitoringStack(sampleSpec());
  testing::TempDir stage;
  for (const auto& file : bundle.files) testing::writeFile(stage.path() + file.path, file.content);
  host::LocalProcessRunner runner;
  auto argv = bundle::expandCommand(bundle.validators.at(0), stage.path(), "");
  auto good = runner.run(argv, std::chrono::seconds(60));
  BOOST_REQUIRE(good.ok());
  BOOST_TEST(good.value().exitCode == 0, good.value().output);
  testing::writeFile(stage.path() + "/etc/cairn/rendered/prometheus/prometheus.yml", "scrape_configs: [{job_name: 1\n");
  auto bad = runner.run(argv, std::chrono::seconds(60));
  BOOST_REQUIRE(bad.ok());
  BOOST_TEST(bad.value().exitCode != 0, bad.value().output);
}

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "appliance/spec/load.hpp"
#include "monitoring/logship/render.hpp"

using namespace cairn::logship;

namespace {

cairn::spec::Spec specWith(const std::string& logs) {
  return cairn::spec::loadSpec(R"({"version":1,"domain":"example.com","admin_email":"ops@example.com","logs":)" + logs + "}");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(render)

BOOST_AUTO_TEST_CASE(the_bundle_holds_the_four_files_at_their_contract_paths) {
  const auto bundle = renderLogship(specWith("{}"));
  for (const char* path : {kConfigPath, kLokiConfigPath, kDatasourcePath, kDashboardPath}) {
    BOOST_TEST(bundle.find(path) != nullptr, path);
  }
  BOOST_TEST(bundle.find(kConfigPath)->reload == std::vector<std::string>{"restart-logshipd"});
}

BOOST_AUTO_TEST_CASE(the_daemon_config_carries_the_spec_values_and_reads_back) {
  const auto bundle = renderLogship(specWith(
      R"({"loki_url":"https://logs.example.net","tenant":"acme","labels":{"site":"par1"},"max_line_size":"64KiB","batch_size":"512KiB","batch_wait":"2s"})"));
  const auto config = configFromJson(nlohmann::json::parse(bundle.find(kConfigPath)->content));
  BOOST_TEST(config.loki.url == "https://logs.example.net/loki/api/v1/push");
  BOOST_TEST(config.loki.tenant == "acme");
  BOOST_TEST(config.labels.at("site") == "par1");
  BOOST_TEST(config.maxLineBytes == 65536u);
  BOOST_TEST(config.batchBytes == 524288u);
  BOOST_TEST(config.batchWaitMs == 2000);
  BOOST_TEST(config.journal.enabled);
  BOOST_TEST(config.files.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_default_push_url_is_the_local_loki) {
  BOOST_TEST(pushUrlFor("") == "http://127.0.0.1:3100/loki/api/v1/push");
  BOOST_TEST(pushUrlFor("http://loki:3100/") == "http://loki:3100/loki/api/v1/push");
  BOOST_TEST(pushUrlFor("http://x/loki/api/v1/push") == "http://x/loki/api/v1/push");
}

BOOST_AUTO_TEST_CASE(loki_keeps_logs_for_the_spec_retention_in_whole_days) {
  const std::string yaml = renderLokiConfig(specWith(R"({"retention":"36h"})"));
  BOOST_TEST(yaml.find("retention_period: 48h") != std::string::npos);
  BOOST_TEST(yaml.find("retention_enabled: true") != std::string::npos);
  BOOST_TEST(yaml.find("auth_enabled: false") != std::string::npos);
  BOOST_TEST(yaml.find("max_line_size: 256KB") != std::string::npos);
  BOOST_TEST(renderLokiConfig(specWith(R"({"tenant":"acme"})")).find("auth_enabled: true") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_datasource_sends_the_tenant_and_the_dashboard_uses_it) {
  const std::string datasource = renderLokiDatasource(specWith(R"({"tenant":"acme"})"));
  BOOST_TEST(datasource.find("uid: cairn-loki") != std::string::npos);
  BOOST_TEST(datasource.find("httpHeaderValue1: \"acme\"") != std::string::npos);
  const auto dashboard = nlohmann::json::parse(renderLogsDashboard());
  BOOST_TEST(dashboard["uid"] == "cairn-logs");
  for (const auto& panel : dashboard["panels"]) {
    BOOST_TEST(panel["datasource"]["uid"] == "cairn-loki");
    BOOST_TEST(!panel["targets"][0]["expr"].get<std::string>().empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()

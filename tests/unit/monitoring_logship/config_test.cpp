#include <boost/test/unit_test.hpp>

#include "monitoring/logship/config.hpp"

using namespace cairn::logship;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(an_empty_object_gives_the_defaults) {
  const auto config = configFromJson(json::object());
  BOOST_TEST(config.loki.url == "http://127.0.0.1:3100/loki/api/v1/push");
  BOOST_TEST(config.batchBytes == 1048576u);
  BOOST_TEST(config.batchWaitMs == 1000);
  BOOST_TEST(config.batchesInFlight == 2u);
  BOOST_TEST(config.metricsListen == "127.0.0.1:9466");
}

BOOST_AUTO_TEST_CASE(the_rendered_form_reads_back_the_same) {
  LogshipConfig config;
  config.files.push_back({"/var/log/nginx/access.log", "nginx_access", {{"job", "nginx"}}, false});
  config.loki.tenant = "t";
  config.batchesInFlight = 2;
  const auto again = configFromJson(configToJson(config));
  BOOST_TEST(again.files.size() == 1u);
  BOOST_TEST(again.files[0].format == "nginx_access");
  BOOST_TEST(again.loki.tenant == "t");
  BOOST_TEST(again.batchesInFlight == 2u);
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_with_its_path) {
  const json doc = {{"loki", {{"url", "ftp://x"}, {"timeout_ms", "soon"}}},
                    {"files", {{{"path", "relative.log"}, {"format", "xml"}}}},
                    {"labels", {{"bad-name", "x"}}},
                    {"batches_in_flight", 0},
                    {"surprise", 1}};
  try {
    configFromJson(doc);
    BOOST_FAIL("expected ConfigError");
  } catch (const ConfigError& error) {
    const std::string text = error.what();
    for (const char* expected : {"loki.url", "loki.timeout_ms", "files[0].path", "files[0].format", "labels.bad-name",
                                 "batches_in_flight", "$.surprise"}) {
      BOOST_TEST(text.find(expected) != std::string::npos, expected << " missing from: " << text);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

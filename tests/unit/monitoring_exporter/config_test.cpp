#include <boost/test/unit_test.hpp>

#include "monitoring/exporter/config.hpp"

using namespace cairn::exporter;

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(rendered_settings_round_trip) {
  ExporterConfig config;
  config.listen = "127.0.0.1:19464";
  config.services = {"postgres", "grafana"};
  auto parsed = exporterConfigFromJson(exporterConfigToJson(config), "exporter.json");
  BOOST_TEST(parsed.listen == "127.0.0.1:19464");
  BOOST_TEST(parsed.services == config.services, boost::test_tools::per_element());
  BOOST_TEST(validate(parsed).empty());
}

BOOST_AUTO_TEST_CASE(wrong_shapes_name_the_key) {
  auto message = [](const char* text) {
    try {
      exporterConfigFromJson(nlohmann::json::parse(text), "exporter.json");
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  BOOST_TEST(message(R"({"listen": 9464})") == "exporter.json: listen: expected a string");
  BOOST_TEST(message(R"({"services": ["a", 1]})") == "exporter.json: services[1]: expected a string");
  BOOST_TEST(message(R"({"colour": "red"})") == "exporter.json: colour: unknown setting");
}

BOOST_AUTO_TEST_CASE(validate_lists_every_problem) {
  ExporterConfig config;
  config.listen = "localhost";
  config.procRoot = "proc";
  config.supervisorUrl = "ftp://x";
  config.services = {"a", "a"};
  auto problems = validate(config);
  BOOST_REQUIRE_EQUAL(problems.size(), 4u);
  BOOST_TEST(problems[0] == "listen: \"localhost\" is not ADDR:PORT");
  BOOST_TEST(problems[1] == "proc_root: \"proc\" is not an absolute path");
}

BOOST_AUTO_TEST_CASE(scrape_threads_are_between_one_and_eight) {
  ExporterConfig config;
  BOOST_TEST(validate(config).empty());
  config.scrapeThreads = 0;
  BOOST_REQUIRE_EQUAL(validate(config).size(), 1u);
  BOOST_TEST(validate(config)[0] == "scrape_threads: 0 is not between 1 and 8");
  config.scrapeThreads = 9;
  BOOST_TEST(validate(config).size() == 1u);
  config.scrapeThreads = 1;
  BOOST_TEST(validate(config).empty());
}

BOOST_AUTO_TEST_CASE(listen_addresses_need_a_port_in_range) {
  BOOST_TEST(parseListenAddress("127.0.0.1:0").port == 0);
  BOOST_TEST(parseListenAddress("127.0.0.1:9464").host == "127.0.0.1");
  BOOST_CHECK_THROW(parseListenAddress("127.0.0.1:70000"), std::invalid_argument);
  BOOST_CHECK_THROW(parseListenAddress(":80"), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

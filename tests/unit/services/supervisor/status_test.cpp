#include <boost/test/unit_test.hpp>

#include "services/supervisor/status.hpp"

using namespace cairn::supervisor;

namespace {

SupervisorStatus sample() {
  SupervisorStatus status;
  status.docker = {true, "20.10.24", "1.41", ""};
  ServiceStatus postgres;
  postgres.name = "postgres";
  postgres.state = "running";
  postgres.health = "healthy";
  postgres.restarts = 2;
  postgres.lastExitCode = 137;
  postgres.lastExitReason = "exit 137";
  postgres.uptimeSeconds = 3725;
  postgres.image = "postgres:16.10-bookworm";
  ServiceStatus web;
  web.name = "web";
  web.state = "waiting";
  web.health = "none";
  web.message = "waiting for postgres to be healthy";
  status.services = {postgres, web};
  return status;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status)

BOOST_AUTO_TEST_CASE(status_json_round_trips) {
  SupervisorStatus back = statusFromJson(toJson(sample()));
  BOOST_REQUIRE(back.services.size() == 2u);
  BOOST_TEST(back.services[0].restarts == 2);
  BOOST_TEST(*back.services[0].lastExitCode == 137);
  BOOST_TEST(!back.services[1].lastExitCode.has_value());
  BOOST_TEST(back.docker.apiVersion == "1.41");
}

BOOST_AUTO_TEST_CASE(the_table_shows_state_health_restarts_uptime_and_why_a_service_waits) {
  std::string table = formatStatusTable(sample());
  BOOST_TEST(table.find("SERVICE") == 0u);
  BOOST_TEST(table.find("postgres  running  healthy  2         exit 137   1h 2m") != std::string::npos);
  BOOST_TEST(table.find("web: waiting for postgres to be healthy") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unreachable_docker_is_said_first) {
  SupervisorStatus status = sample();
  status.docker = {false, "", "", "Docker at /var/run/docker.sock does not answer"};
  BOOST_TEST(formatStatusTable(status).find("Docker is unreachable: Docker at /var/run/docker.sock") == 0u);
}

BOOST_AUTO_TEST_CASE(metrics_expose_restarts_and_one_state_per_service) {
  SupervisorMetrics metrics;
  metrics.restartsByService["postgres"] = 2;
  metrics.dockerUp = true;
  std::string text = renderMetrics(metrics, sample());
  BOOST_TEST(text.find("cairn_supervisor_restarts_total{service=\"postgres\"} 2\n") != std::string::npos);
  BOOST_TEST(text.find("cairn_supervisor_restarts_total{service=\"web\"} 0\n") != std::string::npos);
  BOOST_TEST(text.find("cairn_supervisor_service_state{service=\"web\",state=\"waiting\"} 1\n") != std::string::npos);
  BOOST_TEST(text.find("cairn_supervisor_docker_up 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

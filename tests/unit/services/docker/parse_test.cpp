#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "services/docker/parse.hpp"

using namespace cairn;
using namespace cairn::docker;
namespace data = boost::unit_test::data;

BOOST_AUTO_TEST_SUITE(parse)

// Trimmed from a real GET /containers/{id}/json of Engine 20.10.
const char* kInspect = R"({
  "Id": "4f1d0e9c2b7a", "Name": "/cairn-postgres", "Image": "sha256:abc", "RestartCount": 0,
  "State": {"Status": "running", "Running": true, "Paused": false, "OOMKilled": false, "Pid": 4242,
            "ExitCode": 0, "Error": "", "StartedAt": "2026-11-21T21:50:00.123456789Z",
            "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": {"Status": "healthy", "FailingStreak": 0,
                       "Log": [{"Start": "x", "End": "y", "ExitCode": 0, "Output": "accepting connections\n"}]}},
  "Config": {"Image": "postgres:16.10-bookworm", "Labels": {"io.cairn.managed": "true", "io.cairn.service": "postgres"}}
})";

BOOST_AUTO_TEST_CASE(container_inspection_gives_state_health_labels_and_times) {
  auto info = parseContainerInfo(kInspect);
  BOOST_REQUIRE(info.ok());
  BOOST_TEST(info.value().name == "cairn-postgres");
  BOOST_TEST(info.value().image == "postgres:16.10-bookworm");
  BOOST_TEST(info.value().state.status == "running");
  BOOST_TEST(info.value().state.pid == 4242);
  BOOST_TEST(info.value().state.health == "healthy");
  BOOST_TEST(info.value().state.lastHealthOutput == "accepting connections\n");
  BOOST_TEST(info.value().labels.at("io.cairn.service") == "postgres");
  BOOST_REQUIRE(info.value().state.startedAt.has_value());
  BOOST_TEST(!info.value().state.finishedAt.has_value());  // Docker's zero time
  auto since = info.value().state.startedAt->time_since_epoch();
  BOOST_TEST(std::chrono::duration_cast<std::chrono::nanoseconds>(since).count() % 1'000'000'000 == 123456789);
}

BOOST_AUTO_TEST_CASE(fields_of_the_wrong_type_keep_their_defaults) {
  auto info = parseContainerInfo(R"({"Id": "x", "State": {"Status": 3, "Pid": "twelve", "Health": null}, "Config": []})");
  BOOST_REQUIRE(info.ok());
  BOOST_TEST(info.value().state.status == "");
  BOOST_TEST(info.value().state.pid == 0);
  BOOST_TEST(info.value().state.health == "none");
}

const char* const kBroken[] = {"", "not json", "[]", R"({"Name": "/no-id"})"};

BOOST_DATA_TEST_CASE(malformed_inspections_are_invalid_input, data::make(kBroken), body) {
  auto info = parseContainerInfo(body);
  BOOST_REQUIRE(!info.ok());
  BOOST_TEST((info.error().code == ErrorCode::kInvalidInput));
}

BOOST_AUTO_TEST_CASE(container_list_strips_the_slash_and_skips_items_without_an_id) {
  auto list = parseContainerList(
      R"([{"Id": "a1", "Names": ["/cairn-redis"], "State": "exited", "Labels": {"k": "v"}}, {"Names": ["/ghost"]}])");
  BOOST_REQUIRE(list.ok());
  BOOST_REQUIRE(list.value().size() == 1u);
  BOOST_TEST(list.value()[0].name == "cairn-redis");
  BOOST_TEST(list.value()[0].state == "exited");
  BOOST_TEST(list.value()[0].labels.at("k") == "v");
}

BOOST_AUTO_TEST_CASE(die_event_carries_exit_code_and_labels) {
  auto event = parseEvent(R"({"status":"die","id":"abc","Type":"container","Action":"die",
    "Actor":{"ID":"abc","Attributes":{"exitCode":"137","name":"cairn-redis","io.cairn.service":"redis"}},
    "scope":"local","time":1800000000,"timeNano":1800000000123456789})");
  BOOST_REQUIRE(event.ok());
  BOOST_TEST(event.value().action == "die");
  BOOST_TEST(event.value().attribute("exitCode") == "137");
  BOOST_TEST(event.value().attribute("io.cairn.service") == "redis");
  BOOST_TEST(event.value().timeNano == 1800000000123456789);
}

BOOST_AUTO_TEST_CASE(health_actions_are_recognised_by_their_prefix) {
  BOOST_TEST(healthOfAction("health_status: unhealthy") == "unhealthy");
  BOOST_TEST(healthOfAction("health_status: healthy") == "healthy");
  BOOST_TEST(healthOfAction("health_status:starting") == "starting");
  BOOST_TEST(healthOfAction("die") == "");
}

BOOST_AUTO_TEST_CASE(an_error_line_inside_a_progress_stream_is_a_failure_with_dockers_message) {
  auto line = parseProgressLine(R"({"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"})");
  BOOST_REQUIRE(!line.ok());
  BOOST_TEST((line.error().code == ErrorCode::kFailed));
  BOOST_TEST(line.error().message == "manifest unknown");
  auto progress = parseProgressLine(R"({"status":"Downloading","id":"a1b2","progressDetail":{"current":10,"total":100}})");
  BOOST_REQUIRE(progress.ok());
  BOOST_TEST(progress.value().current == 10);
  BOOST_TEST(progress.value().total == 100);
}

BOOST_AUTO_TEST_CASE(times_with_offsets_and_without_fractions_parse) {
  auto utc = parseDockerTime("2026-11-21T21:50:00Z");
  auto offset = parseDockerTime("2026-11-21T22:50:00+01:00");
  BOOST_REQUIRE(utc.has_value());
  BOOST_REQUIRE(offset.has_value());
  BOOST_TEST((utc == offset));
  BOOST_TEST(!parseDockerTime("yesterday").has_value());
  BOOST_TEST(!parseDockerTime("0001-01-01T00:00:00Z").has_value());
}

BOOST_AUTO_TEST_CASE(error_messages_come_from_dockers_json_or_the_raw_text) {
  BOOST_TEST(errorMessageOf(R"({"message":"No such container: x"})") == "No such container: x");
  BOOST_TEST(errorMessageOf("page not found\n") == "page not found");
  BOOST_TEST(errorMessageOf("") == "(no message)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exec_inspection)

BOOST_AUTO_TEST_CASE(a_finished_exec_has_its_exit_code_and_a_running_one_has_none) {
  auto done = parseExecInfo(R"({"ID":"e1","ContainerID":"c1","Running":false,"ExitCode":2,"Pid":7})");
  BOOST_REQUIRE(done.ok());
  BOOST_TEST(done.value().id == "e1");
  BOOST_TEST(done.value().containerId == "c1");
  BOOST_TEST(!done.value().running);
  BOOST_TEST(done.value().exitCode.value() == 2);
  BOOST_TEST(done.value().pid == 7);
  auto running = parseExecInfo(R"({"ID":"e1","Running":true,"ExitCode":null})");
  BOOST_REQUIRE(running.ok());
  BOOST_TEST(running.value().running);
  BOOST_TEST(!running.value().exitCode.has_value());
}

const char* kBrokenExecs[] = {"", "[]", "{}", R"({"ID":""})", R"({"ID":"e1","ExitCode":"2"})", R"({"ID":"e1","ExitCode":1.5})"};

BOOST_DATA_TEST_CASE(malformed_exec_inspections_are_invalid_input, data::make(kBrokenExecs), body) {
  auto parsed = parseExecInfo(body);
  BOOST_REQUIRE(!parsed.ok());
  BOOST_TEST((parsed.error().code == ErrorCode::kInvalidInput));
}

BOOST_AUTO_TEST_SUITE_END()

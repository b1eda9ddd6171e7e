#include <boost/test/unit_test.hpp>

#include "services/docker/docker_client.hpp"
#include "tests/support/fake_http_client.hpp"

using namespace cairn;
using namespace cairn::docker;
using cairn::host::HttpRequest;
using cairn::host::HttpResponse;

namespace {

Result<HttpResponse> answer(int status, std::string body, std::map<std::string, std::string> headers = {}) {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docker_client)

BOOST_AUTO_TEST_CASE(negotiation_pings_and_then_prefixes_every_path_with_the_version) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest& request) {
    if (request.url.find("/_ping") != std::string::npos) return answer(200, "OK", {{"api-version", "1.41"}});
    return answer(200, "[]");
  };
  DockerClient docker(http, "/run/docker.sock");
  auto version = docker.negotiate();
  BOOST_REQUIRE(version.ok());
  BOOST_TEST(version.value().text() == "1.41");
  BOOST_REQUIRE(docker.listContainers({{"label", {"io.cairn.managed=true"}}}).ok());
  const HttpRequest& list = http.requests.back();
  BOOST_TEST(list.unixSocket == "/run/docker.sock");
  BOOST_TEST(list.url.find("/v1.41/containers/json?all=true&filters=") != std::string::npos);
  BOOST_TEST(list.url.find("io.cairn.managed%3Dtrue") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unreachable_daemon_is_unavailable_and_names_the_socket) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest&) -> Result<HttpResponse> {
    return makeError(ErrorCode::kUnavailable, "Couldn't connect to server");
  };
  DockerClient docker(http, "/nowhere.sock");
  auto version = docker.negotiate();
  BOOST_REQUIRE(!version.ok());
  BOOST_TEST((version.error().code == ErrorCode::kUnavailable));
  BOOST_TEST(version.error().message.find("/nowhere.sock") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(errors_carry_dockers_status_and_message) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest&) { return answer(404, R"({"message":"No such container: cairn-ghost"})"); };
  DockerClient docker(http, "/run/docker.sock");
  auto info = docker.inspectContainer("cairn-ghost");
  BOOST_REQUIRE(!info.ok());
  BOOST_TEST((info.error().code == ErrorCode::kNotFound));
  BOOST_TEST(info.error().message.find("404") != std::string::npos);
  BOOST_TEST(info.error().message.find("No such container: cairn-ghost") != std::string::npos);

  http.handler = [](const HttpRequest&) { return answer(409, R"({"message":"Conflict. The container name is in use"})"); };
  auto created = docker.createContainer("cairn-redis", nlohmann::json::object());
  BOOST_REQUIRE(!created.ok());
  BOOST_TEST((created.error().code == ErrorCode::kConflict));
  BOOST_TEST(created.error().message.find("cairn-redis") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(start_of_a_running_and_stop_of_a_stopped_container_succeed) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest&) { return answer(304, ""); };
  DockerClient docker(http, "/run/docker.sock");
  BOOST_TEST(docker.startContainer("x").ok());
  BOOST_TEST(docker.stopContainer("x", 5).ok());
  BOOST_TEST(http.requests.back().url.find("/containers/x/stop?t=5") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_pull_error_inside_a_200_stream_fails_the_pull_with_dockers_message) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest&) {
    return answer(200,
                  "{\"status\":\"Pulling from library/postgres\",\"id\":\"16\"}\n"
                  "{\"errorDetail\":{\"message\":\"toomanyrequests: rate limit\"},\"error\":\"toomanyrequests: rate limit\"}\n");
  };
  DockerClient docker(http, "/run/docker.sock");
  std::vector<std::string> statuses;
  auto pulled = docker.pullImage("postgres:16", [&](const PullProgress& progress) { statuses.push_back(progress.status); });
  BOOST_REQUIRE(!pulled.ok());
  BOOST_TEST(pulled.error().message.find("toomanyrequests: rate limit") != std::string::npos);
  BOOST_TEST(statuses.size() == 1u);
  BOOST_TEST(http.requests.back().url.find("fromImage=postgres&tag=16") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(logs_are_demultiplexed) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest&) {
    std::string body = std::string("\x01\0\0\0\0\0\0\x03", 8) + "hi\n" + std::string("\x02\0\0\0\0\0\0\x04", 8) + "err\n";
    return answer(200, body);
  };
  DockerClient docker(http, "/run/docker.sock");
  std::string seen;
  LogOptions lastTen;
  lastTen.tail = 10;
  auto streamed = docker.containerLogs("x", lastTen, [&](const LogChunk& chunk) {
    seen += chunk.text;
    return true;
  });
  BOOST_REQUIRE(streamed.ok());
  BOOST_TEST(seen == "hi\nerr\n");
  BOOST_TEST(http.requests.back().url.find("tail=10") != std::string::npos);
}

namespace {

std::string frame(char stream, const std::string& text) {
  std::string header("\0\0\0\0\0\0\0\0", 8);
  header[0] = stream;
  header[7] = static_cast<char>(text.size());
  return header + text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_exec_is_created_started_attached_and_inspected_for_its_exit_code) {
  testing::FakeHttpClient http;
  int inspections = 0;
  http.handler = [&](const HttpRequest& request) {
    if (request.url.find("/containers/cairn-postgres/exec") != std::string::npos) return answer(201, R"({"Id":"e1"})");
    if (request.url.find("/exec/e1/start") != std::string::npos) return answer(200, frame(1, "out\n") + frame(2, "err\n"));
    // Docker may record the exit code a moment after the output ends.
    if (++inspections == 1) return answer(200, R"({"ID":"e1","Running":true,"ExitCode":null})");
    return answer(200, R"({"ID":"e1","ContainerID":"c1","Running":false,"ExitCode":3,"Pid":42})");
  };
  DockerClient docker(http, "/run/docker.sock");
  auto result = docker.runExec("cairn-postgres", ExecSpec{{"/bin/sh", "-c", "x"}, "postgres", {}}, ExecLimits{});
  BOOST_REQUIRE_MESSAGE(result.ok(), (result.ok() ? std::string() : result.error().message));
  BOOST_TEST(result.value().exitCode == 3);
  BOOST_TEST(result.value().output == "out\nerr\n");
  BOOST_TEST(inspections == 2);
  auto created = nlohmann::json::parse(http.requests.front().body);
  BOOST_TEST(http.requests.front().method == "POST");
  BOOST_TEST(created["Cmd"] == nlohmann::json({"/bin/sh", "-c", "x"}));
  BOOST_TEST(created["User"] == "postgres");
  BOOST_TEST(created["AttachStdout"] == true);
  BOOST_TEST(created["Tty"] == false);
  BOOST_TEST(nlohmann::json::parse(http.requests[1].body)["Detach"] == false);
  BOOST_TEST(http.requests[1].timeout.count() == 60000);
}

BOOST_AUTO_TEST_CASE(exec_output_keeps_only_its_end) {
  testing::FakeHttpClient http;
  http.handler = [&](const HttpRequest& request) {
    if (request.url.find("/exec/e1/start") != std::string::npos) return answer(200, frame(1, "0123456789"));
    if (request.url.find("/json") != std::string::npos) return answer(200, R"({"ID":"e1","Running":false,"ExitCode":0})");
    return answer(201, R"({"Id":"e1"})");
  };
  DockerClient docker(http, "/run/docker.sock");
  ExecLimits keepFour;
  keepFour.keptOutputBytes = 4;
  auto result = docker.runExec("c", ExecSpec{{"true"}, "", {}}, keepFour);
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(result.value().output == "6789");
  BOOST_TEST(result.value().outputTruncated);
}

BOOST_AUTO_TEST_CASE(exec_in_a_stopped_container_is_a_conflict_and_an_unknown_exec_is_not_found) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest& request) {
    if (request.url.find("/containers/") != std::string::npos) {
      return answer(409, R"({"message":"container 1234 is not running"})");
    }
    return answer(404, R"({"message":"No such exec instance: e9"})");
  };
  DockerClient docker(http, "/run/docker.sock");
  auto created = docker.runExec("cairn-postgres", ExecSpec{{"true"}, "", {}}, ExecLimits{});
  BOOST_REQUIRE(!created.ok());
  BOOST_TEST((created.error().code == ErrorCode::kConflict));
  BOOST_TEST(created.error().message.find("is not running") != std::string::npos);
  auto started = docker.startExec("e9", std::chrono::seconds(5), [](const LogChunk&) { return true; });
  BOOST_REQUIRE(!started.ok());
  BOOST_TEST((started.error().code == ErrorCode::kNotFound));
  BOOST_TEST(started.error().message.find("No such exec instance: e9") != std::string::npos);
  auto inspected = docker.inspectExec("e9");
  BOOST_REQUIRE(!inspected.ok());
  BOOST_TEST((inspected.error().code == ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(an_exec_whose_exit_code_never_arrives_times_out_and_a_malformed_create_answer_is_invalid) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest& request) {
    if (request.url.find("/exec/e1/json") != std::string::npos) return answer(200, R"({"ID":"e1","Running":true})");
    if (request.url.find("/exec/e1/start") != std::string::npos) return answer(200, "");
    return answer(201, R"({"Id":"e1"})");
  };
  DockerClient docker(http, "/run/docker.sock");
  ExecLimits briefly;
  briefly.exitCodeWait = std::chrono::milliseconds(30);
  auto result = docker.runExec("c", ExecSpec{{"true"}, "", {}}, briefly);
  BOOST_REQUIRE(!result.ok());
  BOOST_TEST((result.error().code == ErrorCode::kTimeout));

  http.handler = [](const HttpRequest&) { return answer(201, R"({"Id":17})"); };
  auto created = docker.createExec("c", ExecSpec{{"true"}, "", {}});
  BOOST_REQUIRE(!created.ok());
  BOOST_TEST((created.error().code == ErrorCode::kInvalidInput));
}

BOOST_AUTO_TEST_CASE(events_resume_from_a_nanosecond_timestamp_and_end_when_the_daemon_closes) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest&) {
    return answer(200, "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"a\"},\"timeNano\":5}\n"
                       "garbage\n"
                       "{\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"a\"},\"timeNano\":6}\n");
  };
  DockerClient docker(http, "/run/docker.sock");
  EventFilter filter;
  filter.labels = {"io.cairn.managed=true"};
  filter.sinceNano = 1'800'000'000'000'000'007;
  std::vector<std::string> actions;
  auto streamed = docker.events(filter, [&](const Event& event) {
    actions.push_back(event.action);
    return true;
  });
  BOOST_TEST(!streamed.ok());
  BOOST_TEST((streamed.error().code == ErrorCode::kUnavailable));
  BOOST_TEST(actions == (std::vector<std::string>{"start", "die"}), boost::test_tools::per_element());
  BOOST_TEST(http.requests.back().url.find("since=1800000000.000000007") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(networks_ask_for_duplicate_checks_before_api_1_44) {
  testing::FakeHttpClient http;
  http.handler = [](const HttpRequest&) { return answer(201, R"({"Id":"n1"})"); };
  DockerClient old(http, "/s", ApiVersion{1, 41});
  BOOST_REQUIRE(old.createNetwork("cairn", {}).ok());
  BOOST_TEST(nlohmann::json::parse(http.requests.back().body).value("CheckDuplicate", false));
  DockerClient current(http, "/s", ApiVersion{1, 44});
  BOOST_REQUIRE(current.createNetwork("cairn", {}).ok());
  BOOST_TEST(!nlohmann::json::parse(http.requests.back().body).contains("CheckDuplicate"));
}

BOOST_AUTO_TEST_CASE(image_references_split_into_repository_and_tag) {
  BOOST_TEST(splitImageReference("postgres:16.10-bookworm").second == "16.10-bookworm");
  BOOST_TEST(splitImageReference("redis").second == "latest");
  BOOST_TEST(splitImageReference("localhost:5000/cairn/app").first == "localhost:5000/cairn/app");
  BOOST_TEST(splitImageReference("localhost:5000/cairn/app:2").second == "2");
}

BOOST_AUTO_TEST_SUITE_END()

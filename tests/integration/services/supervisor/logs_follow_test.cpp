#include <signal.h>

#include <boost/test/unit_test.hpp>

#include <mutex>
#include <sstream>
#include <thread>

#include "provisioning/cli/cli.hpp"
#include "tests/integration/services/supervisor/docker_cli.hpp"
#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// GET /v1/services/SERVICE/logs?follow=1 on a thread of its own, collecting the text until the
// server ends the stream, close() is called, or `hangUpAfter` passes (then the client disconnects).
class Follower {
 public:
  Follower(const std::string& root, const std::string& service, std::chrono::milliseconds hangUpAfter = 0ms) {
    thread_ = std::thread([this, root, service, hangUpAfter] {
      host::HttpRequest request;
      request.unixSocket = root + "/run/cairn/supervisor.sock";
      request.url = "http://supervisor/v1/services/" + service + "/logs?follow=1&tail=5";
      request.timeout = hangUpAfter;
      auto response = http_.stream(request, [&](std::string_view chunk) {
        std::lock_guard<std::mutex> lock(mutex_);
        text_.append(chunk);
        return !closing_;
      });
      std::lock_guard<std::mutex> lock(mutex_);
      status_ = response ? response.value().status : -1;
      ended_ = true;
    });
  }
  ~Follower() {
    close();
    thread_.join();
  }
  std::string text() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }
  bool ended() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ended_;
  }
  int status() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return status_;
  }
  // Makes the client hang up at the next chunk it receives.
  void close() { closing_ = true; }

 private:
  host::CurlHttpClient http_;
  mutable std::mutex mutex_;
  std::string text_;
  std::atomic<bool> closing_{false};
  bool ended_ = false;
  int status_ = 0;
  std::thread thread_;
};

// Writes `line` into a stand-in's log (its main process's stdout).
void logLine(const std::string& container, const std::string& line) {
  auto result = dockerExec(container, {"sh", "-c", "echo '" + line + "' > /proc/1/fd/1"});
  BOOST_REQUIRE_MESSAGE(result.exitCode == 0, result.output);
}

// Positions of `needles` in `text` are increasing (each found).
bool inOrder(const std::string& text, const std::vector<std::string>& needles) {
  std::size_t at = 0;
  for (const auto& needle : needles) {
    at = text.find(needle, at);
    if (at == std::string::npos) return false;
    at += needle.size();
  }
  return true;
}

json twoContainerService(const std::string& p) {
  return {{"version", 1},
          {"network", p + "-net"},
          {"services", {service("web", {}, {standinContainer(p + "-a"), standinContainer(p + "-b")})}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logs_follow)

BOOST_AUTO_TEST_CASE(following_a_two_container_service_prefixes_each_line_and_keeps_each_containers_order) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  const std::string a = p + "-a", b = p + "-b";
  root.writeContainers(twoContainerService(p));
  root.startSupervisor();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 30s), root.supervisorLog());

  Follower follower(root.root(), "web");
  // `cairnctl logs web --follow` alongside, until the supervisor stops.
  std::ostringstream cliOut, cliErr;
  std::thread cli([&] { cli::runCairnctl({"--root", root.root(), "logs", "web", "--follow", "--tail", "all"}, cliOut, cliErr); });
  BOOST_REQUIRE(waitUntil([&] {
    std::string text = follower.text();
    return text.find(a + " | standin: " + a + " serving") != std::string::npos &&
           text.find(b + " | standin: " + b + " serving") != std::string::npos;
  }, 20s));
  for (int i = 1; i <= 5; ++i) {
    logLine(a, "a-line-" + std::to_string(i));
    logLine(b, "b-line-" + std::to_string(i));
  }
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return follower.text().find(b + " | b-line-5") != std::string::npos; }, 20s),
                        follower.text());
  std::string text = follower.text();
  BOOST_TEST(inOrder(text, {a + " | a-line-1\n", a + " | a-line-2\n", a + " | a-line-3\n", a + " | a-line-4\n",
                            a + " | a-line-5\n"}),
             text);
  BOOST_TEST(inOrder(text, {b + " | b-line-1\n", b + " | b-line-2\n", b + " | b-line-3\n", b + " | b-line-4\n",
                            b + " | b-line-5\n"}),
             text);
  BOOST_TEST(text.find(a + " | b-line") == std::string::npos);

  // A restart does not end the stream: both containers are followed again when they return.
  BOOST_REQUIRE(root.call("POST", "/v1/services/web/restart").value().status == 200);
  BOOST_REQUIRE(waitUntil([&] { return root.converged(); }, 30s));
  logLine(a, "a-after-restart");
  logLine(b, "b-after-restart");
  BOOST_REQUIRE_MESSAGE(waitUntil([&] {
    std::string now = follower.text();
    return now.find(a + " | a-after-restart") != std::string::npos && now.find(b + " | b-after-restart") != std::string::npos;
  }, 20s), follower.text());
  BOOST_TEST(!follower.ended());
  BOOST_TEST(follower.text().find("a-line-1", text.find("a-line-1") + 1) == std::string::npos);  // nothing sent twice

  // Stopping the supervisor ends the stream.
  root.signalSupervisor(SIGTERM);
  BOOST_TEST(waitUntil([&] { return follower.ended(); }, 20s));
  root.waitSupervisorExit();
  cli.join();
  std::string fromCli = cliOut.str();
  BOOST_TEST(inOrder(fromCli, {a + " | a-line-1\n", a + " | a-line-5\n", a + " | a-after-restart\n"}), fromCli);
  BOOST_TEST(inOrder(fromCli, {b + " | b-line-1\n", b + " | b-line-5\n", b + " | b-after-restart\n"}), fromCli);
}

BOOST_AUTO_TEST_CASE(clients_that_hang_up_free_their_server_threads) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  root.writeContainers(twoContainerService(p));
  root.startSupervisor();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 30s), root.supervisorLog());
  // The control server has 8 threads: a follow that outlived its client would hold one forever,
  // and after ten of them the next request would never be answered. Nothing is logged after the
  // clients hang up, so only the server noticing the closed connection frees the threads.
  for (int i = 0; i < 10; ++i) {
    Follower follower(root.root(), "web", 1500ms);
    BOOST_REQUIRE(waitUntil([&] { return follower.ended(); }, 10s));
    BOOST_REQUIRE(follower.text().find("serving") != std::string::npos);
  }
  auto status = root.call("GET", "/v1/status", 10s);
  BOOST_REQUIRE(status.ok());
  BOOST_TEST(status.value().status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "appliance/host/files.hpp"
#include "appliance/host/process_runner.hpp"
#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A dockerd of this test's own (data root, exec root, pid file and socket in a private
// directory), so that restarting it disturbs no engine anybody else uses.
class PrivateDockerd {
 public:
  PrivateDockerd() : dir_("/tmp/cairnsup-dd-" + std::to_string(::getpid())) {
    (void)host::makeDirectories(dir_, 0700);
  }
  ~PrivateDockerd() {
    stop();
    std::string dataRoot = dir_ + "/data";
    // Container mounts must be gone before the tree can be removed.
    host::LocalProcessRunner runner;
    (void)runner.run({"sh", "-c", "grep -o ' " + dir_ + "[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"}, 30s);
    (void)host::removeTree(dir_);
  }
  std::string socket() const { return dir_ + "/docker.sock"; }

  void start() {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open((dir_ + "/dockerd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setsid();
      std::string dataRoot = "--data-root=" + dir_ + "/data";
      std::string execRoot = "--exec-root=" + dir_ + "/exec";
      std::string pidFile = "--pidfile=" + dir_ + "/docker.pid";
      std::string host = "--host=unix://" + socket();
      const char* argv[] = {"dockerd", dataRoot.c_str(), execRoot.c_str(), pidFile.c_str(), host.c_str(),
                            "--iptables=false", "--bridge=none", "--default-address-pool=base=10.231.0.0/16,size=24",
                            nullptr};
      ::execvp("dockerd", const_cast<char* const*>(argv));
      ::_exit(127);
    }
    host::CurlHttpClient http;
    docker::DockerClient client(http, socket());
    bool up = waitUntil([&] { return client.negotiate().ok(); }, 60s, 200ms);
    if (!up) throw std::runtime_error("the private dockerd did not start: " + log());
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string log() const {
    auto text = host::readFile(dir_ + "/dockerd.log");
    return text ? text.value().substr(text.value().size() > 2000 ? text.value().size() - 2000 : 0) : "";
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(dockerd_restart)

BOOST_AUTO_TEST_CASE(a_restarted_dockerd_is_reconnected_to_and_the_containers_reconverge) {
  PrivateDockerd dockerd;
  dockerd.start();
  {
    // The stand-in image, carried over with `docker save` and the client's image load.
    host::LocalProcessRunner runner;
    std::string tarball = dockerd.dir() + "/standin.tar";
    auto saved = runner.run({"docker", "-H", "unix:///var/run/docker.sock", "save", "-o", tarball, kStandinImage}, 120s);
    BOOST_REQUIRE(saved.ok() && saved.value().exitCode == 0);
    host::CurlHttpClient http;
    docker::DockerClient client(http, dockerd.socket());
    BOOST_REQUIRE(client.negotiate().ok());
    auto loaded = client.loadImage(host::readFile(tarball).value());
    BOOST_REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message));
    BOOST_REQUIRE(client.inspectImage(kStandinImage).ok());
  }

  SupervisedRoot root(dockerd.socket());
  const std::string p = root.prefix();
  root.writeContainers(dbAndWeb(p));
  root.startSupervisor();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 60s), root.supervisorLog());
  auto before = root.inspect(p + "-web");

  dockerd.stop();
  BOOST_REQUIRE(waitUntil([&] { return !root.status().docker.connected; }, 20s));
  dockerd.start();
  BOOST_REQUIRE_MESSAGE(waitUntil([&] { return root.converged(); }, 60s), root.supervisorLog() + dockerd.log());
  (void)root.docker().negotiate();
  auto after = root.inspect(p + "-web");
  BOOST_TEST(after.id == before.id);
  BOOST_TEST(after.state.status == "running");
  BOOST_TEST(epochMillis(after.state.startedAt) > epochMillis(before.state.startedAt));
  BOOST_TEST(root.containers().size() == 2u);
  auto metrics = root.call("GET", "/metrics");
  BOOST_REQUIRE(metrics.ok());
  BOOST_TEST(metrics.value().body.find("cairn_supervisor_event_stream_reconnects_total 0") == std::string::npos);
  root.removeEverything();
}

BOOST_AUTO_TEST_CASE(docker_unreachable_at_start_is_retried_and_reported) {
  TempDir dir;
  SupervisedRoot root(dir / "no-docker.sock");
  const std::string p = root.prefix();
  root.writeContainers({{"version", 1}, {"network", p + "-net"}, {"services", {service("web", {}, {standinContainer(p + "-web")})}}});
  root.startSupervisor();
  BOOST_REQUIRE(waitUntil([&] { return !root.status().docker.error.empty(); }, 10s));
  auto status = root.status();
  BOOST_TEST(!status.docker.connected);
  BOOST_TEST(status.docker.error.find("no-docker.sock") != std::string::npos);
  auto restart = root.call("POST", "/v1/services/web/restart");
  BOOST_REQUIRE(restart.ok());
  BOOST_TEST(restart.value().status == 503);
  BOOST_TEST(root.supervisorLog().find("docker=unreachable") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

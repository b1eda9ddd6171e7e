#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <thread>

#include "appliance/spec/load.hpp"
#include "services/catalog/catalog.hpp"
#include "tests/integration/services_catalog/throwaway_cluster.hpp"

// Runs the healthcheck commands exactly as rendered against real servers (PostgreSQL, Redis) and a
// loopback HTTP responder standing in for the images' health endpoints. The probes use the
// images' fixed ports, so the tests move this process into a network namespace of its own first.

namespace cairn::catalog {
namespace {

using namespace std::chrono_literals;
namespace data = boost::unit_test::data;

// A fresh network namespace with only a loopback interface, up. Needs root; false otherwise.
bool enterPrivateNetwork() {
  static const bool entered = [] {
    if (::geteuid() != 0 || ::unshare(CLONE_NEWNET) != 0) return false;
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    bool up = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    up = up && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
    ::close(fd);
    return up;
  }();
  return entered;
}

#define REQUIRE_PRIVATE_NETWORK()                                                         \
  if (!enterPrivateNetwork()) {                                                           \
    BOOST_TEST_MESSAGE("skipped: probes use fixed ports and need a network namespace (root)"); \
    return;                                                                               \
  }

const Container& renderedContainer(const std::string& service) {
  static const ContainerSet set = [] {
    nlohmann::json entries = nlohmann::json::object();
    for (const auto& kind : secrets::secretKinds()) entries[kind.name] = {{"value", "probe-" + kind.name}};
    return buildContainerSet(spec::loadSpec(R"({"version": 1, "domain": "example.com"})"),
                             secrets::Secrets::fromJson({{"version", 1}, {"secrets", entries}}));
  }();
  for (const auto& s : set.services) {
    if (s.name == service) return s.containers.at(0);
  }
  throw std::runtime_error("no service " + service);
}

// The probe as Docker runs it: CMD is the argv, CMD-SHELL goes through /bin/sh -c.
std::vector<std::string> probeArgv(const Healthcheck& check) {
  if (check.test.at(0) == "CMD-SHELL") return {"/bin/sh", "-c", check.test.at(1)};
  return {check.test.begin() + 1, check.test.end()};
}

int runProbe(const Container& container, const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv = {"env"};
  argv.insert(argv.end(), env.begin(), env.end());
  for (const auto& arg : probeArgv(*container.healthcheck)) argv.push_back(arg);
  auto result = host::LocalProcessRunner().run(argv, std::chrono::milliseconds(container.healthcheck->timeoutMs));
  if (!result) BOOST_FAIL("probe did not run: " << result.error().message);
  return result.value().exitCode;
}

// Answers `status` on `path` and 404 elsewhere, on 127.0.0.1:port.
class HealthResponder {
 public:
  HealthResponder(int port, std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd_, 8) != 0) {
      throw std::runtime_error("cannot listen on port " + std::to_string(port));
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~HealthResponder() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }

  std::atomic<int> status{200};

 private:
  void serve() {
    while (true) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      std::size_t start = request.find(' ') + 1;
      std::string path = request.substr(start, request.find(' ', start) - start);
      int code = path == path_ ? status.load() : 404;
      std::string response = "HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      (void)::write(client, response.data(), response.size());
      ::close(client);
    }
  }

  std::string path_;
  int fd_ = -1;
  std::thread thread_;
};

struct HttpProbeCase {
  std::string service;
  int port;
  std::string path;
};

std::ostream& operator<<(std::ostream& out, const HttpProbeCase& c) { return out << c.service; }

const std::vector<HttpProbeCase> kHttpProbes = {
    {"keycloak", 9000, "/health/ready"},
    {"grafana", 3000, "/api/health"},
    {"airflow-apiserver", 8080, "/api/v2/monitor/health"},
    {"airflow-scheduler", 8974, "/health"},
};

BOOST_DATA_TEST_CASE(http_probes_are_healthy_only_on_a_200_from_their_endpoint, data::make(kHttpProbes), c) {
  REQUIRE_PRIVATE_NETWORK();
  const Container& container = renderedContainer(c.service);
  BOOST_TEST(runProbe(container) != 0, "healthy with nothing listening");
  HealthResponder responder(c.port, c.path);
  BOOST_TEST(runProbe(container) == 0);
  responder.status = 503;
  BOOST_TEST(runProbe(container) != 0, "healthy on 503");
}

// Every shell snippet the catalog renders (probes, commands) parses in the shell that runs it.
BOOST_AUTO_TEST_CASE(every_rendered_shell_snippet_parses) {
  std::vector<std::string> services = {"postgres", "redis", "keycloak", "grafana", "airflow-init",
                                       "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                                       "airflow-triggerer", "airflow-worker"};
  int checked = 0;
  auto parses = [&](const std::string& shell, const std::string& script, const std::string& what) {
    auto result = host::LocalProcessRunner().run({shell, "-n", "-c", script}, 10s);
    BOOST_TEST((result.ok() && result.value().exitCode == 0), what << ": " << (result.ok() ? result.value().output : ""));
    ++checked;
  };
  for (const auto& service : services) {
    const Container& c = renderedContainer(service);
    if (c.healthcheck && c.healthcheck->test[0] == "CMD-SHELL") parses("sh", c.healthcheck->test[1], service + " probe");
    if (c.healthcheck && c.healthcheck->test.size() == 4 && c.healthcheck->test[1] == "bash") {
      parses("bash", c.healthcheck->test[3], service + " probe");
    }
    if (c.command.size() == 3 && c.command[0] == "sh") parses("sh", c.command[2], service + " command");
    if (c.entrypoint == std::vector<std::string>{"/bin/bash"}) parses("bash", c.command.at(1), service + " command");
  }
  BOOST_TEST(checked == 7);  // redis probe and command, keycloak probe, airflow init and 3 probes
}

BOOST_AUTO_TEST_CASE(http_probe_of_the_wrong_path_fails) {
  REQUIRE_PRIVATE_NETWORK();
  HealthResponder responder(9000, "/health/live");
  BOOST_TEST(runProbe(renderedContainer("keycloak")) != 0);
}

BOOST_AUTO_TEST_CASE(redis_probe_needs_the_password_and_a_pong) {
  REQUIRE_PRIVATE_NETWORK();
  cairn::testing::TempDir dir;
  const Container& redis = renderedContainer("redis");
  std::string password = redis.env.at("REDIS_PASSWORD");
  host::LocalProcessRunner runner;
  auto started = runner.run({"redis-server", "--bind", "127.0.0.1", "--port", "6379", "--requirepass", password,
                             "--save", "", "--appendonly", "no", "--dir", dir.path(), "--daemonize", "yes",
                             "--pidfile", dir / "redis.pid"},
                            30s);
  BOOST_REQUIRE(started.ok() && started.value().exitCode == 0);
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (runProbe(redis, {"REDISCLI_AUTH=" + password}) != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  BOOST_TEST(runProbe(redis, {"REDISCLI_AUTH=" + redis.env.at("REDISCLI_AUTH")}) == 0);
  BOOST_TEST(runProbe(redis, {"REDISCLI_AUTH=wrong"}) != 0, "healthy with a wrong password");
  BOOST_TEST(runProbe(redis, {"REDISCLI_AUTH="}) != 0, "healthy without a password");
  std::string pid;
  std::ifstream(dir / "redis.pid") >> pid;
  (void)runner.run({"kill", pid}, 10s);
}

BOOST_AUTO_TEST_CASE(postgres_probe_is_not_fooled_by_the_socket_only_init_server) {
  REQUIRE_PRIVATE_NETWORK();
  testing::ThrowawayCluster cluster(5432, "");
  const Container& postgres = renderedContainer("postgres");
  std::string path = "PATH=" + cluster.binDir() + ":/usr/bin:/bin";
  // What the image's temporary init server looks like: up, but on the unix socket only.
  BOOST_TEST(cluster.attempt({"pg_isready", "-p", "5432"}, cluster.socketEnv()).exitCode == 0);
  BOOST_TEST(runProbe(postgres, {path}) != 0, "healthy while only the socket answers");
  cluster.restartListeningOn("127.0.0.1");
  BOOST_TEST(runProbe(postgres, {path}) == 0);
}

}  // namespace
}  // namespace cairn::catalog

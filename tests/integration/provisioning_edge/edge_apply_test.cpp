#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <regex>
#include <thread>

#include "appliance/host/files.hpp"
#include "provisioning/edge/edge.hpp"
#include "provisioning/edge/edge_paths.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"

// Applying through the transaction: bad configurations never stay, and reloads under load lose
// no request.

using cairn::testing::EdgeHarness;
using cairn::testing::fetch;
namespace apply = cairn::apply;
namespace edge = cairn::edge;

namespace {

std::string routeTo(const std::string& host) {
  return R"(, {"host": ")" + host + R"(", "upstream": "http://UPSTREAM/"})";
}

const std::string kRoutesFile = std::string(edge::kNginxDir) + "/sites/routes.conf";

cairn::bundle::BundleFile& routesFile(cairn::bundle::Bundle& bundle) {
  for (auto& file : bundle.files) {
    if (file.path == kRoutesFile) return file;
  }
  throw std::runtime_error("no " + kRoutesFile);
}

void insertAfterServerOpen(cairn::bundle::BundleFile& file, const std::string& line) {
  std::size_t at = file.content.find("server {\n");
  file.content.insert(at + 9, "    " + line + "\n");
}

// A listening loopback socket that nginx cannot bind while it is open.
struct BusyPort {
  int fd = -1;
  int port = 0;
  BusyPort() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd, 1);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~BusyPort() { ::close(fd); }
};

}  // namespace

EdgeHarness& theHarness();

namespace {

std::string adminCookie() { return "Cookie: " + theHarness().sessionCookie("alice"); }

}  // namespace

BOOST_AUTO_TEST_CASE(a_config_nginx_rejects_is_never_swapped_in_and_the_old_one_keeps_serving) {
  EdgeHarness& edge = theHarness();
  std::string before = edge.servedGeneration("grafana.example.com");
  BOOST_REQUIRE(!before.empty());
  std::string oldRoutes = cairn::testing::readFile(edge.root() + kRoutesFile);

  auto bundle = edge::renderEdge(edge.testSpec(routeTo("new.example.com")), edge.options());
  insertAfterServerOpen(routesFile(bundle), "bogus_directive on;");
  auto report = edge.applyBundle(bundle);

  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(apply::ApplyStatus::kRejected));
  BOOST_TEST(report.message.find("unknown directive \"bogus_directive\"") != std::string::npos,
             report.message);
  BOOST_TEST(cairn::testing::readFile(edge.root() + kRoutesFile) == oldRoutes);
  BOOST_TEST(edge.servedGeneration("grafana.example.com") == before);
  BOOST_TEST(fetch(edge.https("grafana.example.com", "/"), {adminCookie()}).status == 200);
}

BOOST_AUTO_TEST_CASE(a_config_nginx_cannot_load_is_rolled_back_and_the_old_one_keeps_serving) {
  EdgeHarness& edge = theHarness();
  BOOST_REQUIRE_MESSAGE(::geteuid() == 0, "nginx -t ignores a busy port only as root");
  std::string before = edge.servedGeneration("grafana.example.com");
  std::string oldRoutes = cairn::testing::readFile(edge.root() + kRoutesFile);

  // nginx -t accepts a port in use; the running nginx cannot bind it and keeps its old
  // configuration.
  BusyPort busy;
  auto bundle = edge::renderEdge(edge.testSpec(routeTo("new.example.com")), edge.options());
  insertAfterServerOpen(routesFile(bundle), "listen 127.0.0.1:" + std::to_string(busy.port) + ";");
  auto report = edge.applyBundle(bundle);

  BOOST_TEST(static_cast<int>(report.status) == static_cast<int>(apply::ApplyStatus::kRolledBack));
  BOOST_TEST(report.message.find("edge-probe") != std::string::npos, report.message);
  BOOST_TEST(report.message.find("Address already in use") != std::string::npos, report.message);
  BOOST_TEST(cairn::testing::readFile(edge.root() + kRoutesFile) == oldRoutes);
  BOOST_TEST(edge.servedGeneration("grafana.example.com") == before);
  BOOST_TEST(fetch(edge.https("grafana.example.com", "/"), {adminCookie()}).status == 200);
}

BOOST_AUTO_TEST_CASE(twenty_applies_under_a_wrk_load_lose_no_request) {
  EdgeHarness& edge = theHarness();
  // Every request on its own connection: a reload closes idle keep-alive connections, which HTTP
  // allows and browsers retry, but wrk counts a request it wrote into a closing one as an error.
  cairn::testing::ChildProcess wrk({"wrk", "-t2", "-c8", "-d300s", "-H", adminCookie(), "-H",
                                    "Connection: close", edge.https("localhost", "/")},
                                   edge.root() + "/wrk.log");
  std::this_thread::sleep_for(
      std::chrono::seconds(1));  // let the load build up before the first reload
  for (int i = 0; i < 20; ++i) {
    auto report = edge.apply(edge.testSpec(routeTo("r" + std::to_string(i) + ".example.com")));
    BOOST_REQUIRE_MESSAGE(report.status == apply::ApplyStatus::kApplied,
                          "apply " << i << ": " << report.message);
  }
  wrk.stop(SIGINT);
  std::string output = cairn::testing::readFile(edge.root() + "/wrk.log");
  BOOST_TEST_MESSAGE(output);
  std::smatch requests;
  BOOST_REQUIRE_MESSAGE(std::regex_search(output, requests, std::regex("(\\d+) requests in")),
                        output);
  BOOST_TEST(std::stol(requests[1]) > 100, output);
  BOOST_TEST(output.find("Socket errors") == std::string::npos, output);
  BOOST_TEST(output.find("Non-2xx or 3xx responses") == std::string::npos, output);

  BOOST_TEST((edge.apply(edge.testSpec()).status == apply::ApplyStatus::kApplied));
}

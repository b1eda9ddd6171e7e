// Benchmark of the edge on this machine, printed as a table:
//  1. render, nginx -t and a whole apply (stage, validate, swap, reload, probe every host) for
//     10, 100 and 1000 routes;
//  2. requests per second with wrk: through the oauth2-proxy gate, through nginx without the gate,
//     and straight to the upstream.
// The upstream and the auth answer of part 2 are a second nginx returning fixed responses (a
// benchmark-only responder, not a stand-in), so that the figures measure the edge, not Python.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "appliance/host/process_runner.hpp"
#include "appliance/spec/load.hpp"
#include "provisioning/edge/edge.hpp"
#include "tests/integration/provisioning_edge/edge_harness.hpp"

using cairn::testing::EdgeHarness;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

cairn::spec::Spec specWithRoutes(int count, const std::string& upstream, int variant) {
  std::string routes;
  for (int i = 0; i < count; ++i) {
    routes += std::string(i ? "," : "") + R"({"host": "r)" + std::to_string(i) + "-" +
              std::to_string(variant) + R"(.bench.test", "upstream": "http://)" + upstream +
              R"(/")" + (i % 2 ? R"(, "auth": "none")" : "") + "}";
  }
  return cairn::spec::loadSpec(R"({"version": 1, "domain": "bench.test", "routes": [)" + routes +
                               "]}");
}

std::string fastResponderConf(const std::string& root, int upstreamPort, int authPort) {
  return "daemon off;\nworker_processes 1;\nuser root root;\npid " + root +
         "/fast.pid;\nerror_log " + root +
         "/fast-error.log;\nevents { worker_connections 4096; }\nhttp {\n    access_log off;\n"
         "    client_body_temp_path " +
         root + "/fast-tmp;\n    proxy_temp_path " + root +
         "/fast-tmp;\n"
         "    server {\n        listen 127.0.0.1:" +
         std::to_string(upstreamPort) +
         ";\n"
         "        location / { default_type text/plain; return 200 \"ok\\n\"; }\n    }\n"
         "    server {\n        listen 127.0.0.1:" +
         std::to_string(authPort) +
         ";\n"
         "        location = /oauth2/auth {\n"
         "            if ($cookie__oauth2_proxy != \"admin-session\") { return 401; }\n"
         "            add_header X-Auth-Request-User alice;\n"
         "            add_header X-Auth-Request-Groups admin;\n"
         "            return 202;\n        }\n    }\n}\n";
}

// wrk for 5 s; requests per second and the count of failed requests.
std::pair<double, long> wrk(const std::vector<std::string>& extra, const std::string& url) {
  std::vector<std::string> argv = {"wrk", "-t2", "-c32", "-d5s"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  cairn::host::LocalProcessRunner runner;
  auto result = runner.run(argv, std::chrono::seconds(60));
  if (!result) return {0, -1};
  const std::string& out = result.value().output;
  std::smatch match;
  double rps = std::regex_search(out, match, std::regex("Requests/sec:\\s+([0-9.]+)"))
                   ? std::stod(match[1])
                   : 0;
  long failed = 0;
  if (std::regex_search(out, match, std::regex("Non-2xx or 3xx responses: (\\d+)")))
    failed += std::stol(match[1]);
  if (std::regex_search(out, match,
                        std::regex("connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)"))) {
    for (int i = 1; i <= 4; ++i) failed += std::stol(match[i]);
  }
  return {rps, failed};
}

}  // namespace

int main() {
  EdgeHarness edge(EdgeHarness::Gate::kNone);
  std::string upstream = edge.options().upstreams.grafana;

  std::printf("edge: render + validate + reload (median of 3 applies, each with changed routes)\n");
  std::printf("%8s %12s %12s %14s %12s\n", "routes", "render ms", "nginx -t ms", "apply ms",
              "config KiB");
  int variant = 0;
  for (int routes : {10, 100, 1000}) {
    std::vector<double> render, check, whole;
    double kib = 0;
    for (int round = 0; round < 3; ++round) {
      auto spec = specWithRoutes(routes, upstream, ++variant);
      auto start = Clock::now();
      auto bundle = cairn::edge::renderEdge(spec, edge.options());
      render.push_back(msSince(start));
      kib = 0;
      for (const auto& file : bundle.files)
        kib += static_cast<double>(file.content.size()) / 1024.0;
      edge.runner().timings.clear();
      start = Clock::now();
      auto report = edge.applyBundle(bundle);
      whole.push_back(msSince(start));
      if (round == 2) {
        double commands = 0;
        std::printf("         apply of %d routes, by command:", routes);
        for (const auto& [name, ms] : edge.runner().timings) {
          std::printf(" %s %.0f ms;", name.c_str(), ms);
          commands += ms;
        }
        std::printf(" everything else (plan, staging, swap) %.0f ms\n", whole.back() - commands);
      }
      if (report.status != cairn::apply::ApplyStatus::kApplied) {
        std::cerr << "apply failed: " << report.message << "\n";
        return 1;
      }
      // nginx -t alone, on the tree that is now live.
      cairn::host::LocalProcessRunner runner;
      auto argv = edge.options().nginxCommand;
      argv.push_back("-t");
      argv.push_back("-q");
      start = Clock::now();
      (void)runner.run(argv, std::chrono::seconds(120));
      check.push_back(msSince(start));
    }
    std::printf("%8d %12.2f %12.1f %14.1f %12.0f\n", routes, median(render), median(check),
                median(whole), kib);
  }

  // Part 2: fixed-answer upstream and auth responder.
  int upstreamPort = cairn::testing::freeLoopbackPort();
  int authPort = cairn::testing::freeLoopbackPort();
  cairn::testing::writeFile(edge.root() + "/fast.conf",
                            fastResponderConf(edge.root(), upstreamPort, authPort));
  cairn::testing::ChildProcess fast(
      {"nginx", "-p", edge.root() + "/", "-c", edge.root() + "/fast.conf"},
      edge.root() + "/fast.log");
  cairn::testing::waitForFile(edge.root() + "/fast.pid");
  std::string fastUpstream = "127.0.0.1:" + std::to_string(upstreamPort);
  edge.setUpstreams(
      {fastUpstream, "127.0.0.1:" + std::to_string(authPort), fastUpstream, fastUpstream});
  std::string cookie = "Cookie: _oauth2_proxy=admin-session";

  std::printf("\nedge: requests per second (wrk -t2 -c32 -d5s, keep-alive)\n");
  std::printf("%-40s %12s %8s\n", "path", "req/s", "failed");
  auto gated = cairn::spec::loadSpec(
      R"({"version": 1, "domain": "bench.test", "routes": [{"host": "localhost", "upstream": "http://)" +
      fastUpstream + R"(/"}]})");
  if (edge.apply(gated).status != cairn::apply::ApplyStatus::kApplied) return 1;
  auto [gateRps, gateFailed] = wrk({"-H", cookie}, edge.https("localhost", "/"));
  std::printf("%-40s %12.0f %8ld\n", "https, through the oauth2-proxy gate", gateRps, gateFailed);
  auto open = cairn::spec::loadSpec(
      R"({"version": 1, "domain": "bench.test", "routes": [{"host": "localhost", "upstream": "http://)" +
      fastUpstream + R"(/", "auth": "none"}]})");
  if (edge.apply(open).status != cairn::apply::ApplyStatus::kApplied) return 1;
  auto [openRps, openFailed] = wrk({}, edge.https("localhost", "/"));
  std::printf("%-40s %12.0f %8ld\n", "https, auth none (no gate)", openRps, openFailed);
  auto [directRps, directFailed] = wrk({}, "http://" + fastUpstream + "/");
  std::printf("%-40s %12.0f %8ld\n", "http, straight to the upstream", directRps, directFailed);
  return 0;
}

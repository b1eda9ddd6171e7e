// Benchmark of cairn-supervisord on the real Docker engine, beside Docker's own restart policy:
//   death-to-restart latency (kill -9 of the main process → running again; p50/p99 over N kills,
//   N = $CAIRN_BENCH_KILLS, default 50), reconcile time of a catalog-sized set when nothing
//   changed, and the supervisor's RSS at rest. Prints a table; exits non-zero only if it could
//   not measure.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "services/supervisor/create_body.hpp"
#include "tests/integration/services/supervisor/harness.hpp"

using namespace cairn;
using namespace cairn::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

void require(bool condition, const std::string& what) {
  if (!condition) {
    std::cerr << "supervisor_bench: " << what << "\n";
    std::exit(1);
  }
}

// Kills the main process of `name` and returns the ms from its death to its next start.
double killAndTimeRestart(docker::DockerClient& docker, const std::string& name) {
  auto before = docker.inspectContainer(name);
  require(before.ok() && before.value().state.pid > 0, "no running " + name);
  require(::kill(before.value().state.pid, SIGKILL) == 0, "kill failed");
  docker::ContainerInfo after;
  bool restarted = waitUntil(
      [&] {
        auto now = docker.inspectContainer(name);
        if (!now) return false;
        after = now.value();
        return after.state.status == "running" &&
               epochMillis(after.state.startedAt) > epochMillis(before.value().state.startedAt);
      },
      30s, 5ms);
  require(restarted, name + " was not restarted within 30 s");
  return static_cast<double>(epochMillis(after.state.startedAt) - epochMillis(after.state.finishedAt));
}

std::vector<double> supervisorLatencies(int kills) {
  SupervisedRoot root;
  const std::string p = root.prefix();
  // A run of one second counts as stable here, so that every kill meets the first delay
  // (the default waits ten minutes before resetting the doubling).
  root.writeSettings({{"restart", {{"stable_after_s", 1}}}});
  root.writeContainers({{"version", 1}, {"network", p + "-net"}, {"services", {service("web", {}, {standinContainer(p + "-web", json::object(), false)})}}});
  root.startSupervisor();
  require(waitUntil([&] { return root.converged(); }, 60s), "the supervisor did not converge:\n" + root.supervisorLog());
  std::vector<double> latencies;
  for (int i = 0; i < kills; ++i) {
    std::this_thread::sleep_for(1200ms);
    latencies.push_back(killAndTimeRestart(root.docker(), p + "-web"));
  }
  return latencies;
}

// Docker's restart manager resets its 100 ms delay only after a run of 10 s, so each kill uses
// a fresh container with --restart=always.
std::vector<double> dockerPolicyLatencies(int kills) {
  host::CurlHttpClient http;
  docker::DockerClient docker(http, "/var/run/docker.sock");
  require(docker.negotiate().ok(), "Docker does not answer");
  std::string name = uniquePrefix() + "-always";
  // On a user-defined bridge network like the supervisor's containers: joining it is part of
  // every start.
  std::string network = name + "-net";
  require(docker.createNetwork(network, {{"io.cairn.bench", "true"}}).ok(), "cannot create " + network);
  std::vector<double> latencies;
  for (int i = 0; i < kills; ++i) {
    json body = {{"Image", kStandinImage},
                 {"Labels", {{"io.cairn.bench", "true"}}},
                 {"HostConfig", {{"RestartPolicy", {{"Name", "always"}}}, {"NetworkMode", network}}}};
    require(docker.createContainer(name, body).ok(), "cannot create " + name);
    require(docker.startContainer(name).ok(), "cannot start " + name);
    std::this_thread::sleep_for(1200ms);
    latencies.push_back(killAndTimeRestart(docker, name));
    (void)docker.removeContainer(name, true);
  }
  deleteDockerObject(http, docker, "networks", network);
  return latencies;
}

json catalogSized(const std::string& p) {
  std::vector<json> services;
  const char* names[] = {"postgres", "redis", "keycloak", "oauth2-proxy", "prometheus", "loki", "grafana", "airflow-init",
                         "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", "airflow-worker"};
  for (const char* name : names) {
    std::string service = name;
    std::vector<std::string> needs;
    json container = standinContainer(p + "-" + service, json::object(), service == "postgres" || service == "redis");
    if (service == "airflow-init") {
      container["env"]["STANDIN_MODE"] = "oneshot";
      container["one_shot"] = true;
      needs = {"postgres", "redis"};
    } else if (service.rfind("airflow-", 0) == 0) {
      needs = {"airflow-init"};
    } else if (service == "keycloak" || service == "grafana") {
      needs = {"postgres"};
    }
    services.push_back(testing::service(service, needs, {container}));
  }
  return {{"version", 1}, {"network", p + "-net"}, {"services", services}};
}

long rssKilobytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

}  // namespace

int main() {
  int kills = std::getenv("CAIRN_BENCH_KILLS") ? std::atoi(std::getenv("CAIRN_BENCH_KILLS")) : 50;

  std::vector<double> reconcileMs;
  long rss = 0;
  std::size_t containers = 0;
  {
    SupervisedRoot root;
    root.writeContainers(catalogSized(root.prefix()));
    root.startSupervisor();
    require(waitUntil([&] { return root.converged(); }, 180s), "the catalog-sized set did not converge:\n" + root.supervisorLog());
    containers = root.containers().size();
    for (int i = 0; i < 20; ++i) {
      auto passes = root.status().reconcile.passes;
      require(root.call("POST", "/v1/reconcile").ok(), "reconcile request failed");
      require(waitUntil([&] { return root.status().reconcile.passes > passes; }, 20s, 5ms), "no reconcile pass");
      reconcileMs.push_back(root.status().reconcile.lastDurationSeconds * 1000);
    }
    std::this_thread::sleep_for(5s);
    rss = rssKilobytes(root.supervisorPid());
  }

  std::vector<double> ours = supervisorLatencies(kills);
  std::vector<double> theirs = dockerPolicyLatencies(kills);

  std::cout << "\ncairn-supervisord benchmark (" << kills << " kills each; Docker "
            << "restart policy measured in the same run)\n\n"
            << "death to running again (ms)       p50      p99      max\n";
  auto row = [](const std::string& label, const std::vector<double>& values) {
    std::printf("  %-30s %7.0f  %7.0f  %7.0f\n", label.c_str(), percentile(values, 0.5), percentile(values, 0.99),
                *std::max_element(values.begin(), values.end()));
  };
  row("cairn-supervisord", ours);
  row("docker --restart=always", theirs);
  std::printf("\nreconcile pass, nothing changed (%zu containers): p50 %.1f ms, max %.1f ms\n", containers,
              percentile(reconcileMs, 0.5), *std::max_element(reconcileMs.begin(), reconcileMs.end()));
  std::printf("supervisor RSS at rest: %.1f MiB\n", static_cast<double>(rss) / 1024.0);
  return 0;
}

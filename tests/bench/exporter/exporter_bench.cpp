// Side-by-side benchmark of cairn-exporter and prometheus-node-exporter on this host.
//   exporter_bench [SCRAPES]   (default 500 per exporter and configuration)
// Starts 20 containers named exporter-test-bench-NN (removed afterwards), then measures for each
// exporter (cairn-exporter with 20 containers twice: one scrape thread, the default, and two): CPU time per scrape (utime+stime of the server from /proc/<pid>/stat over all
// scrapes), wall latency p50/p99 of sequential scrapes over one keep-alive connection, and RSS
// afterwards. The floor is this process reading the same files (and statfs of the same mounts).
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "appliance/host/http_client.hpp"
#include "monitoring/exporter/cgroup.hpp"
#include "monitoring/exporter/node_parsers.hpp"
#include "monitoring/exporter/proc_files.hpp"
#include "tests/integration/monitoring_exporter/live_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace cairn;
using namespace cairn::testing;

namespace {

constexpr int kContainers = 20;

double processCpuSeconds(pid_t pid) {
  auto stat = exporter::readProcFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  auto fields = exporter::splitFields(stat->substr(stat->rfind(')') + 2));
  // After "pid (comm) ": state is field 0, utime field 11, stime field 12.
  double utime = std::strtod(std::string(fields[11]).c_str(), nullptr);
  double stime = std::strtod(std::string(fields[12]).c_str(), nullptr);
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double rssMegabytes(pid_t pid) {
  auto status = exporter::readProcFile("/proc/" + std::to_string(pid) + "/status");
  if (!status) return 0;
  auto at = status->find("VmRSS:");
  return at == std::string::npos ? 0 : std::strtod(status->c_str() + at + 6, nullptr) / 1024.0;
}

struct Figures {
  std::string name;
  double cpuMsPerScrape = 0, p50Ms = 0, p99Ms = 0, rssMb = 0;
  std::size_t bytes = 0, lines = 0, containers = 0;
};

Figures measure(const std::string& name, pid_t pid, int port, int scrapes) {
  host::CurlHttpClient client;
  host::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
  Figures figures{name};
  for (int i = 0; i < 20; ++i) (void)client.send(request);  // warm-up
  std::vector<double> latencies;
  double cpuBefore = processCpuSeconds(pid);
  for (int i = 0; i < scrapes; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto response = client.send(request);
    latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    if (response && i == 0) {
      figures.bytes = response.value().body.size();
      const std::string& body = response.value().body;
      figures.lines = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
      for (std::size_t at = body.find("\ncontainer_last_seen{"); at != std::string::npos;
           at = body.find("\ncontainer_last_seen{", at + 1)) {
        ++figures.containers;
      }
    }
  }
  figures.cpuMsPerScrape = (processCpuSeconds(pid) - cpuBefore) * 1000.0 / scrapes;
  std::sort(latencies.begin(), latencies.end());
  figures.p50Ms = latencies[latencies.size() / 2];
  figures.p99Ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  figures.rssMb = rssMegabytes(pid);
  return figures;
}

double ownCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Reads what the exporter reads, without parsing or formatting anything.
Figures floorOfReading(const std::vector<int>& containerPids, int rounds, bool keepOpen) {
  std::vector<std::string> files = {"/proc/stat", "/proc/meminfo", "/proc/loadavg", "/proc/diskstats", "/proc/net/dev",
                                    "/proc/1/mountinfo", "/proc/vmstat", "/proc/sys/fs/file-nr", "/proc/pressure/cpu",
                                    "/proc/pressure/io", "/proc/pressure/memory"};
  bool complete = true;
  auto mounts = exporter::reportedMounts(exporter::parseMountinfo(*exporter::readProcFile("/proc/1/mountinfo"), complete));
  for (int pid : containerPids) {
    auto cgroupFile = exporter::readProcFile("/proc/" + std::to_string(pid) + "/cgroup");
    if (!cgroupFile) continue;
    files.push_back("/proc/" + std::to_string(pid) + "/net/dev");
    auto location = exporter::locateCgroup(*cgroupFile, "/sys");
    if (!location) continue;
    for (const char* file : {"cpuacct/cpuacct.usage_percpu", "cpuacct/cpuacct.stat", "cpu/cpu.cfs_quota_us", "memory/memory.usage_in_bytes",
                             "memory/memory.max_usage_in_bytes", "memory/memory.failcnt", "memory/memory.limit_in_bytes",
                             "memory/memory.stat", "blkio/blkio.throttle.io_service_bytes_recursive",
                             "blkio/blkio.throttle.io_serviced_recursive", "pids/pids.current", "pids/pids.max"}) {
      std::string relative(file);
      std::string controller = relative.substr(0, relative.find('/'));
      files.push_back(location->directory(controller) + relative.substr(relative.find('/')));
    }
  }
  Figures figures{keepOpen ? "floor: re-read the same files kept open" : "floor: open, read, close the same files"};
  exporter::ProcFileReader reader;
  std::vector<double> latencies;
  double before = ownCpuSeconds();
  for (int i = 0; i < rounds; ++i) {
    auto started = std::chrono::steady_clock::now();
    for (const auto& file : files) (void)(keepOpen ? reader.read(file) : exporter::readProcFile(file));
    for (const auto& mount : mounts) {
      struct statvfs info {};
      (void)::statvfs(mount.mountPoint.c_str(), &info);
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  }
  figures.cpuMsPerScrape = (ownCpuSeconds() - before) * 1000.0 / rounds;
  std::sort(latencies.begin(), latencies.end());
  figures.p50Ms = latencies[latencies.size() / 2];
  figures.p99Ms = latencies[latencies.size() * 99 / 100];
  figures.lines = files.size();
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  int scrapes = argc > 1 ? std::atoi(argv[1]) : 500;
  std::string output;
  if (runCommand("docker image inspect exporter-test-busybox:1 >/dev/null 2>&1") != 0) {
    runCommand("set -e; d=$(mktemp -d); mkdir -p $d/bin; cp /bin/busybox $d/bin/; for a in sh sleep cat; do ln -s busybox $d/bin/$a; done; "
               "tar -C $d -c . | docker import - exporter-test-busybox:1 >/dev/null; rm -rf $d");
  }
  runCommand("docker network inspect exporter-test-net >/dev/null 2>&1 || docker network create exporter-test-net >/dev/null");
  std::vector<int> pids;
  for (int i = 0; i < kContainers; ++i) {
    std::string name = "exporter-test-bench-" + std::to_string(i);
    runCommand("docker rm -f " + name + " >/dev/null 2>&1; docker run -d --name " + name +
               " --network exporter-test-net --label io.cairn.service=bench -m 32m exporter-test-busybox:1 /bin/sleep 3600 >/dev/null");
    runCommand("docker inspect -f '{{.State.Pid}}' " + name, &output);
    pids.push_back(std::atoi(output.c_str()));
  }

  TempDir dir;
  std::vector<Figures> results;
  {
    int port = freeLoopbackPort();
    ChildProcess node({"prometheus-node-exporter", "--web.listen-address=127.0.0.1:" + std::to_string(port)}, dir / "node.log");
    waitFor([&] { return httpGet(port, "/metrics").status == 200; }, std::chrono::seconds(20));
    results.push_back(measure("prometheus-node-exporter 1.5 (default collectors)", node.pid(), port, scrapes));
  }
  {
    int port = freeLoopbackPort();
    ChildProcess cairn({CAIRN_EXPORTER_BINARY, "--listen", "127.0.0.1:" + std::to_string(port), "--supervisor-url", "",
                        "--docker-socket", dir / "none.sock"},
                       dir / "cairn-node.log");
    waitFor([&] { return httpGet(port, "/healthz").status == 200; }, std::chrono::seconds(20));
    results.push_back(measure("cairn-exporter, node families only", cairn.pid(), port, scrapes));
  }
  for (const char* threads : {"1", "2"}) {
    int port = freeLoopbackPort();
    ChildProcess cairn({CAIRN_EXPORTER_BINARY, "--listen", "127.0.0.1:" + std::to_string(port), "--supervisor-url", "",
                        "--scrape-threads", threads},
                       dir / "cairn-full.log");
    waitFor([&] { return httpGet(port, "/metrics").body.find("exporter-test-bench-19") != std::string::npos; },
            std::chrono::seconds(30));
    results.push_back(measure(std::string("cairn-exporter, node + 20 containers, ") + threads + " scrape thread" +
                                  (threads[0] == '1' ? "" : "s"),
                              cairn.pid(), port, scrapes));
  }
  results.push_back(floorOfReading(pids, scrapes, false));
  results.push_back(floorOfReading(pids, scrapes, true));

  for (int i = 0; i < kContainers; ++i) runCommand("docker rm -f exporter-test-bench-" + std::to_string(i) + " >/dev/null 2>&1");
  runCommand("docker network rm exporter-test-net >/dev/null 2>&1");

  std::printf("%-52s %14s %9s %9s %8s %8s %11s\n", "", "CPU ms/scrape", "p50 ms", "p99 ms", "RSS MB", "lines", "containers");
  for (const auto& f : results) {
    std::printf("%-52s %14.3f %9.3f %9.3f %8.1f %8zu %11zu\n", f.name.c_str(), f.cpuMsPerScrape, f.p50Ms, f.p99Ms, f.rssMb,
                f.lines, f.containers);
  }
  std::printf("(%d scrapes each, sequential, keep-alive; floor 'lines' = files read per round; load average %s)\n",
              scrapes, exporter::readProcFile("/proc/loadavg").value_or("?").substr(0, 14).c_str());
  const Figures& node = results[0];
  bool met = false;
  for (std::size_t i : {2, 3}) {
    const Figures& full = results[i];
    bool ok = full.cpuMsPerScrape <= node.cpuMsPerScrape / 5 && full.p99Ms < 5 && full.rssMb < 10;
    std::printf("targets (%s: CPU <= 1/5 of node_exporter (1/%.1f), p99 < 5 ms, RSS < 10 MB): %s\n", full.name.c_str(),
                node.cpuMsPerScrape / full.cpuMsPerScrape, ok ? "met" : "NOT met");
    if (i == 2) met = ok;  // the default configuration decides the exit code
  }
  return met ? 0 : 1;
}

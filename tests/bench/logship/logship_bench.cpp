// cairn-logshipd benchmark. A minimal Loki sink in this process (Poco HTTP server: reads and
// gunzips each push, answers 204, or 503 while "down") receives from the real daemon.
//   1. backlog: a 1 GB file of 200-byte lines is written while the sink answers 503; RSS is
//      sampled while Loki is down and while the backlog drains; lines per CPU second of the
//      daemon (utime+stime) is the per-core throughput.
//   2. latency: lines carrying their write time are appended at 10,000 lines/s; the sink
//      records arrival minus write time; p50/p99 with the default batching (1 MiB / 1 s) and
//      with batch_wait 100 ms.
//   3. outage: Loki down for 5 minutes while 10,000 lines/s keep coming (rotated); RSS while
//      down and while catching up, and whether every line was acknowledged.
//   4. store (run first): a 256 MB backlog pushed to a real store of Loki's push API,
//      VictoriaLogs; wall and CPU of both, and every line must be stored.
// Environment: LOGSHIP_BENCH_BACKLOG_MB (default 1024), LOGSHIP_BENCH_LATENCY_S (default 20),
// LOGSHIP_BENCH_OUTAGE_S (default 300), LOGSHIP_BENCH_VICTORIALOGS_MB (default 256).

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/integration/monitoring_logship/logshipd_process.hpp"
#include "tests/support/loki_standin/gunzip.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/victorialogs.hpp"

using namespace cairn::testing;
using namespace std::chrono_literals;
using cairn::testing::gunzip;

namespace {

std::int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}


struct Sink {
  std::atomic<bool> down{false};
  std::atomic<std::uint64_t> pushes{0};
  std::mutex mutex;
  std::vector<double> latenciesMs;
};

class SinkHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit SinkHandler(Sink& sink) : sink_(sink) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    if (sink_.down) {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_SERVICE_UNAVAILABLE);
      response.setContentLength(0);
      response.send();
      return;
    }
    const std::int64_t arrived = nowNs();
    const std::string json = gunzip(body);
    std::vector<double> latencies;
    for (std::size_t at = json.find("t="); at != std::string::npos; at = json.find("t=", at + 2)) {
      const std::int64_t written = std::strtoll(json.c_str() + at + 2, nullptr, 10);
      if (written > 0) latencies.push_back(static_cast<double>(arrived - written) / 1e6);
    }
    if (!latencies.empty()) {
      std::lock_guard<std::mutex> lock(sink_.mutex);
      sink_.latenciesMs.insert(sink_.latenciesMs.end(), latencies.begin(), latencies.end());
    }
    ++sink_.pushes;
    response.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
    response.setContentLength(0);
    response.send();
  }

 private:
  Sink& sink_;
};

class SinkFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit SinkFactory(Sink& sink) : sink_(sink) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new SinkHandler(sink_);
  }

 private:
  Sink& sink_;
};

double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  std::vector<std::string> values;
  while (fields >> field) values.push_back(field);
  // After the command: state(0) ... utime(11) stime(12), in clock ticks.
  return (std::stod(values.at(11)) + std::stod(values.at(12))) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

nlohmann::json configFor(const std::string& pushUrl, const std::string& log, int batchWaitMs) {
  return {{"loki", {{"url", pushUrl}, {"min_backoff_ms", 200}, {"max_backoff_ms", 2000}}},
          {"batch_wait_ms", batchWaitMs},
          {"docker", {{"enabled", false}}},
          {"files", {{{"path", log}, {"format", "raw"}, {"labels", {{"job", "bench"}}}}}}};
}

nlohmann::json configFor(int port, const std::string& log, int batchWaitMs) {
  return configFor("http://127.0.0.1:" + std::to_string(port) + "/loki/api/v1/push", log, batchWaitMs);
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

// Waits until the daemon has `lines` lines acknowledged, sampling its RSS; the largest sample in
// KiB, or -1 when the lines did not all get through in half an hour.
long waitForSentSamplingRss(const LogshipdProcess& shipper, std::size_t lines) {
  long rss = 0;
  const bool all = waitFor([&] {
    rss = std::max(rss, shipper.rssKb());
    return shipper.metric("cairn_logship_lines_sent_total") >= static_cast<double>(lines);
  }, 1800s);
  return all ? rss : -1;
}

// `lines` lines of 200 bytes that look like service logs (ids, paths, numbers, words), so that
// gzip works as hard as on real logs rather than on repeated bytes.
void writeBacklog(const std::string& log, std::size_t lines) {
  static const char* kWords[] = {"GET", "POST", "users", "dags", "api", "v1", "task", "run", "ok", "retry",
                                 "scheduler", "worker", "queued", "success", "failed", "login", "session",
                                 "token", "grafana", "airflow", "postgres", "redis", "cache", "miss", "hit"};
  std::mt19937_64 random(7);
  std::ofstream out(log, std::ios::binary);
  char line[256];
  for (std::size_t i = 0; i < lines; ++i) {
    int n = std::snprintf(line, sizeof(line), "2026-11-21T21:%02d:%02d.%03dZ INFO %s id=%016llx path=/%s/%s/%s/%u status=%u bytes=%u",
                          static_cast<int>(i / 60000 % 60), static_cast<int>(i / 1000 % 60), static_cast<int>(i % 1000),
                          kWords[random() % 25], static_cast<unsigned long long>(random()), kWords[random() % 25],
                          kWords[random() % 25], kWords[random() % 25], static_cast<unsigned>(random() % 100000),
                          200 + static_cast<unsigned>(random() % 4) * 100, static_cast<unsigned>(random() % 65536));
    while (n < 199) {
      const char* word = kWords[random() % 25];
      n += std::snprintf(line + n, sizeof(line) - static_cast<std::size_t>(n), " %s", word);
    }
    line[199] = '\n';
    out.write(line, 200);
  }
}

void backlog(int port, Sink& sink, std::size_t megabytes) {
  TempDir dir;
  const std::string log = dir / "backlog.log";
  const std::size_t lines = megabytes * 1024 * 1024 / 200;
  writeBacklog(log, lines);
  sink.down = true;
  LogshipdProcess shipper(dir.path(), configFor(port, log, 1000));
  shipper.start();
  long rssDown = 0;
  for (int i = 0; i < 50; ++i) {
    rssDown = std::max(rssDown, shipper.rssKb());
    std::this_thread::sleep_for(100ms);
  }
  const double cpuBefore = cpuSeconds(shipper.pid());
  const auto started = std::chrono::steady_clock::now();
  sink.down = false;
  const long rssDrain = waitForSentSamplingRss(shipper, lines);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = cpuSeconds(shipper.pid()) - cpuBefore;
  const double sent = shipper.metric("cairn_logship_lines_sent_total");
  std::printf("backlog            %zu MB, %zu lines of 200 bytes\n", megabytes, lines);
  std::printf("RSS, Loki down     %.1f MB (max over 5 s)\n", static_cast<double>(rssDown) / 1024);
  std::printf("RSS, draining      %.1f MB (max)\n", static_cast<double>(rssDrain) / 1024);
  std::printf("drain              %.0f lines in %.1f s wall = %.0f lines/s\n", sent, seconds, sent / seconds);
  std::printf("daemon CPU         %.2f s = %.0f lines per CPU second (one core), %.1f MB/s\n", cpu, sent / cpu,
              sent * 200 / cpu / 1e6);
  shipper.stop();
}

void latency(int port, Sink& sink, int seconds, int batchWaitMs) {
  TempDir dir;
  const std::string log = dir / "steady.log";
  { std::ofstream touch(log); }
  {
    std::lock_guard<std::mutex> lock(sink.mutex);
    sink.latenciesMs.clear();
  }
  LogshipdProcess shipper(dir.path(), configFor(port, log, batchWaitMs));
  shipper.start();
  const int rate = 10000;
  const std::string padding(150, 'p');
  const double cpuBefore = cpuSeconds(shipper.pid());
  {
    std::ofstream out(log, std::ios::binary | std::ios::app);
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rate * seconds; ++i) {
      if (i % 100 == 0) {
        std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
      }
      out << "steady " << i << " t=" << nowNs() << " " << padding << "\n";
      if (i % 100 == 99) out.flush();
    }
  }
  waitFor([&] {
    std::lock_guard<std::mutex> lock(sink.mutex);
    return sink.latenciesMs.size() >= static_cast<std::size_t>(rate * seconds);
  }, 60s);
  const double cpu = cpuSeconds(shipper.pid()) - cpuBefore;
  std::vector<double> values;
  {
    std::lock_guard<std::mutex> lock(sink.mutex);
    values = sink.latenciesMs;
  }
  std::printf("latency @10k/s     batch_wait %4d ms: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%zu lines, %d s); daemon CPU %.1f%%; RSS %.1f MB\n",
              batchWaitMs, percentile(values, 0.5), percentile(values, 0.99), percentile(values, 1.0), values.size(),
              seconds, 100 * cpu / seconds, static_cast<double>(shipper.rssKb()) / 1024);
  shipper.stop();
}

// Loki down for minutes while lines keep coming at 10,000 lines/s (rotated at 50 MB); then up.
void outage(int port, Sink& sink, int seconds) {
  TempDir dir;
  const std::string log = dir / "outage.log";
  sink.down = true;
  LogshipdProcess shipper(dir.path(), configFor(port, log, 1000));
  shipper.start();
  const int rate = 10000;
  const std::string padding(150, 'p');
  long rssDown = 0;
  std::size_t written = 0;
  {
    auto out = std::make_unique<std::ofstream>(log, std::ios::binary | std::ios::app);
    std::size_t bytes = 0;
    int rotation = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < rate * seconds; ++i) {
      if (i % 1000 == 0) {
        std::this_thread::sleep_until(start + std::chrono::microseconds(1'000'000LL * i / rate));
        if (i % 50000 == 0) rssDown = std::max(rssDown, shipper.rssKb());
      }
      const std::string line = "outage " + std::to_string(i) + " " + padding + "\n";
      *out << line;
      bytes += line.size();
      ++written;
      if (bytes > 50u * 1024 * 1024) {
        out.reset();
        std::rename(log.c_str(), (log + "." + std::to_string(++rotation)).c_str());
        out = std::make_unique<std::ofstream>(log, std::ios::binary | std::ios::app);
        bytes = 0;
      }
    }
  }
  const double retries = shipper.metric("cairn_logship_push_retries_total", "5xx");
  sink.down = false;
  const auto started = std::chrono::steady_clock::now();
  const long rssDrain = waitForSentSamplingRss(shipper, written);
  const bool all = rssDrain >= 0;
  std::printf("outage             Loki down %d s while %zu lines were written (rotated at 50 MB), %.0f retries\n", seconds,
              written, retries);
  std::printf("                   RSS while down %.1f MB max, while catching up %.1f MB max; %s after %.1f s\n",
              static_cast<double>(rssDown) / 1024, static_cast<double>(rssDrain) / 1024,
              all ? "every line acknowledged" : "NOT every line acknowledged",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  shipper.stop();
}

// The same kind of backlog pushed to a real store that speaks Loki's push API: VictoriaLogs
// (tests/support/deps/victorialogs.sh) on loopback. Both processes' CPU is counted, and every
// line must be stored and searchable at the end.
void victoriaLogs(std::size_t megabytes) {
  TempDir dir;
  VictoriaLogsServer store(dir.path());
  const std::string log = dir / "backlog.log";
  const std::size_t lines = megabytes * 1024 * 1024 / 200;
  writeBacklog(log, lines);
  const double storeCpuBefore = cpuSeconds(store.pid());
  const auto started = std::chrono::steady_clock::now();
  LogshipdProcess shipper(dir.path(), configFor(store.pushUrl(), log, 1000));
  shipper.start();
  const long rss = waitForSentSamplingRss(shipper, lines);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = cpuSeconds(shipper.pid());
  const double storeCpu = cpuSeconds(store.pid()) - storeCpuBefore;
  const double sent = shipper.metric("cairn_logship_lines_sent_total");
  long stored = -1;
  waitFor([&] { return (stored = store.count()) >= static_cast<long>(lines); }, 120s, 1000ms);
  std::printf("VictoriaLogs        %zu MB backlog, %zu lines pushed to /insert/loki/api/v1/push\n", megabytes, lines);
  std::printf("                    %.0f lines in %.1f s wall = %.0f lines/s; daemon %.2f s CPU = %.0f lines per CPU second\n",
              sent, seconds, sent / seconds, cpu, sent / cpu);
  std::printf("                    VictoriaLogs %.2f s CPU; daemon RSS %.1f MB max; %ld lines stored and searchable%s\n",
              storeCpu, static_cast<double>(rss) / 1024, stored,
              stored == static_cast<long>(lines) ? "" : " (NOT every line)");
  shipper.stop();
  if (stored != static_cast<long>(lines)) throw std::runtime_error("VictoriaLogs did not store every line");
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures show as they are measured
  Sink sink;
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(4);
  Poco::Net::HTTPServer server(new SinkFactory(sink), socket, params);
  server.start();
  const int port = server.port();
  const char* backlogMb = std::getenv("LOGSHIP_BENCH_BACKLOG_MB");
  const char* latencySeconds = std::getenv("LOGSHIP_BENCH_LATENCY_S");
  std::printf("cairn-logshipd benchmark (%ld cores)\n", ::sysconf(_SC_NPROCESSORS_ONLN));
  const char* victoriaMb = std::getenv("LOGSHIP_BENCH_VICTORIALOGS_MB");
  victoriaLogs(victoriaMb ? std::stoul(victoriaMb) : 256);
  backlog(port, sink, backlogMb ? std::stoul(backlogMb) : 1024);
  const int seconds = latencySeconds ? std::stoi(latencySeconds) : 20;
  latency(port, sink, seconds, 1000);
  latency(port, sink, seconds, 100);
  const char* outageSeconds = std::getenv("LOGSHIP_BENCH_OUTAGE_S");
  outage(port, sink, outageSeconds ? std::stoi(outageSeconds) : 300);
  server.stopAll(true);
  return 0;
}

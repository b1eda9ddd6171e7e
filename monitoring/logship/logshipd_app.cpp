#include "monitoring/logship/logshipd_app.hpp"

#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>

#include "appliance/core/version.hpp"
#include "appliance/host/logging.hpp"
#include "appliance/host/files.hpp"
#include "monitoring/logship/config.hpp"
#include "monitoring/logship/docker_logs.hpp"
#include "monitoring/logship/journal_source.hpp"
#include "monitoring/logship/metrics_server.hpp"
#include "monitoring/logship/poco_http_client.hpp"
#include "monitoring/logship/shipper.hpp"

namespace cairn::logship {
namespace {

using Poco::Util::Option;

// Wakes sleeping threads at once when a stop is requested.
class StopSignal {
 public:
  void request() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    wake_.notify_all();
  }
  bool requested() const { return stop_.load(); }
  void sleepFor(std::chrono::milliseconds duration) {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, duration, [&] { return stop_.load(); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stop_{false};
};

// Keeps the Docker sources in step with the managed containers.
class ContainerTracker {
 public:
  ContainerTracker(const LogshipConfig& config, Shipper& shipper, metrics::Registry& registry)
      : config_(config),
        finder_(http_, config.docker.socket, config.docker.label, config.docker.serviceLabel),
        shipper_(shipper),
        registry_(registry),
        failures_(registry.counter("cairn_logship_docker_errors_total", "Failed container listings.")) {}

  void reconcile() {
    auto containers = finder_.list();
    auto& log = Poco::Logger::get("logship.docker");
    if (!containers) {
      failures_.inc();
      if (!failing_) log.warning("cannot list containers: %s", containers.error().message);
      failing_ = true;
      return;
    }
    if (failing_) log.information("container listing works again");
    failing_ = false;
    std::vector<std::string> present;
    for (const auto& container : containers.value()) {
      if (container.logPath.empty()) continue;
      const std::string key = "docker:" + container.id;
      present.push_back(key);
      if (shipper_.hasSource(key)) continue;
      auto labels = config_.labels;
      labels["job"] = "containers";
      labels["service"] = container.service;
      labels["container"] = container.name;
      FileSourceOptions options;
      options.maxLineBytes = config_.maxLineBytes;
      options.flushAfterNs = config_.batchWaitMs * 1'000'000;
      const auto& join = config_.docker.joinContinuations;
      options.joinContinuations = std::find(join.begin(), join.end(), container.service) != join.end();
      auto saved = shipper_.acknowledgedPosition(key);
      log.information("following container=%s service=%s log=%s", container.name, container.service, container.logPath);
      const std::string name = "container:" + container.name;
      shipper_.addSource(std::make_unique<FileSource>(key, name, container.logPath, FileFormat::kDocker, labels, options,
                                                      saved ? saved->file : std::nullopt,
                                                      registerSourceMetrics(registry_, name)));
    }
    for (const auto& key : shipper_.sourceKeys()) {
      if (key.rfind("docker:", 0) == 0 && std::find(present.begin(), present.end(), key) == present.end()) {
        shipper_.retireWhenFinished(key);
      }
    }
  }

 private:
  const LogshipConfig& config_;
  PocoHttpClient http_;
  DockerLogFinder finder_;
  Shipper& shipper_;
  metrics::Registry& registry_;
  metrics::Counter& failures_;
  bool failing_ = false;
};

std::string readPassword(const std::string& path) {
  if (path.empty()) return "";
  auto text = host::readFile(path);
  if (!text) throw ConfigError("loki.password_file: " + text.error().message);
  std::string password = text.value();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
  return password;
}

}  // namespace

void LogshipdApp::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Option("help", "h", "print this help and exit").required(false).repeatable(false));
  options.addOption(Option("version", "", "print the version and exit").required(false).repeatable(false));
  options.addOption(Option("config", "c", "settings file (default /etc/cairn/rendered/logship.json)")
                        .required(false).repeatable(false).argument("FILE"));
}

void LogshipdApp::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    versionRequested_ = true;
  } else if (name == "config") {
    configPath_ = value;
  }
}

int LogshipdApp::main(const std::vector<std::string>&) {
  if (helpRequested_) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand("cairn-logshipd");
    help.setUsage("[--config FILE]");
    help.setHeader("Ships the logs of cairn's containers, nginx and units to Loki, every line at least once.\n"
                   "Positions in the file named by positions_file; metrics on 127.0.0.1:9466.");
    help.format(std::cout);
    return EXIT_OK;
  }
  if (versionRequested_) {
    std::cout << "cairn-logshipd " << cairn::version() << "\n";
    return EXIT_OK;
  }
  host::logToStderr();
  Poco::Logger& log = Poco::Logger::get("logship");

  LogshipConfig config;
  PushSettings push;
  try {
    config = loadConfig(configPath_);
    push.password = readPassword(config.loki.passwordFile);
  } catch (const std::exception& error) {
    std::cerr << "cairn-logshipd: " << error.what() << "\n";
    return EXIT_CONFIG;
  }
  push.url = config.loki.url;
  push.tenant = config.loki.tenant;
  push.username = config.loki.username;
  push.timeout = std::chrono::milliseconds(config.loki.timeoutMs);
  push.minBackoff = std::chrono::milliseconds(config.loki.minBackoffMs);
  push.maxBackoff = std::chrono::milliseconds(config.loki.maxBackoffMs);

  metrics::Registry registry;
  MetricsServer metricsServer(registry, config.metricsListen);
  if (!config.metricsListen.empty()) {
    try {
      metricsServer.start();
    } catch (const std::exception& error) {
      std::cerr << "cairn-logshipd: " << error.what() << "\n";
      return EXIT_CANTCREAT;
    }
  }

  PositionStore store(config.positionsFile);
  (void)host::makeDirectories(host::parentDirectory(config.positionsFile), 0750);
  if (const std::size_t removed = store.removeLeftoverTemporaries()) {
    log.information("removed %z temporary positions file(s) left by an interrupted save", removed);
  }
  PositionMap positions;
  if (auto loaded = store.load()) {
    positions = loaded.value();
  } else {
    registry.counter("cairn_logship_positions_corrupt_total", "Unreadable positions files set aside at start.").inc();
    log.warning("positions unusable, every file source starts from its oldest uncompressed rotated file: %s", loaded.error().message);
  }

  StopSignal stop;
  host::SystemClock clock;
  PocoHttpClient lokiHttp;
  LokiPusher pusher(push, lokiHttp, clock, registry, [&] { return stop.requested(); });
  Shipper shipper({config.batchBytes, config.batchWaitMs, config.batchesInFlight}, pusher, store, positions, clock, registry);

  FileSourceOptions fileOptions;
  fileOptions.maxLineBytes = config.maxLineBytes;
  fileOptions.flushAfterNs = config.batchWaitMs * 1'000'000;
  fileOptions.rotateWait.idleNs = config.rotateIdleMs * 1'000'000;
  fileOptions.rotateWait.maxNs = config.rotateWaitMaxMs * 1'000'000;
  for (const auto& file : config.files) {
    auto labels = config.labels;
    for (const auto& [name, value] : file.labels) labels[name] = value;
    auto options = fileOptions;
    options.joinContinuations = file.joinContinuations;
    const std::string key = "file:" + file.path;
    auto saved = shipper.acknowledgedPosition(key);
    shipper.addSource(std::make_unique<FileSource>(key, key, file.path, *fileFormatFromName(file.format), labels, options,
                                                   saved ? saved->file : std::nullopt, registerSourceMetrics(registry, key)));
  }
  if (config.journal.enabled) {
    JournalOptions options;
    options.command = config.journal.command;
    options.units = config.journal.units;
    options.sinceWhenNew = config.journal.sinceWhenNew;
    options.maxLineBytes = config.maxLineBytes;
    auto labels = config.labels;
    labels["job"] = "journal";
    auto saved = shipper.acknowledgedPosition("journal");
    shipper.addSource(std::make_unique<JournalSource>(
        options, labels, saved ? saved->cursor : std::string(), registerSourceMetrics(registry, "journal"),
        &registry.counter("cairn_logship_journal_restarts_total", "Times journalctl ended and was started again.")));
  }

  std::optional<ContainerTracker> containers;
  std::atomic<bool> rescan{true};
  std::thread events;
  if (config.docker.enabled) {
    containers.emplace(config, shipper, registry);
    events = std::thread([&] {
      PocoHttpClient http;
      DockerLogFinder finder(http, config.docker.socket, config.docker.label, config.docker.serviceLabel);
      while (!stop.requested()) {
        auto watched = finder.watchEvents([&] {
          rescan = true;
          return !stop.requested();
        }, std::chrono::milliseconds(2000));
        if (!watched) stop.sleepFor(std::chrono::milliseconds(2000));
      }
    });
  }

  std::thread loop([&] {
    auto lastScan = clock.monotonic();
    while (!stop.requested()) {
      if (containers && (rescan.exchange(false) ||
                         clock.monotonic() - lastScan >= std::chrono::milliseconds(config.docker.rescanMs))) {
        containers->reconcile();
        lastScan = clock.monotonic();
      }
      if (!shipper.step() && !stop.requested()) stop.sleepFor(std::chrono::milliseconds(config.pollMs));
    }
  });
  log.information("started loki=%s positions=%s metrics=%s sources=%z", config.loki.url, config.positionsFile,
                  config.metricsListen.empty() ? std::string("off") : config.metricsListen, shipper.sourceKeys().size());
  waitForTerminationRequest();
  log.information("stopping");
  stop.request();
  loop.join();
  if (events.joinable()) events.join();
  // One last try for what is batched; anything not acknowledged is read again next start.
  (void)shipper.flush();
  metricsServer.stop();
  return EXIT_OK;
}

}  // namespace cairn::logship

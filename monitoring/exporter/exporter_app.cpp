#include "monitoring/exporter/exporter_app.hpp"

#include <malloc.h>

#include <atomic>
#include <charconv>
#include <iostream>
#include <thread>

#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include "appliance/core/version.hpp"
#include "appliance/host/clock.hpp"
#include "appliance/host/files.hpp"
#include "appliance/host/signals.hpp"
#include "monitoring/exporter/appliance_collector.hpp"
#include "monitoring/exporter/container_collector.hpp"
#include "monitoring/exporter/metrics_server.hpp"
#include "monitoring/exporter/node_collectors.hpp"
#include "monitoring/exporter/poco_http_client.hpp"
#include "monitoring/exporter/textfile_collector.hpp"

namespace cairn::exporter {
namespace {

using Poco::Util::Option;

// A flag value that is not a whole number becomes 0, which validate() reports.
int threadCount(const std::string& text) {
  int count = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), count);
  return error == std::errc() && end == text.data() + text.size() ? count : 0;
}

const char* const kValueOptions[][3] = {
    {"listen", "ADDR:PORT", "address to serve /metrics and /healthz on (default 127.0.0.1:9464)"},
    {"proc-root", "DIR", "where /proc is (default /proc)"},
    {"sys-root", "DIR", "where /sys is (default /sys)"},
    {"rootfs", "DIR", "where the host's mount points are, for file system sizes (default /)"},
    {"docker-socket", "PATH", "Docker Engine API socket (default /var/run/docker.sock)"},
    {"supervisor-url", "URL", "cairn-supervisord metrics URL, \"\" to skip (default http://127.0.0.1:9465/metrics)"},
    {"scrape-threads", "N", "collectors run side by side in one scrape, 1 to 8 (default 1)"},
    {"config", "FILE", "settings file (default /etc/cairn/rendered/exporter.json, optional)"},
};

}  // namespace

void ExporterApp::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Option("help", "h", "print this help and exit").callback(
      Poco::Util::OptionCallback<ExporterApp>(this, &ExporterApp::handleOption)));
  options.addOption(Option("version", "", "print the version and exit").callback(
      Poco::Util::OptionCallback<ExporterApp>(this, &ExporterApp::handleOption)));
  for (const auto& option : kValueOptions) {
    options.addOption(Option(option[0], "", option[2]).argument(option[1]).callback(
        Poco::Util::OptionCallback<ExporterApp>(this, &ExporterApp::handleOption)));
  }
}

void ExporterApp::handleOption(const std::string& name, const std::string& value) {
  if (name == "help") {
    Poco::Util::HelpFormatter help(options());
    help.setCommand("cairn-exporter");
    help.setUsage("[--listen ADDR:PORT] [--proc-root DIR] [--sys-root DIR] [--docker-socket PATH] ...");
    help.setHeader("Serves node_exporter- and cAdvisor-compatible metrics of this host and its containers.");
    help.setUnixStyle(true);
    help.format(std::cout);
    exitEarly_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    std::cout << "cairn-exporter " << cairn::version() << "\n";
    exitEarly_ = true;
    stopOptionsProcessing();
  } else if (name == "config") {
    configFile_ = value;
    configFileGiven_ = true;
  } else {
    overrides_[name] = value;
  }
}

ExporterConfig ExporterApp::loadConfig() const {
  ExporterConfig config;
  auto content = host::readFile(configFile_);
  if (content) {
    auto json = nlohmann::json::parse(content.value(), nullptr, false);
    if (json.is_discarded()) throw std::invalid_argument(configFile_ + ": not valid JSON");
    config = exporterConfigFromJson(json, configFile_);
  } else if (configFileGiven_ || content.error().code != ErrorCode::kNotFound) {
    throw std::invalid_argument(content.error().message);
  }
  for (const auto& [name, value] : overrides_) {
    if (name == "listen") config.listen = value;
    else if (name == "proc-root") config.procRoot = value;
    else if (name == "sys-root") config.sysRoot = value;
    else if (name == "rootfs") config.rootfs = value;
    else if (name == "docker-socket") config.dockerSocket = value;
    else if (name == "supervisor-url") config.supervisorUrl = value;
    else if (name == "scrape-threads") config.scrapeThreads = threadCount(value);
  }
  auto problems = validate(config);
  if (!problems.empty()) {
    std::string message = "invalid settings:";
    for (const auto& problem : problems) message += "\n  " + problem;
    throw std::invalid_argument(message);
  }
  return config;
}

int ExporterApp::main(const std::vector<std::string>& args) {
  if (exitEarly_) return EXIT_OK;
  host::blockTerminationSignals();
  // One malloc arena for every thread: scrapes are short and rare, and per-thread arenas cost
  // about 1 MB of resident memory for nothing (the target is under 10 MB). Fixed thresholds
  // (glibc raises them after the first large free) keep a scrape's text in its own mapping and
  // let the heap shrink again, so memory returns to the idle size between scrapes.
  ::mallopt(M_ARENA_MAX, 1);
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 256 * 1024);
  auto& log = Poco::Logger::get("exporter");
  if (!args.empty()) {
    std::cerr << "cairn-exporter: unexpected argument \"" << args[0] << "\" (see --help)\n";
    return EXIT_USAGE;
  }
  ExporterConfig config;
  ListenAddress listen;
  try {
    config = loadConfig();
    listen = parseListenAddress(config.listen);
  } catch (const std::exception& error) {
    std::cerr << "cairn-exporter: " << error.what() << "\n";
    return EXIT_CONFIG;
  }

  host::SystemClock clock;
  ContainerDirectory directory(config.dockerSocket, config.procRoot, config.sysRoot);
  PocoHttpClient supervisorClient;
  NodeSources sources = hostNodeSources(config.procRoot, config.sysRoot, clock, config.rootfs);
  std::vector<std::unique_ptr<Collector>> collectors = makeNodeCollectors(sources);
  collectors.push_back(std::make_unique<ContainerCollector>(
      directory, config.procRoot,
      [&clock] { return std::chrono::duration<double>(clock.now().time_since_epoch()).count(); }, sources.files));
  collectors.push_back(
      std::make_unique<ApplianceCollector>(directory, config.services, supervisorClient, config.supervisorUrl));
  collectors.push_back(std::make_unique<TextfileCollector>(config.textfiles));
  Exporter exporter(std::move(collectors), static_cast<std::size_t>(config.scrapeThreads));

  std::atomic<bool> stop{false};
  std::thread watcher([&] {
    PocoHttpClient streamClient;
    PocoHttpClient queryClient;
    directory.watch(streamClient, queryClient, stop, std::chrono::milliseconds(2000), std::chrono::milliseconds(2000));
  });

  int status = EXIT_OK;
  try {
    MetricsServer server(exporter, listen.host, listen.port);
    server.start();
    log.information("listening=%s:%d proc_root=%s sys_root=%s docker_socket=%s", listen.host, server.port(),
                    config.procRoot, config.sysRoot, config.dockerSocket);
    waitForTerminationRequest();
    server.stop();
  } catch (const Poco::Exception& error) {
    std::cerr << "cairn-exporter: cannot serve on " << config.listen << ": " << error.displayText() << "\n";
    status = EXIT_OSERR;
  }
  stop = true;
  watcher.join();
  return status;
}

}  // namespace cairn::exporter

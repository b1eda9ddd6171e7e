#include "services/supervisor/supervisord_app.hpp"

#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <cstdlib>
#include <iostream>

#include "appliance/core/version.hpp"
#include "appliance/host/files.hpp"
#include "appliance/host/logging.hpp"
#include "appliance/host/signals.hpp"
#include "services/docker/endpoint.hpp"
#include "services/supervisor/control_api.hpp"
#include "services/supervisor/supervisor.hpp"

namespace cairn::supervisor {

using Poco::Util::Option;

void SupervisordApp::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Option("help", "h", "print this help and exit").required(false).repeatable(false));
  options.addOption(Option("version", "", "print the version and exit").required(false).repeatable(false));
  options.addOption(Option("root", "", "treat DIR as / for every cairn path (tests, image builds)")
                        .required(false).repeatable(false).argument("DIR"));
  options.addOption(Option("docker-socket", "", "the Docker engine's unix socket (default: DOCKER_HOST, then /var/run/docker.sock)")
                        .required(false).repeatable(false).argument("PATH"));
  options.addOption(Option("metrics-listen", "", "serve /metrics on ADDR:PORT (default 127.0.0.1:9465; \"\" for none)")
                        .required(false).repeatable(false).argument("ADDR:PORT"));
}

void SupervisordApp::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    versionRequested_ = true;
  } else if (name == "root") {
    root_ = value;
  } else if (name == "docker-socket") {
    dockerSocket_ = value;
  } else if (name == "metrics-listen") {
    metricsListen_ = value;
    metricsListenGiven_ = true;
  }
}

int SupervisordApp::main(const std::vector<std::string>&) {
  if (helpRequested_) {
    Poco::Util::HelpFormatter help(options());
    help.setCommand("cairn-supervisord");
    help.setUsage("[--root DIR] [--docker-socket PATH] [--metrics-listen ADDR:PORT]");
    help.setHeader("Keeps cairn's containers (/etc/cairn/rendered/containers.json) running on the Docker engine;\n"
                   "control API on /run/cairn/supervisor.sock, metrics on 127.0.0.1:9465.");
    help.format(std::cout);
    return EXIT_OK;
  }
  if (versionRequested_) {
    std::cout << "cairn-supervisord " << cairn::version() << "\n";
    return EXIT_OK;
  }

  host::logToStderr();
  Poco::Logger::get("supervisor").setChannel(Poco::Logger::root().getChannel());
  Poco::Logger& log = Poco::Logger::get("supervisor");

  SupervisorSettings settings = defaultSettings(root_);
  auto socket = docker::resolveDockerSocket(dockerSocket_, std::getenv("DOCKER_HOST"));
  if (!socket) {
    std::cerr << "cairn-supervisord: " << socket.error().message << "\n";
    return EXIT_USAGE;
  }
  settings.dockerSocket = socket.value();
  if (auto text = host::readFile(settings.settingsFile)) {
    auto problems = applySettingsFile(text.value(), settings);
    if (!problems.empty()) {
      std::cerr << "cairn-supervisord: " << settings.settingsFile << " is not valid:\n";
      for (const auto& problem : problems) std::cerr << "  " << problem << "\n";
      return EXIT_CONFIG;
    }
  }
  if (metricsListenGiven_) settings.metricsListen = metricsListen_;

  host::blockTerminationSignals();

  host::SystemClock clock;
  HttpClientFactory factory = [] { return std::make_unique<host::CurlHttpClient>(); };
  Supervisor supervisor(settings, clock, factory);
  ControlServer server(supervisor, factory);
  try {
    server.listenUnix(settings.controlSocket);
    if (!settings.metricsListen.empty()) server.listenMetrics(settings.metricsListen);
  } catch (const std::exception& error) {
    std::cerr << "cairn-supervisord: " << error.what() << "\n";
    return EXIT_CANTCREAT;
  }
  supervisor.start();
  log.information("started control=%s metrics=%s docker=%s root=%s", settings.controlSocket,
                  settings.metricsListen.empty() ? std::string("off") : settings.metricsListen + " (port " + std::to_string(server.metricsPort()) + ")",
                  settings.dockerSocket, settings.root.empty() ? std::string("/") : settings.root);
  waitForTerminationRequest();
  log.information("stopping; containers keep running");
  server.stop();
  supervisor.stop();
  return EXIT_OK;
}

}  // namespace cairn::supervisor

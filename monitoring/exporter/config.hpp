#pragma once
// cairn-exporter's settings: /etc/cairn/rendered/exporter.json (rendered from the spec by the
// monitoring stack renderer), overridden by command-line flags.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cairn::exporter {

struct ExporterConfig {
  std::string listen = "127.0.0.1:9464";  // ADDR:PORT
  std::string procRoot = "/proc";
  std::string sysRoot = "/sys";
  std::string rootfs = "/";  // where the host's mount points are, for statfs
  std::string dockerSocket = "/var/run/docker.sock";
  std::string supervisorUrl = "http://127.0.0.1:9465/metrics";  // "" disables the probe
  // Text-format files other parts write (the edge's certificate expiry); absent ones are skipped.
  std::vector<std::string> textfiles = {"/etc/cairn/rendered/tls/cairn_tls.prom"};
  std::vector<std::string> services;  // the appliance's enabled services, for cairn_service_*
  // Collectors run side by side in one scrape (flag --scrape-threads only; 1 to 8). On the
  // shared 2-core test machine a second thread cost up to 20 % more CPU per scrape and did not
  // lower p99 (docs/exporter.md), so one is the default; two can help where a core is idle.
  int scrapeThreads = 1;
};

// Throws std::invalid_argument naming the key ("exporter.json: services[2]: ...") for a
// document of the wrong shape; unknown keys are an error too.
ExporterConfig exporterConfigFromJson(const nlohmann::json& json, const std::string& source);
nlohmann::json exporterConfigToJson(const ExporterConfig& config);

// Every problem at once ("listen: ..."); empty when the config is usable.
std::vector<std::string> validate(const ExporterConfig& config);

struct ListenAddress {
  std::string host;
  int port = 0;
};
// "127.0.0.1:9464" → {"127.0.0.1", 9464}; port 0 means "any free port". Throws std::invalid_argument.
ListenAddress parseListenAddress(const std::string& text);

}  // namespace cairn::exporter

#include "monitoring/exporter/config.hpp"

#include <set>
#include <stdexcept>

namespace cairn::exporter {

ExporterConfig exporterConfigFromJson(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw std::invalid_argument(source + ": expected an object");
  static const std::set<std::string> kKeys = {"listen",        "proc_root",      "sys_root", "rootfs",
                                              "docker_socket", "supervisor_url", "services"};
  ExporterConfig config;
  for (const auto& [key, value] : json.items()) {
    if (!kKeys.count(key)) throw std::invalid_argument(source + ": " + key + ": unknown setting");
    if (key == "services") {
      if (!value.is_array()) throw std::invalid_argument(source + ": services: expected a list of names");
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_string()) {
          throw std::invalid_argument(source + ": services[" + std::to_string(i) + "]: expected a string");
        }
        config.services.push_back(value[i].get<std::string>());
      }
      continue;
    }
    if (!value.is_string()) throw std::invalid_argument(source + ": " + key + ": expected a string");
    const std::string text = value.get<std::string>();
    if (key == "listen") config.listen = text;
    else if (key == "proc_root") config.procRoot = text;
    else if (key == "sys_root") config.sysRoot = text;
    else if (key == "rootfs") config.rootfs = text;
    else if (key == "docker_socket") config.dockerSocket = text;
    else if (key == "supervisor_url") config.supervisorUrl = text;
  }
  return config;
}

nlohmann::json exporterConfigToJson(const ExporterConfig& config) {
  return {{"listen", config.listen},         {"proc_root", config.procRoot},
          {"sys_root", config.sysRoot},      {"rootfs", config.rootfs},
          {"docker_socket", config.dockerSocket}, {"supervisor_url", config.supervisorUrl},
          {"services", config.services}};
}

ListenAddress parseListenAddress(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw std::invalid_argument("\"" + text + "\" is not ADDR:PORT");
  }
  ListenAddress address{text.substr(0, colon), 0};
  const std::string port = text.substr(colon + 1);
  if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    throw std::invalid_argument("\"" + text + "\": port must be a number from 0 to 65535");
  }
  address.port = std::stoi(port);
  return address;
}

std::vector<std::string> validate(const ExporterConfig& config) {
  std::vector<std::string> problems;
  try {
    (void)parseListenAddress(config.listen);
  } catch (const std::invalid_argument& error) {
    problems.push_back(std::string("listen: ") + error.what());
  }
  auto absolute = [&](const char* key, const std::string& path) {
    if (path.empty() || path[0] != '/') problems.push_back(std::string(key) + ": \"" + path + "\" is not an absolute path");
  };
  absolute("proc_root", config.procRoot);
  absolute("sys_root", config.sysRoot);
  absolute("rootfs", config.rootfs);
  absolute("docker_socket", config.dockerSocket);
  if (!config.supervisorUrl.empty() && config.supervisorUrl.rfind("http://", 0) != 0) {
    problems.push_back("supervisor_url: \"" + config.supervisorUrl + "\" must start with http://");
  }
  if (config.scrapeThreads < 1 || config.scrapeThreads > 8) {
    problems.push_back("scrape_threads: " + std::to_string(config.scrapeThreads) + " is not between 1 and 8");
  }
  std::set<std::string> seen;
  for (const auto& service : config.services) {
    if (service.empty()) problems.push_back("services: a service name is empty");
    else if (!seen.insert(service).second) problems.push_back("services: \"" + service + "\" is listed twice");
  }
  return problems;
}

}  // namespace cairn::exporter

#pragma once
// cairn-exporter's life cycle: parse flags, read the rendered config, build the collectors and
// the Docker watcher, serve until SIGTERM/SIGINT, stop.

#include <map>
#include <string>
#include <vector>

#include <Poco/Util/ServerApplication.h>

#include "monitoring/exporter/config.hpp"

namespace cairn::exporter {

class ExporterApp final : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  int main(const std::vector<std::string>& args) override;

 private:
  void handleOption(const std::string& name, const std::string& value);
  ExporterConfig loadConfig() const;

  bool exitEarly_ = false;
  std::string configFile_ = "/etc/cairn/rendered/exporter.json";
  bool configFileGiven_ = false;
  std::map<std::string, std::string> overrides_;
};

}  // namespace cairn::exporter

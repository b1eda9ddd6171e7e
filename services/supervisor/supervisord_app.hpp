#pragma once
// cairn-supervisord's process: options, wiring, life cycle (Poco ServerApplication).
//   cairn-supervisord [--root DIR] [--docker-socket PATH] [--metrics-listen ADDR:PORT]
// Settings come from /etc/cairn/rendered/supervisor.json (optional) under --root; flags win.

#include <Poco/Util/ServerApplication.h>

#include <string>

namespace cairn::supervisor {

class SupervisordApp final : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  bool helpRequested_ = false;
  bool versionRequested_ = false;
  std::string root_;
  std::string dockerSocket_;
  std::string metricsListen_;
  bool metricsListenGiven_ = false;
};

}  // namespace cairn::supervisor

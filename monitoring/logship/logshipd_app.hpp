#pragma once
// cairn-logshipd's life cycle: read the config, wire sources, pusher and metrics, run the
// shipping loop on its own thread until SIGTERM/SIGINT, then deliver what is batched (one try)
// and stop. Exit codes: 0 done, 78 (EX_CONFIG) bad config, 73 (EX_CANTCREAT) cannot listen.

#include <Poco/Util/ServerApplication.h>

#include <string>

namespace cairn::logship {

class LogshipdApp final : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const std::vector<std::string>& args) override;

 private:
  bool helpRequested_ = false;
  bool versionRequested_ = false;
  std::string configPath_ = "/etc/cairn/rendered/logship.json";
};

}  // namespace cairn::logship

#pragma once
// Serves a Registry as Prometheus text on GET /metrics (gzip when asked), on ADDR:PORT.
// Owns a Poco HTTPServer with its own threads; start() binds or throws, stop() joins.

#include <memory>
#include <string>

#include "appliance/metrics/metrics.hpp"

namespace Poco::Net {
class HTTPServer;
}

namespace cairn::logship {

class MetricsServer {
 public:
  MetricsServer(const metrics::Registry& registry, std::string listen);
  ~MetricsServer();
  // Throws std::runtime_error naming the address when it cannot bind.
  void start();
  void stop();
  unsigned short port() const;

 private:
  const metrics::Registry& registry_;
  std::string listen_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

}  // namespace cairn::logship

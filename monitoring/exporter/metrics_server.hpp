#pragma once
// The HTTP side of cairn-exporter: GET /metrics runs every collector at scrape time and answers
// in text format 0.0.4 (gzip when the scraper accepts it); GET /healthz answers "ok". Scrapes
// may run concurrently (Poco's thread pool); collectors are safe for that.

#include <memory>
#include <string>
#include <vector>

#include <Poco/Net/HTTPServer.h>

#include "appliance/metrics/metrics.hpp"
#include "monitoring/exporter/collector.hpp"

namespace cairn::exporter {

// The collectors and the exporter's own health metrics; one scrape is one call of render().
class Exporter {
 public:
  // `threads`: how many collectors may run side by side in one scrape (see Scraper).
  explicit Exporter(std::vector<std::unique_ptr<Collector>> collectors, std::size_t threads = 1);
  // The exposition text of one scrape. Thread-safe.
  std::string render();

 private:
  Scraper scraper_;
  metrics::Registry registry_;
  metrics::Counter& scrapes_;
  metrics::Histogram& scrapeDuration_;
};

class MetricsServer {
 public:
  // Binds `host:port` (port 0: the kernel picks one). Throws Poco::Exception when it cannot.
  MetricsServer(Exporter& exporter, const std::string& host, int port, int maxThreads = 8);
  ~MetricsServer();
  void start();
  void stop();
  int port() const;

 private:
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  int port_ = 0;
};

}  // namespace cairn::exporter

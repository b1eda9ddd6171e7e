#pragma once
// A Collector gathers one group of metrics at scrape time (node_exporter's "collector"); the
// Scrape runs a set of them and adds, like node_exporter, one
// node_scrape_collector_duration_seconds and node_scrape_collector_success per collector.

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "appliance/metrics/metrics.hpp"

namespace cairn::exporter {

using metrics::Labels;
using metrics::MetricFamily;
using metrics::MetricType;

class Collector {
 public:
  virtual ~Collector() = default;
  // The value of the `collector` label ("cpu", "meminfo", "container").
  virtual std::string name() const = 0;
  // Appends this collector's families to `out`. Returns false when a source was missing,
  // unreadable or malformed; whatever could be read is still appended and stays valid.
  // Must be safe to call from several scrapes at once. Must not throw, but a throw is caught.
  virtual bool collect(std::vector<MetricFamily>& out) = 0;
};

// Runs every collector in order and returns their families followed by the two scrape
// families. A collector that throws counts as failed; its partial output is dropped.
std::vector<MetricFamily> scrape(const std::vector<std::unique_ptr<Collector>>& collectors);

// The same scrape with up to `threads` collectors running side by side: the calling thread
// and `threads - 1` workers owned by the Scraper. The collectors that took longest in the
// previous scrape start first, so that with two threads the container collector runs beside
// the node collectors. The output is identical to scrape()'s, in the list's order.
// Thread-safe: concurrent scrapes share the workers, and a scrape whose workers are busy
// runs its collectors on its own thread rather than wait for them.
class Scraper {
 public:
  Scraper(std::vector<std::unique_ptr<Collector>> collectors, std::size_t threads);
  ~Scraper();
  Scraper(const Scraper&) = delete;
  Scraper& operator=(const Scraper&) = delete;

  std::vector<MetricFamily> scrape();

 private:
  struct Job;
  void work();
  std::vector<std::size_t> slowestFirst() const;

  std::vector<std::unique_ptr<Collector>> collectors_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<double> lastSeconds_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Helpers for building families as plain values.
MetricFamily makeFamily(std::string name, std::string help, MetricType type);
void addSample(MetricFamily& family, Labels labels, double value);
// The family named `name` in `families`, appended empty when absent.
MetricFamily& familyIn(std::vector<MetricFamily>& families, const std::string& name, const std::string& help,
                       MetricType type);

// Small parsing helpers shared by the collectors: whitespace-split fields and a strict number.
std::vector<std::string_view> splitFields(std::string_view line);
// Splits text into lines (without the '\n'); a last line without '\n' is kept.
std::vector<std::string_view> splitLines(std::string_view text);
// Parses a whole field as a number; false on anything else ("12a", "", "-").
bool parseNumber(std::string_view field, double& value);
bool parseUnsigned(std::string_view field, unsigned long long& value);

}  // namespace cairn::exporter

#pragma once
// Metrics other parts of cairn write as small text-format files (the edge's certificate expiry in
// /etc/cairn/rendered/tls/cairn_tls.prom), re-exposed like node_exporter's textfile collector.

#include <string>
#include <string_view>
#include <vector>

#include "monitoring/exporter/collector.hpp"

namespace cairn::exporter {

// Parses Prometheus text format 0.0.4 limited to what such files hold: HELP, TYPE (counter,
// gauge, untyped) and samples with optional labels, without timestamps. Appends the families to
// `out`; on a line it cannot read it appends nothing and returns false.
bool parseTextfile(std::string_view text, std::vector<MetricFamily>& out);

class TextfileCollector final : public Collector {
 public:
  explicit TextfileCollector(std::vector<std::string> files) : files_(std::move(files)) {}
  std::string name() const override { return "textfile"; }
  // A file that does not exist yet is skipped; an unreadable or malformed one fails the collector.
  bool collect(std::vector<MetricFamily>& out) override;

 private:
  std::vector<std::string> files_;
};

}  // namespace cairn::exporter

#pragma once
// The Prometheus text exposition (format 0.0.4) shared by every cairn daemon: plain metric
// families as values, one renderer that formats them, and a small thread-safe Registry for a
// daemon's own counters, gauges and histograms.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::metrics {

enum class MetricType { kCounter, kGauge, kHistogram, kUntyped };

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  double value = 0;
  std::optional<std::int64_t> timestampMs;
};

struct HistogramSample {
  Labels labels;
  std::vector<std::pair<double, std::uint64_t>> buckets;  // upper bound, cumulative count; +Inf implied
  double sum = 0;
  std::uint64_t count = 0;
};

struct MetricFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kUntyped;
  std::vector<Sample> samples;
  std::vector<HistogramSample> histograms;
};

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Families in the order given, samples in the order given. Families sharing a name are merged
// into the first (one HELP/TYPE per name; no HELP line for an empty help). Label values are escaped (\\, \", \n), HELP text too
// (\\, \n); values use the shortest round-trip form, NaN, +Inf and -Inf.
std::string renderText(const std::vector<MetricFamily>& families);

// A value as the text format writes it: "1", "0.25", "1.5e+300", "NaN", "+Inf", "-Inf".
std::string formatValue(double value);

// True for [a-zA-Z_:][a-zA-Z0-9_:]* (metric names) / [a-zA-Z_][a-zA-Z0-9_]* (label names).
bool isValidMetricName(std::string_view name);
bool isValidLabelName(std::string_view name);
// Replaces every character a label name may not hold with '_' ("io.cairn.service" → "io_cairn_service").
std::string sanitizeLabelName(std::string_view name);

// gzip (RFC 1952) of `body`, for scrapers that send Accept-Encoding: gzip.
std::string gzip(std::string_view body);
bool acceptsGzip(std::string_view acceptEncodingHeader);

class Counter {
 public:
  void inc(double amount = 1);
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value); }
  void inc(double amount = 1);
  void dec(double amount = 1) { inc(-amount); }
  double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  HistogramSample snapshot(const Labels& labels) const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bucket, not cumulative
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

// Live metrics of one daemon. The same name and labels always return the same object, which
// stays valid for the Registry's lifetime. Thread-safe.
class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       const Labels& labels = {});
  // Families in registration order, series in registration order.
  std::vector<MetricFamily> collect() const;

 private:
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  struct Family {
    std::string name;
    std::string help;
    MetricType type;
    std::vector<Series> series;
  };
  Series& series(const std::string& name, const std::string& help, MetricType type, const Labels& labels);

  mutable std::mutex mutex_;
  std::vector<Family> families_;
};

}  // namespace cairn::metrics

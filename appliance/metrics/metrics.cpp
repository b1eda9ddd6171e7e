#include "appliance/metrics/metrics.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace cairn::metrics {
namespace {

const char* typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kUntyped: return "untyped";
  }
  return "untyped";
}

void appendEscaped(std::string& out, std::string_view text, bool escapeQuotes) {
  // Most text needs no escaping: copy the runs between special characters whole. A plain loop,
  // because find_first_of with a set of characters costs a memchr call per character.
  auto special = [escapeQuotes](char c) { return c == '\\' || c == '\n' || (escapeQuotes && c == '"'); };
  std::size_t start = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (!special(text[at])) continue;
    out.append(text.data() + start, at - start);
    out += text[at] == '\\' ? "\\\\" : text[at] == '\n' ? "\\n" : "\\\"";
    start = at + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

void appendLabels(std::string& out, const Labels& labels, const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && !extra) return;
  out += '{';
  bool first = true;
  auto append = [&](const std::string& name, const std::string& value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    appendEscaped(out, value, true);
    out += '"';
  };
  for (const auto& [name, value] : labels) append(name, value);
  if (extra) append(extra->first, extra->second);
  out += '}';
}

void appendHistogram(std::string& out, const std::string& name, const HistogramSample& histogram) {
  for (const auto& [bound, count] : histogram.buckets) {
    std::pair<std::string, std::string> le{"le", formatValue(bound)};
    out += name + "_bucket";
    appendLabels(out, histogram.labels, &le);
    out += ' ' + formatValue(static_cast<double>(count)) + '\n';
  }
  std::pair<std::string, std::string> inf{"le", "+Inf"};
  out += name + "_bucket";
  appendLabels(out, histogram.labels, &inf);
  out += ' ' + formatValue(static_cast<double>(histogram.count)) + '\n';
  out += name + "_sum";
  appendLabels(out, histogram.labels);
  out += ' ' + formatValue(histogram.sum) + '\n';
  out += name + "_count";
  appendLabels(out, histogram.labels);
  out += ' ' + formatValue(static_cast<double>(histogram.count)) + '\n';
}

void atomicAdd(std::atomic<double>& target, double amount) {
  double current = target.load();
  while (!target.compare_exchange_weak(current, current + amount)) {
  }
}

}  // namespace

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    auto [end, error] = std::to_chars(text, text + sizeof text, static_cast<long long>(value));
    return std::string(text, error == std::errc() ? end : text);
  }
  // %.<P>g with the smallest P that reads back as the same double ("0.25", "1.5e+300"): the
  // shortest scientific form gives P (its digit count), then %g rules choose fixed or exponent.
  auto [scientificEnd, scientificError] = std::to_chars(text, text + sizeof text, value, std::chars_format::scientific);
  if (scientificError != std::errc()) return "NaN";
  int digits = 0;
  for (const char* c = text; c != scientificEnd && *c != 'e'; ++c) digits += (*c >= '0' && *c <= '9') ? 1 : 0;
  auto [end, error] = std::to_chars(text, text + sizeof text, value, std::chars_format::general, digits);
  return std::string(text, error == std::errc() ? end : text);
}

bool isValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  auto first = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; };
  if (!first(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return first(c) || std::isdigit(static_cast<unsigned char>(c)); });
}

bool isValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  auto first = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; };
  if (!first(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return first(c) || std::isdigit(static_cast<unsigned char>(c)); });
}

std::string sanitizeLabelName(std::string_view name) {
  std::string clean;
  for (char c : name) clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (clean.empty() || std::isdigit(static_cast<unsigned char>(clean[0]))) clean.insert(clean.begin(), '_');
  return clean;
}

std::string renderText(const std::vector<MetricFamily>& families) {
  // Merge families that share a name into the first one, keeping order.
  std::vector<const MetricFamily*> order;
  std::map<std::string, std::vector<const MetricFamily*>> byName;
  for (const auto& family : families) {
    auto& group = byName[family.name];
    if (group.empty()) order.push_back(&family);
    group.push_back(&family);
  }
  std::size_t samples = 0;
  for (const auto& family : families) samples += family.samples.size() + family.histograms.size() * 16;
  // Grown by doubling, a large text would be copied several times over.
  std::string out;
  out.reserve(families.size() * 128 + samples * 128);
  for (const MetricFamily* head : order) {
    if (!head->help.empty()) {
      out += "# HELP " + head->name + ' ';
      appendEscaped(out, head->help, false);
      out += '\n';
    }
    out += "# TYPE " + head->name + ' ' + typeName(head->type) + '\n';
    for (const MetricFamily* family : byName[head->name]) {
      for (const auto& sample : family->samples) {
        out += head->name;
        appendLabels(out, sample.labels);
        out += ' ';
        out += formatValue(sample.value);
        if (sample.timestampMs) {
          out += ' ';
          out += std::to_string(*sample.timestampMs);
        }
        out += '\n';
      }
      for (const auto& histogram : family->histograms) appendHistogram(out, head->name, histogram);
    }
  }
  return out;
}

std::string gzip(std::string_view body) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib could not be initialised");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(body.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip failed");
  out.resize(stream.total_out);
  return out;
}

bool acceptsGzip(std::string_view header) {
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    std::string_view item = header.substr(start, comma == std::string_view::npos ? header.npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    std::string_view coding = item.substr(0, item.find(';'));
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding == "gzip" || coding == "*") {
      // "gzip;q=0" refuses it.
      std::size_t q = item.find("q=");
      if (q == std::string_view::npos || std::strtod(std::string(item.substr(q + 2)).c_str(), nullptr) > 0) return true;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

void Counter::inc(double amount) {
  if (amount < 0) return;  // counters never go down
  atomicAdd(value_, amount);
}

void Gauge::inc(double amount) { atomicAdd(value_, amount); }

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size(), 0) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::observe(double value) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  if (bucket != bounds_.end()) ++counts_[static_cast<std::size_t>(bucket - bounds_.begin())];
  sum_ += value;
  ++count_;
}

HistogramSample Histogram::snapshot(const Labels& labels) const {
  std::lock_guard<std::mutex> lock(mutex_);
  HistogramSample sample{labels, {}, sum_, count_};
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    sample.buckets.emplace_back(bounds_[i], cumulative);
  }
  return sample;
}

Registry::Series& Registry::series(const std::string& name, const std::string& help, MetricType type,
                                   const Labels& labels) {
  auto family = std::find_if(families_.begin(), families_.end(), [&](const Family& f) { return f.name == name; });
  if (family == families_.end()) {
    families_.push_back(Family{name, help, type, {}});
    family = families_.end() - 1;
  }
  if (family->type != type) throw std::logic_error("metric " + name + " registered with two types");
  for (auto& existing : family->series) {
    if (existing.labels == labels) return existing;
  }
  family->series.push_back(Series{labels, nullptr, nullptr, nullptr});
  return family->series.back();
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series& s = series(name, help, MetricType::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series& s = series(name, help, MetricType::kGauge, labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                               const Labels& labels) {
  std::lock_guard<std::mutex> lock(mutex_);
  Series& s = series(name, help, MetricType::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *s.histogram;
}

std::vector<MetricFamily> Registry::collect() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<MetricFamily> out;
  for (const auto& family : families_) {
    MetricFamily collected{family.name, family.help, family.type, {}, {}};
    for (const auto& s : family.series) {
      if (s.counter) collected.samples.push_back({s.labels, s.counter->value(), std::nullopt});
      if (s.gauge) collected.samples.push_back({s.labels, s.gauge->value(), std::nullopt});
      if (s.histogram) collected.histograms.push_back(s.histogram->snapshot(s.labels));
    }
    out.push_back(std::move(collected));
  }
  return out;
}

}  // namespace cairn::metrics

#include "monitoring/exporter/collector.hpp"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <exception>

namespace cairn::exporter {

std::vector<MetricFamily> scrape(const std::vector<std::unique_ptr<Collector>>& collectors) {
  std::vector<MetricFamily> out;
  MetricFamily duration = makeFamily("node_scrape_collector_duration_seconds",
                                     "node_exporter: Duration of a collector scrape.", MetricType::kGauge);
  MetricFamily success = makeFamily("node_scrape_collector_success", "node_exporter: Whether a collector succeeded.",
                                    MetricType::kGauge);
  for (const auto& collector : collectors) {
    auto started = std::chrono::steady_clock::now();
    std::size_t before = out.size();
    bool ok = false;
    try {
      ok = collector->collect(out);
    } catch (const std::exception&) {
      out.resize(before);
      ok = false;
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    addSample(duration, {{"collector", collector->name()}}, took.count());
    addSample(success, {{"collector", collector->name()}}, ok ? 1 : 0);
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(success));
  return out;
}

MetricFamily makeFamily(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

void addSample(MetricFamily& family, Labels labels, double value) {
  family.samples.push_back({std::move(labels), value, std::nullopt});
}

MetricFamily& familyIn(std::vector<MetricFamily>& families, const std::string& name, const std::string& help,
                       MetricType type) {
  for (auto& family : families) {
    if (family.name == name) return family;
  }
  families.push_back(makeFamily(name, help, type));
  return families.back();
}

std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool parseUnsigned(std::string_view field, unsigned long long& value) {
  if (field.empty()) return false;
  auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
  return error == std::errc() && end == field.data() + field.size();
}

bool parseNumber(std::string_view field, double& value) {
  unsigned long long whole = 0;
  if (parseUnsigned(field, whole)) {
    value = static_cast<double>(whole);
    return true;
  }
  if (field.empty() || field.size() > 63) return false;
  char buffer[64];
  field.copy(buffer, field.size());
  buffer[field.size()] = '\0';
  char* end = nullptr;
  value = std::strtod(buffer, &end);
  return end == buffer + field.size();
}

}  // namespace cairn::exporter

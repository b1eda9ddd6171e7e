#include "monitoring/exporter/collector.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <exception>

namespace cairn::exporter {

namespace {

struct CollectorRun {
  std::vector<MetricFamily> families;
  double seconds = 0;
  bool ok = false;
};

CollectorRun run(Collector& collector) {
  CollectorRun result;
  auto started = std::chrono::steady_clock::now();
  try {
    result.ok = collector.collect(result.families);
  } catch (const std::exception&) {
    result.families.clear();
    result.ok = false;
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

std::vector<MetricFamily> assemble(const std::vector<std::unique_ptr<Collector>>& collectors,
                                   std::vector<CollectorRun>& runs) {
  std::vector<MetricFamily> out;
  MetricFamily duration = makeFamily("node_scrape_collector_duration_seconds",
                                     "node_exporter: Duration of a collector scrape.", MetricType::kGauge);
  MetricFamily success = makeFamily("node_scrape_collector_success", "node_exporter: Whether a collector succeeded.",
                                    MetricType::kGauge);
  for (std::size_t i = 0; i < collectors.size(); ++i) {
    for (auto& family : runs[i].families) out.push_back(std::move(family));
    addSample(duration, {{"collector", collectors[i]->name()}}, runs[i].seconds);
    addSample(success, {{"collector", collectors[i]->name()}}, runs[i].ok ? 1 : 0);
  }
  out.push_back(std::move(duration));
  out.push_back(std::move(success));
  return out;
}

}  // namespace

std::vector<MetricFamily> scrape(const std::vector<std::unique_ptr<Collector>>& collectors) {
  std::vector<CollectorRun> runs;
  for (const auto& collector : collectors) runs.push_back(run(*collector));
  return assemble(collectors, runs);
}

// One scrape's collectors, taken one at a time by whichever thread is free.
struct Scraper::Job {
  std::vector<std::size_t> order;
  std::vector<CollectorRun> runs;
  std::atomic<std::size_t> next{0};
  std::size_t finished = 0;  // guarded by mutex
  std::mutex mutex;
  std::condition_variable allFinished;

  void takePart(const std::vector<std::unique_ptr<Collector>>& collectors) {
    for (std::size_t at = next++; at < order.size(); at = next++) {
      runs[order[at]] = run(*collectors[order[at]]);
      std::lock_guard<std::mutex> lock(mutex);
      if (++finished == order.size()) allFinished.notify_all();
    }
  }
};

Scraper::Scraper(std::vector<std::unique_ptr<Collector>> collectors, std::size_t threads)
    : collectors_(std::move(collectors)), lastSeconds_(collectors_.size(), 0.0) {
  for (std::size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

Scraper::~Scraper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void Scraper::work() {
  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job->takePart(collectors_);
  }
}

std::vector<std::size_t> Scraper::slowestFirst() const {
  std::vector<std::size_t> order(collectors_.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::lock_guard<std::mutex> lock(mutex_);
  std::stable_sort(order.begin(), order.end(),
                   [this](std::size_t a, std::size_t b) { return lastSeconds_[a] > lastSeconds_[b]; });
  return order;
}

std::vector<MetricFamily> Scraper::scrape() {
  auto job = std::make_shared<Job>();
  job->order = slowestFirst();
  job->runs.resize(collectors_.size());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < workers_.size(); ++i) queue_.push_back(job);
  }
  wake_.notify_all();
  job->takePart(collectors_);
  {
    std::unique_lock<std::mutex> lock(job->mutex);
    job->allFinished.wait(lock, [&] { return job->finished == job->order.size(); });
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = 0; i < collectors_.size(); ++i) lastSeconds_[i] = job->runs[i].seconds;
  }
  return assemble(collectors_, job->runs);
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
